import datetime

import pytest

from micromegas.time import (
    datetime_to_ns,
    format_datetime,
    ns_to_datetime,
    ns_to_rfc3339,
    parse_time_delta,
    rfc3339_to_ns,
    to_ns,
)

UTC = datetime.timezone.utc


def test_epoch_round_trip():
    assert rfc3339_to_ns("1970-01-01T00:00:00Z") == 0
    assert ns_to_rfc3339(0) == "1970-01-01T00:00:00.000000000Z"


def test_nanosecond_precision_preserved():
    text = "2024-03-15T12:34:56.123456789Z"
    ns = rfc3339_to_ns(text)
    assert ns % 1_000_000_000 == 123_456_789
    assert ns_to_rfc3339(ns) == text


def test_short_fraction_is_right_padded():
    assert rfc3339_to_ns("1970-01-01T00:00:01.5Z") == 1_500_000_000


def test_offset_is_normalised_to_utc():
    assert rfc3339_to_ns("2024-01-01T02:00:00+02:00") == rfc3339_to_ns(
        "2024-01-01T00:00:00Z"
    )
    assert ns_to_rfc3339(rfc3339_to_ns("2023-12-31T19:30:00-04:30")) == (
        "2024-01-01T00:00:00.000000000Z"
    )


def test_negative_ticks_before_epoch():
    assert ns_to_rfc3339(-1) == "1969-12-31T23:59:59.999999999Z"
    assert rfc3339_to_ns("1969-12-31T23:59:59.999999999Z") == -1


@pytest.mark.parametrize(
    "bad",
    [
        "2024-01-01",
        "2024-01-01T00:00:00",  # missing offset
        "2024-13-01T00:00:00Z",  # month 13
        "2024-02-30T00:00:00Z",  # no such day
        "2024-01-01T00:00:00.1234567890Z",  # 10 fractional digits
        "2024-01-01T00:00:00+25:00",
    ],
)
def test_invalid_rfc3339_rejected(bad):
    with pytest.raises(ValueError):
        rfc3339_to_ns(bad)


def test_datetime_conversions():
    dt = datetime.datetime(2024, 5, 1, 8, 0, 0, 250_000, tzinfo=UTC)
    ns = datetime_to_ns(dt)
    assert ns == 1_714_550_400_250_000_000
    assert ns_to_datetime(ns) == dt
    assert format_datetime(dt) == "2024-05-01T08:00:00.250000000Z"


def test_ns_to_datetime_truncates_sub_microsecond():
    assert ns_to_datetime(1_999) == datetime.datetime(
        1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC
    )
    # floor, not round towards zero, for instants before the epoch
    assert ns_to_datetime(-1) == datetime.datetime(
        1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC
    )


def test_naive_datetime_rejected():
    with pytest.raises(ValueError, match="naive"):
        datetime_to_ns(datetime.datetime(2024, 1, 1))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10ns", 10),
        ("3ms", 3_000_000),
        ("15m", 900_000_000_000),
        ("2h", 7_200_000_000_000),
        (" 1d ", 86_400_000_000_000),
    ],
)
def test_parse_time_delta(text, expected):
    assert parse_time_delta(text) == expected


@pytest.mark.parametrize("bad", ["", "5", "1.5h", "-1h", "3 weeks"])
def test_parse_time_delta_invalid(bad):
    with pytest.raises(ValueError):
        parse_time_delta(bad)


def test_to_ns_dispatch_and_errors():
    assert to_ns(42) == 42
    assert to_ns("1970-01-01T00:00:00.000000042Z") == 42
    assert to_ns(datetime.datetime(1970, 1, 1, tzinfo=UTC)) == 0
    with pytest.raises(TypeError):
        to_ns(True)
    with pytest.raises(TypeError):
        to_ns(1.5)
    with pytest.raises(TypeError):
        ns_to_rfc3339(1.0)
