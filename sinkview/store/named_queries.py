"""Named queries: ``queries/<topic>/<result>.sql`` run with DuckDB ``$name`` parameters.

Owns finding a query file by name, reading it once, and binding exactly the parameters the
file references (DuckDB rejects missing and extra keys), so pages can pass the shared filters
(start, end, community, township, ...) to any query. It knows nothing about what queries mean.
"""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from sinkview import QUERIES_DIR

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


class UnknownQuery(KeyError):
    pass


@cache
def query_sql(name: str) -> str:
    """The SQL of ``name`` (``"topic/result"``), read once per process."""
    path = (QUERIES_DIR / f"{name}.sql").resolve()
    if QUERIES_DIR.resolve() not in path.parents or not path.is_file():
        raise UnknownQuery(name)
    return path.read_text(encoding="utf-8")


@cache
def query_parameters(name: str) -> frozenset[str]:
    """The ``$names`` a query references (comments ignored)."""
    series = _series(name)
    if series is not None:
        return series.parameters
    return frozenset(_PARAMETER.findall(_COMMENT.sub("", query_sql(name))))


def _series(name: str):
    """The indicator series answering ``name`` (``sinkview.metrics.series``), if it is one."""
    from sinkview.metrics.series import SERIES

    return SERIES.get(name)


def bind(name: str, params: dict) -> dict:
    """The subset of ``params`` the query uses; a parameter it needs but was not given is None."""
    return {key: params.get(key) for key in query_parameters(name)}


def run_query(cursor, name: str, **params) -> pd.DataFrame:
    """Run ``queries/<name>.sql`` (or the indicator series of that name) on ``cursor`` and
    return its rows as a DataFrame."""
    if _series(name) is not None:
        from sinkview.metrics.series import run_series

        return run_series(cursor, name, bind(name, params))
    bound = bind(name, params)
    return cursor.execute(query_sql(name), bound or None).df()
