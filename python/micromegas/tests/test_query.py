import datetime
import math

import pytest

from micromegas.query import Query, quote_identifier, quote_literal


def test_quote_literal_basic_types():
    assert quote_literal(None) == "NULL"
    assert quote_literal(True) == "TRUE"
    assert quote_literal(False) == "FALSE"
    assert quote_literal(-7) == "-7"
    assert quote_literal(0.25) == "0.25"
    assert quote_literal("abc") == "'abc'"


def test_quote_literal_escapes_single_quotes():
    assert quote_literal("O'Brien") == "'O''Brien'"
    assert quote_literal("'; DROP TABLE x; --") == "'''; DROP TABLE x; --'"


def test_quote_literal_datetime():
    dt = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    assert quote_literal(dt) == "'2024-01-01T00:00:00.000000000Z'"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_quote_literal_rejects_non_finite(value):
    with pytest.raises(ValueError):
        quote_literal(value)


def test_quote_literal_rejects_unknown_types_and_nul():
    with pytest.raises(TypeError):
        quote_literal([1, 2])
    with pytest.raises(ValueError):
        quote_literal("a\x00b")


def test_quote_identifier():
    assert quote_identifier("process_id") == "process_id"
    assert quote_identifier("Level") == '"Level"'
    assert quote_identifier('we"ird col') == '"we""ird col"'
    with pytest.raises(ValueError):
        quote_identifier("")


def test_default_select_star():
    assert Query("processes").to_sql() == "SELECT * FROM processes;"


def test_full_query():
    sql = (
        Query("log_entries")
        .select("time", "level", "msg")
        .between("2024-01-01T00:00:00Z", "2024-01-02T00:00:00+00:00")
        .where_eq("exe", "it's-a-server")
        .where_in("level", [1, 2])
        .order_by("time", descending=True)
        .limit(100)
        .to_sql()
    )
    assert sql == (
        "SELECT time, level, msg FROM log_entries "
        "WHERE time BETWEEN '2024-01-01T00:00:00.000000000Z' "
        "AND '2024-01-02T00:00:00.000000000Z' "
        "AND exe = 'it''s-a-server' AND level IN (1, 2) "
        "ORDER BY time DESC LIMIT 100;"
    )


def test_between_accepts_ticks_and_datetimes():
    begin = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    sql = Query("measures").between(begin, 1_000_000_001).to_sql()
    assert "BETWEEN '1970-01-01T00:00:00.000000000Z' AND " in sql
    assert "'1970-01-01T00:00:01.000000001Z'" in sql


def test_between_rejects_reversed_range():
    with pytest.raises(ValueError, match="after end"):
        Query("measures").between("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z")


def test_where_eq_none_uses_is_null():
    sql = Query("processes").where_eq("parent_process_id", None).to_sql()
    assert sql == "SELECT * FROM processes WHERE parent_process_id IS NULL;"


def test_process_scoped_view_instance():
    sql = Query("thread_spans", process_id="a'b").select("name").to_sql()
    assert sql == "SELECT name FROM view_instance('thread_spans', 'a''b');"


@pytest.mark.parametrize("bad", [0, -5, 2.5, True])
def test_limit_validation(bad):
    with pytest.raises(ValueError):
        Query("log_entries").limit(bad)


def test_where_in_requires_values():
    with pytest.raises(ValueError):
        Query("log_entries").where_in("level", [])
