"""The README's indicator table, written from the declarations (never by hand).

Owns the markdown between the ``<!-- indicators:start -->`` and ``<!-- indicators:end -->``
markers of README.md: one row per declared indicator with its id, names, unit, direction,
default target and how it is computed. ``python -m sinkview.metrics.docs`` rewrites it; a test
checks that the README holds exactly this text.
"""

from __future__ import annotations

from sinkview import PROJECT_ROOT
from sinkview.metrics.declarations import INDICATORS, Aggregate, Indicator

README = PROJECT_ROOT / "README.md"
START, END = "<!-- indicators:start -->", "<!-- indicators:end -->"


def _aggregate(aggregate: Aggregate) -> str:
    call = {"count": "count", "count_distinct": "count distinct", "sum": "sum", "sum_or_zero": "sum",
            "median": "median"}[aggregate.function]
    text = f"{call}({aggregate.of or '*'})"
    text += f" of {aggregate.model}"
    return text + (f" where {aggregate.where}" if aggregate.where else "")


def _expression(item: Indicator) -> str:
    if item.macro:
        return f"`queries/staging/{item.macro}.sql`"
    text = _aggregate(item.numerator)
    if item.minus:
        text += f" − {_aggregate(item.minus)}"
    if item.denominator:
        text += f" ÷ {_aggregate(item.denominator)}"
    if item.scale != 1:
        text += f" × {item.scale:,}"
    return f"`{text}`".replace("|", "\\|")


def indicator_table() -> str:
    """The markdown table of every declared indicator, in declaration order."""
    rows = ["| id | 中文 | English | unit | better | default target | computed as |", "|---|---|---|---|---|---|---|"]
    for item in INDICATORS:
        target = "—" if item.target.value is None else format(item.target.value, "g")
        rows.append(f"| `{item.id}` | {item.name_zh} | {item.name_en} | {item.unit} | {item.direction} | {target} "
                    f"| {_expression(item)} |")
    return "\n".join(rows)


def readme_with_table(text: str) -> str:
    """``text`` (README.md) with the table between the markers replaced by ``indicator_table``."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{indicator_table()}\n{END}{tail}"


if __name__ == "__main__":  # python -m sinkview.metrics.docs: rewrite README.md's table
    README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
