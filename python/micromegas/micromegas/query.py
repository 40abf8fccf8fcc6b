"""Build SQL statements for the Micromegas analytics service.

The analytics service speaks the DataFusion SQL dialect. This module provides
safe quoting of literals and identifiers, and a tiny fluent builder for the
common ``SELECT ... FROM view WHERE time BETWEEN ...`` shape.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable

from .time import ns_to_rfc3339, to_ns

_SIMPLE_IDENTIFIER_RE = re.compile(r"^[a-z_][a-z0-9_]*$")

SqlValue = str | int | float | bool | datetime.datetime | None


def quote_identifier(name: str) -> str:
    """Quote a column or view name when needed.

    Simple lower-case identifiers are returned unchanged; anything else is
    wrapped in double quotes with embedded double quotes doubled.
    """
    if not isinstance(name, str) or name == "":
        raise ValueError("identifier must be a non-empty string")
    if _SIMPLE_IDENTIFIER_RE.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: SqlValue) -> str:
    """Render a Python value as a SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite float cannot be a SQL literal: {value}")
        return repr(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL characters are not allowed in SQL literals")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime.datetime):
        return "'" + ns_to_rfc3339(to_ns(value)) + "'"
    raise TypeError(f"unsupported literal type: {type(value).__name__}")


class Query:
    """Fluent builder for analytics queries.

    >>> Query("log_entries").select("time", "msg").limit(10).to_sql()
    'SELECT time, msg FROM log_entries LIMIT 10;'
    """

    def __init__(self, view: str, process_id: str | None = None) -> None:
        self._view = view
        self._process_id = process_id
        self._columns: list[str] = []
        self._conditions: list[str] = []
        self._order_by: list[str] = []
        self._limit: int | None = None
        quote_identifier(view)  # validate early

    def select(self, *columns: str) -> Query:
        self._columns.extend(quote_identifier(c) for c in columns)
        return self

    def between(
        self,
        begin: int | str | datetime.datetime,
        end: int | str | datetime.datetime,
        column: str = "time",
    ) -> Query:
        begin_ns, end_ns = to_ns(begin), to_ns(end)
        if begin_ns > end_ns:
            raise ValueError("time range begin is after end")
        self._conditions.append(
            f"{quote_identifier(column)} BETWEEN "
            f"'{ns_to_rfc3339(begin_ns)}' AND '{ns_to_rfc3339(end_ns)}'"
        )
        return self

    def where_eq(self, column: str, value: SqlValue) -> Query:
        col = quote_identifier(column)
        if value is None:
            self._conditions.append(f"{col} IS NULL")
        else:
            self._conditions.append(f"{col} = {quote_literal(value)}")
        return self

    def where_in(self, column: str, values: Iterable[SqlValue]) -> Query:
        rendered = [quote_literal(v) for v in values]
        if not rendered:
            raise ValueError("where_in requires at least one value")
        values_sql = ", ".join(rendered)
        self._conditions.append(f"{quote_identifier(column)} IN ({values_sql})")
        return self

    def order_by(self, column: str, descending: bool = False) -> Query:
        direction = "DESC" if descending else "ASC"
        self._order_by.append(f"{quote_identifier(column)} {direction}")
        return self

    def limit(self, n: int) -> Query:
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"limit must be a positive integer, got {n!r}")
        self._limit = n
        return self

    def _source(self) -> str:
        if self._process_id is None:
            return quote_identifier(self._view)
        return (
            f"view_instance({quote_literal(self._view)}, "
            f"{quote_literal(self._process_id)})"
        )

    def to_sql(self) -> str:
        columns = ", ".join(self._columns) if self._columns else "*"
        parts = [f"SELECT {columns}", f"FROM {self._source()}"]
        if self._conditions:
            parts.append("WHERE " + " AND ".join(self._conditions))
        if self._order_by:
            parts.append("ORDER BY " + ", ".join(self._order_by))
        if self._limit is not None:
            parts.append(f"LIMIT {self._limit}")
        return " ".join(parts) + ";"

    def __str__(self) -> str:
        return self.to_sql()
