"""Time conversions used by the Micromegas analytics service.

Micromegas stores timestamps as nanoseconds since the Unix epoch (UTC). These
helpers convert between nanosecond ticks, RFC 3339 strings and timezone-aware
:class:`datetime.datetime` objects without losing nanosecond precision where
the representation allows it.
"""

from __future__ import annotations

import datetime
import re

NS_PER_SECOND = 1_000_000_000
NS_PER_MICROSECOND = 1_000

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

_RFC3339_RE = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"[Tt ](?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d{1,9}))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})$"
)

_DELTA_RE = re.compile(r"^\s*(?P<value>\d+)\s*(?P<unit>ns|us|ms|s|m|h|d)\s*$")

_DELTA_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": NS_PER_SECOND,
    "m": 60 * NS_PER_SECOND,
    "h": 3_600 * NS_PER_SECOND,
    "d": 86_400 * NS_PER_SECOND,
}


def _timedelta_to_ns(delta: datetime.timedelta) -> int:
    return (
        delta.days * 86_400 + delta.seconds
    ) * NS_PER_SECOND + delta.microseconds * NS_PER_MICROSECOND


def _parse_offset(text: str) -> datetime.timezone:
    if text in ("Z", "z"):
        return datetime.timezone.utc
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset: {text!r}")
    return datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))


def rfc3339_to_ns(text: str) -> int:
    """Parse an RFC 3339 timestamp into nanoseconds since the Unix epoch.

    Fractional seconds up to nanosecond precision are preserved exactly.

    >>> rfc3339_to_ns("1970-01-01T00:00:01.5Z")
    1500000000
    """
    match = _RFC3339_RE.match(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    tz = _parse_offset(match["offset"])
    try:
        dt = datetime.datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=tz,
        )
    except ValueError as err:
        raise ValueError(f"invalid RFC 3339 timestamp {text!r}: {err}") from err
    fraction = match["fraction"] or ""
    fraction_ns = int(fraction.ljust(9, "0")) if fraction else 0
    return _timedelta_to_ns(dt - EPOCH) + fraction_ns


def ns_to_rfc3339(ns: int) -> str:
    """Format nanoseconds since the epoch as an RFC 3339 UTC string.

    The output always carries nine fractional digits and a ``Z`` suffix.

    >>> ns_to_rfc3339(1_500_000_000)
    '1970-01-01T00:00:01.500000000Z'
    """
    if isinstance(ns, bool) or not isinstance(ns, int):
        raise TypeError(f"expected int nanoseconds, got {type(ns).__name__}")
    seconds, fraction = divmod(ns, NS_PER_SECOND)
    try:
        dt = EPOCH + datetime.timedelta(seconds=seconds)
    except OverflowError as err:
        raise ValueError(f"timestamp out of range: {ns}") from err
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}"
        f"T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{fraction:09d}Z"
    )


def datetime_to_ns(dt: datetime.datetime) -> int:
    """Convert a timezone-aware datetime to nanoseconds since the epoch."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime is ambiguous; attach a tzinfo")
    return _timedelta_to_ns(dt - EPOCH)


def ns_to_datetime(ns: int) -> datetime.datetime:
    """Convert nanoseconds since the epoch to a UTC datetime.

    ``datetime`` only has microsecond resolution: sub-microsecond digits are
    truncated towards negative infinity so that the result is never later than
    the original instant.
    """
    return EPOCH + datetime.timedelta(microseconds=ns // NS_PER_MICROSECOND)


def format_datetime(dt: datetime.datetime) -> str:
    """Format a timezone-aware datetime as an RFC 3339 UTC string."""
    return ns_to_rfc3339(datetime_to_ns(dt))


def parse_time_delta(text: str) -> int:
    """Parse a compact duration such as ``"15m"`` or ``"2h"`` into nanoseconds.

    Supported units: ``ns``, ``us``, ``ms``, ``s``, ``m``, ``h``, ``d``.
    """
    match = _DELTA_RE.match(text)
    if match is None:
        raise ValueError(f"invalid time delta: {text!r}")
    return int(match["value"]) * _DELTA_UNITS_NS[match["unit"]]


def to_ns(value: int | str | datetime.datetime) -> int:
    """Normalise ticks, RFC 3339 strings or datetimes to nanoseconds."""
    if isinstance(value, bool):
        raise TypeError("bool is not a valid timestamp")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return rfc3339_to_ns(value)
    if isinstance(value, datetime.datetime):
        return datetime_to_ns(value)
    raise TypeError(f"unsupported timestamp type: {type(value).__name__}")
