"""Python client utilities for Micromegas."""

from . import query, spans, time

__version__ = "0.12.0"

__all__ = ["__version__", "query", "spans", "time"]
