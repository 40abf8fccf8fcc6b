"""Aggregate thread span records returned by the analytics service.

A span is a mapping with at least ``thread_id``, ``name``, ``begin`` and
``end`` (nanosecond ticks). Nested spans overlap their parents, so per-thread
busy time is computed as the length of the union of intervals rather than a
plain sum.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

_REQUIRED_KEYS = ("thread_id", "name", "begin", "end")


@dataclass(frozen=True)
class Span:
    thread_id: str
    name: str
    begin: int
    end: int
    depth: int = 0

    @property
    def duration(self) -> int:
        return self.end - self.begin


@dataclass
class SpanStats:
    count: int
    total: int
    min: int
    max: int

    @property
    def mean(self) -> float:
        return self.total / self.count


def parse_span(record: Mapping[str, Any]) -> Span:
    """Validate a raw span record and convert it to a :class:`Span`."""
    missing = [key for key in _REQUIRED_KEYS if key not in record]
    if missing:
        raise ValueError(f"span record missing keys: {', '.join(missing)}")
    begin, end = record["begin"], record["end"]
    for key, value in (("begin", begin), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"span {key} must be int nanoseconds, got {value!r}")
    if end < begin:
        raise ValueError(f"span {record['name']!r} ends before it begins")
    return Span(
        thread_id=str(record["thread_id"]),
        name=str(record["name"]),
        begin=begin,
        end=end,
        depth=int(record.get("depth", 0)),
    )


def _union_length(intervals: list[tuple[int, int]]) -> int:
    total = 0
    current_begin: int | None = None
    current_end = 0
    for begin, end in sorted(intervals):
        if current_begin is None or begin > current_end:
            if current_begin is not None:
                total += current_end - current_begin
            current_begin, current_end = begin, end
        else:
            current_end = max(current_end, end)
    if current_begin is not None:
        total += current_end - current_begin
    return total


def thread_busy_time(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Return, per thread, the nanoseconds covered by at least one span."""
    intervals: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in map(parse_span, records):
        intervals[span.thread_id].append((span.begin, span.end))
    return {thread: _union_length(ivs) for thread, ivs in sorted(intervals.items())}


def stats_by_name(records: Iterable[Mapping[str, Any]]) -> dict[str, SpanStats]:
    """Return count/total/min/max durations grouped by span name."""
    stats: dict[str, SpanStats] = {}
    for span in map(parse_span, records):
        d = span.duration
        current = stats.get(span.name)
        if current is None:
            stats[span.name] = SpanStats(count=1, total=d, min=d, max=d)
        else:
            current.count += 1
            current.total += d
            current.min = min(current.min, d)
            current.max = max(current.max, d)
    return stats


def to_chrome_trace(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Convert spans to Chrome trace event JSON (viewable in Perfetto UI).

    Thread ids are mapped to small integer ``tid`` values in order of first
    appearance and named with metadata events.
    """
    tids: dict[str, int] = {}
    events: list[dict[str, Any]] = []
    for span in map(parse_span, records):
        if span.thread_id not in tids:
            tids[span.thread_id] = len(tids) + 1
            events.append(
                {
                    "ph": "M",
                    "name": "thread_name",
                    "pid": 1,
                    "tid": tids[span.thread_id],
                    "args": {"name": span.thread_id},
                }
            )
        events.append(
            {
                "ph": "X",
                "name": span.name,
                "pid": 1,
                "tid": tids[span.thread_id],
                "ts": span.begin / 1_000,
                "dur": span.duration / 1_000,
            }
        )
    return {"traceEvents": events, "displayTimeUnit": "ns"}


def write_chrome_trace(
    records: Iterable[Mapping[str, Any]], path: str | PathLike[str]
) -> None:
    """Write spans as a Chrome trace JSON file."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(to_chrome_trace(records), f)
