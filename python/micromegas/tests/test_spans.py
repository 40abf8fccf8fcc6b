import json

import pytest

from micromegas.spans import (
    parse_span,
    stats_by_name,
    thread_busy_time,
    to_chrome_trace,
    write_chrome_trace,
)

SPANS = [
    {"thread_id": "main", "name": "frame", "begin": 0, "end": 100, "depth": 0},
    {"thread_id": "main", "name": "update", "begin": 10, "end": 40, "depth": 1},
    {"thread_id": "main", "name": "render", "begin": 50, "end": 90, "depth": 1},
    {"thread_id": "main", "name": "frame", "begin": 200, "end": 260, "depth": 0},
    {"thread_id": "worker", "name": "job", "begin": 5, "end": 25},
    {"thread_id": "worker", "name": "job", "begin": 20, "end": 30},
]


def test_busy_time_does_not_double_count_nested_or_overlapping():
    assert thread_busy_time(SPANS) == {"main": 160, "worker": 25}


def test_busy_time_adjacent_spans_and_empty_input():
    spans = [
        {"thread_id": 1, "name": "a", "begin": 0, "end": 10},
        {"thread_id": 1, "name": "b", "begin": 10, "end": 15},
        {"thread_id": 1, "name": "c", "begin": 7, "end": 7},
    ]
    assert thread_busy_time(spans) == {"1": 15}
    assert thread_busy_time([]) == {}


def test_stats_by_name():
    stats = stats_by_name(SPANS)
    assert set(stats) == {"frame", "update", "render", "job"}
    frame = stats["frame"]
    assert (frame.count, frame.total, frame.min, frame.max) == (2, 160, 60, 100)
    assert frame.mean == 80
    assert stats["job"].total == 30


def test_parse_span_errors():
    with pytest.raises(ValueError, match="missing keys: begin, end"):
        parse_span({"thread_id": "t", "name": "x"})
    with pytest.raises(ValueError, match="ends before"):
        parse_span({"thread_id": "t", "name": "x", "begin": 10, "end": 5})
    with pytest.raises(TypeError):
        parse_span({"thread_id": "t", "name": "x", "begin": 1.0, "end": 5})


def test_chrome_trace_events():
    trace = to_chrome_trace(SPANS[:2] + SPANS[4:5])
    events = trace["traceEvents"]
    meta = [e for e in events if e["ph"] == "M"]
    complete = [e for e in events if e["ph"] == "X"]
    assert [m["args"]["name"] for m in meta] == ["main", "worker"]
    assert [m["tid"] for m in meta] == [1, 2]
    assert complete[1] == {
        "ph": "X",
        "name": "update",
        "pid": 1,
        "tid": 1,
        "ts": 0.01,
        "dur": 0.03,
    }


def test_write_chrome_trace(tmp_path):
    path = tmp_path / "trace.json"
    write_chrome_trace(SPANS, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len([e for e in data["traceEvents"] if e["ph"] == "X"]) == len(SPANS)
