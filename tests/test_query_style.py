"""queries/ reads as the style anchors ask (dbt, Evidence): lower-case SQL and ``$name``
parameters only. sqlfluff cannot lex DuckDB's ``$name`` parameters, so this test checks the
two rules itself, outside string literals and comments."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

QUERIES = Path(__file__).resolve().parents[1] / "queries"
KEYWORDS = ("SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "JOIN", "WITH", "AS", "AND", "OR", "CASE",
            "WHEN", "THEN", "ELSE", "END", "UNION", "HAVING", "LEFT", "INNER", "ON", "NOT", "NULL", "DISTINCT")


def code_only(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


@pytest.mark.parametrize("path", sorted(QUERIES.rglob("*.sql")), ids=lambda p: str(p.relative_to(QUERIES)))
def test_query_is_lower_case_with_named_parameters(path):
    code = code_only(path.read_text(encoding="utf-8"))
    shouting = [word for word in KEYWORDS if re.search(rf"\b{word}\b", code)]
    assert not shouting, f"upper-case keywords: {shouting}"
    assert not re.search(r"\?|\$\d", code), "positional parameters: use $name"
