"""The evaluator: declared indicators at a grain, one SQL statement (one pass) per topic.

Owns compiling a topic's declarations into one statement over its base models and running it
for a set of evaluation cells — periods (one, or a list: now, before, a year ago, quarters,
months) × groups (none, every community, every township) — under an optional community and
township filter. A record falls in a cell exactly as the ungrouped filter would take it (a
referral between two communities is in both communities' cells), so a grouped value equals
the ungrouped value of that group. The rules live in the base models
(``queries/staging/``, see ``sinkview.metrics.models``); the expressions in the declarations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sinkview.metrics import cells as stored_cells
from sinkview.metrics.declarations import INDICATORS, TOPICS, Aggregate, Indicator, topic_indicators, topic_macro
from sinkview.metrics.models import AS_OF, EVENT, MODELS, OVERLAP, STATE, BaseModel
from sinkview.store.named_queries import run_query

DIMENSIONS = ("none", "community", "township")
Value = float | int | None
Period = tuple[dt.date, dt.date]

_ZERO_WHEN_EMPTY = {"count", "count_distinct", "sum_or_zero"}
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


# --------------------------------------------------------------------------- compiling

@dataclass(frozen=True)
class Statement:
    """A compiled topic: its SQL and the ``$names`` it reads."""
    topic: str
    sql: str
    parameters: frozenset[str]


def _aggregate_sql(aggregate: Aggregate) -> str:
    if aggregate.function == "count":
        call = "count(*)" if aggregate.of is None else f"count({aggregate.of})"
    elif aggregate.function == "count_distinct":
        call = f"count(distinct {aggregate.of})"
    elif aggregate.function in ("sum", "sum_or_zero"):
        call = f"sum({aggregate.of})"
    else:  # median: the mean of the two middle values when their number is even
        call = f"quantile_cont({aggregate.of}, 0.5)"
    return call if aggregate.where is None else f"{call} filter (where {aggregate.where})"


def _membership(columns: Sequence[str]) -> str:
    """The SQL of a row's group keys: one column, or the distinct non-null ones of several."""
    if len(columns) == 1:
        return columns[0]
    return f"unnest(list_distinct([{', '.join(columns)}]))"


def _filter(parameter: str, columns: Sequence[str]) -> str:
    if len(columns) == 1:
        return f"{columns[0]} = ${parameter}::varchar"
    return f"${parameter}::varchar in ({', '.join(columns)})"


def _model_rows(model: BaseModel, dimension: str, single: bool, township_filter: bool,
                institution_filter: bool = False) -> str:
    """The CTE body of one model's rows, each tagged with the cell(s) it falls in."""
    span_start, span_end = ("$start::date", "$end::date") if single else ("$span_start::date", "$span_end::date")
    relation = model.relation.replace("$as_of_dates", "[$end::date]" if single else "$ends::date[]")
    where = [f"($community::varchar is null or {_filter('community', model.communities)})"]
    if township_filter:
        where.append(f"($township::varchar is null or {_filter('township', model.townships)})")
    if institution_filter:
        if not model.institutions:
            raise ValueError(f"{model.name} rows name no institution to filter on")
        where.append(f"($institution::varchar is null or {_filter('institution', model.institutions)})")
    on = []
    if model.time == EVENT:
        (day,) = model.date_columns
        where.insert(0, f"{day} between {span_start} and {span_end}")
        on.append(f"model_rows.{day} between cells.period_start and cells.period_end")
    elif model.time == OVERLAP:
        first, last = model.date_columns
        where[:0] = [f"{first} <= {span_end}", f"{last} >= {span_start}"]
        on += [f"model_rows.{first} <= cells.period_end", f"model_rows.{last} >= cells.period_start"]
    elif model.time == AS_OF:
        on.append("model_rows.as_of = cells.period_end")
    else:
        assert model.time == STATE
    keys = ""
    if dimension != "none":
        columns = model.communities if dimension == "community" else model.townships
        keys = f", {_membership(columns)} as member_key"
        on.insert(0, "cells.group_key = model_rows.member_key")
    clipped = ""
    if model.clipped:
        first, last = model.date_columns
        clipped = (f",\n        days_in_period(model_rows.{first}, model_rows.{last}, cells.period_start, "
                   f"cells.period_end) as {model.clipped}")
    join = f"join cells on {' and '.join(on)}" if on else "cross join cells"
    conditions = "\n            and ".join(where)
    return f"""select
        cells.*,
        model_rows.*{' exclude (member_key)' if keys else ''}{clipped}
    from (
        select *{keys}
        from {relation}
        where {conditions}
    ) as model_rows
    {join}"""


def _value_sql(item: Indicator, names: dict[tuple[str, str], str]) -> str:
    def term(aggregate: Aggregate) -> str:
        name = names[aggregate.model, _aggregate_sql(aggregate)]
        return f"coalesce({name}, 0)" if aggregate.function in _ZERO_WHEN_EMPTY else name

    value = term(item.numerator)
    if item.minus is not None:
        value = f"{value} - {term(item.minus)}"
    if item.denominator is not None:
        value = f"{value}::double / nullif({term(item.denominator)}, 0)"
        if item.scale != 1:
            value = f"{value} * {item.scale}"
    return value


@cache
def compile_topic(topic: str, dimension: str = "none", single: bool = False,
                  township_filter: bool = False, institution_filter: bool = False,
                  only: frozenset[str] | None = None) -> Statement:
    """One statement computing every indicator of ``topic`` (or those of it in ``only``) for
    every cell.

    ``single``: one period given as ``$start``/``$end`` and no grouping; the statement returns
    one row whose columns are the indicator ids (what ``python -m sinkview metrics`` prints).
    Otherwise periods come as ``$starts``/``$ends`` (lists; ``$span_start``/``$span_end`` bound
    them, so sorted ledgers skip row groups) and groups as ``$groups``; each row starts with
    ``period_no`` (1-based) and, when grouped, ``group_key``."""
    if dimension not in DIMENSIONS or (single and dimension != "none"):
        raise ValueError(f"unknown grain {dimension!r}")
    items = tuple(item for item in topic_indicators(topic) if only is None or item.id in only)
    if not items:
        raise KeyError(topic)
    by_model: dict[str, dict[str, str]] = {}  # model -> aggregate SQL -> column (each once)
    distinct: dict[tuple[str, str], tuple[str, str | None]] = {}  # (model, aggregate SQL) -> (of, where) of a distinct count
    for item in items:
        for aggregate in item.aggregates:
            found = by_model.setdefault(aggregate.model, {})
            found.setdefault(_aggregate_sql(aggregate), f"{aggregate.model}_{len(found)}")
            if aggregate.function == "count_distinct":
                distinct[aggregate.model, _aggregate_sql(aggregate)] = (aggregate.of, aggregate.where)
    keys = ["period_no"] if dimension == "none" else ["period_no", "group_key"]
    if single:
        periods = "select 1 as period_no, $start::date as period_start, $end::date as period_end"
    else:
        periods = ("select generate_subscripts($starts::date[], 1) as period_no,\n"
                   "        unnest($starts::date[]) as period_start,\n"
                   "        unnest($ends::date[]) as period_end")
    ctes = [f"periods as (\n    {periods}\n)"]
    if dimension == "none":
        ctes.append("cells as (\n    select * from periods\n)")
    else:
        ctes.append("groups as (\n    select unnest($groups::varchar[]) as group_key\n)")
        ctes.append("cells as (\n    select * from periods cross join groups\n)")
    macro = topic_macro(topic)
    if macro is not None:  # one row per cell from the topic's own macro, all cells in one statement
        if dimension == "township" or township_filter or institution_filter or only is not None:
            raise ValueError(f"{topic} has no township grain, institution filter or subset")
        community = "cells.group_key" if dimension == "community" else "$community::varchar"
        shown = "" if single else "".join(f"cells.{key}, " for key in keys)
        ctes.append(f"final as (\n    select {shown}cell_values.*\n    from cells,\n        lateral (select * from "
                    f"{macro}(cells.period_start, cells.period_end, {community})) as cell_values\n"
                    f"    order by {', '.join(f'cells.{key}' for key in keys)}\n)")
        sql = (f"-- compiled by sinkview.metrics.evaluator: {topic}.* by {dimension}"
               f"{' (one period)' if single else ''}\nwith\n\n" + ",\n\n".join(ctes) + "\n\nselect * from final\n")
        return Statement(topic, sql, frozenset(_PARAMETER.findall(sql)))
    names: dict[tuple[str, str], str] = {}
    joined: list[str] = []  # the CTEs the final select joins to the cells
    key_list = ", ".join(keys)
    for model_name, aggregates in by_model.items():
        model = MODELS[model_name]
        ctes.append(f"{model_name}_rows as (\n    {_model_rows(model, dimension, single, township_filter, institution_filter)}\n)")
        plain = {sql: name for sql, name in aggregates.items() if (model_name, sql) not in distinct}
        if plain:
            columns = ",\n        ".join(f"{sql} as {name}" for sql, name in plain.items())
            ctes.append(f"{model_name}_aggregates as (\n    select\n        {key_list},\n        {columns}\n"
                        f"    from {model_name}_rows\n    group by {key_list}\n)")
            joined.append(f"{model_name}_aggregates")
        # a distinct count in two steps (distinct pairs, then count): faster than count(distinct)
        # beside other aggregates, and the same number (nulls are not counted)
        for sql, name in aggregates.items():
            if (model_name, sql) in distinct:
                of, where = distinct[model_name, sql]
                condition = f"({of}) is not null" + (f" and ({where})" if where else "")
                ctes.append(f"{name}_counts as (\n    select {key_list}, count(*) as {name}\n    from (\n"
                            f"        select distinct {key_list}, {of} as counted_value\n"
                            f"        from {model_name}_rows\n        where {condition}\n    )\n"
                            f"    group by {key_list}\n)")
                joined.append(f"{name}_counts")
        names.update({(model_name, sql): name for sql, name in aggregates.items()})
    values = ",\n        ".join(f'{_value_sql(item, names)} as "{item.id}"' for item in items)
    joins = "\n    ".join(f"left join {cte} using ({key_list})" for cte in joined)
    shown = "" if single else "".join(f"cells.{key},\n        " for key in keys)
    ctes.append(f"final as (\n    select\n        {shown}{values}\n    from cells\n    {joins}\n"
                f"    order by {', '.join(f'cells.{key}' for key in keys)}\n)")
    sql = (f"-- compiled by sinkview.metrics.evaluator: {topic}.* by {dimension}"
           f"{' (one period)' if single else ''}\nwith\n\n" + ",\n\n".join(ctes) + "\n\nselect * from final\n")
    return Statement(topic, sql, frozenset(_PARAMETER.findall(sql)))


def topic_sql(topic: str) -> str:
    """The compiled statement of one topic for one period (``$start``, ``$end``, ``$community``)."""
    return compile_topic(topic, single=True).sql


# --------------------------------------------------------------------------- evaluating

Values = dict[str, Value]


def compute_indicators(cursor, start: dt.date, end: dt.date, community: str | None,
                       topics: Sequence[str] = TOPICS) -> Values:
    """Every indicator for the period ``[start, end]`` and a community (None: all), by id."""
    params = {"start": start, "end": end, "community": community}
    values: Values = {}
    for topic in topics:
        result = cursor.execute(topic_sql(topic), params)
        names = [column[0] for column in result.description]
        values.update(zip(names, result.fetchall()[0]))
    return {item.id: values[item.id] for item in INDICATORS if item.id in values}


def default_groups(cursor, dimension: str, community: str | None) -> list[str]:
    """Every community that has an institution (code-point order), or every township of the
    grassroots institutions in the community: the groups a grouped evaluation reports."""
    if dimension == "community":
        return run_query(cursor, "frame/communities")["community"].tolist()
    return run_query(cursor, "frame/townships", community=community)["township"].tolist()


def _cells(periods: Sequence[Period], by: str, community: str | None, groups: Sequence[str] | None
           ) -> tuple[list[tuple[int, str | None]], str | None, list[str]]:
    if by == "community" and community is not None:  # grouped by community within one: that one
        groups, community = [community] if groups is None else [g for g in groups if g == community], None
    groups = list(groups or [])
    cells = [(index, group) for index in range(len(periods)) for group in (groups if by != "none" else [None])]
    return cells, community, groups


def statements(periods: Sequence[Period], by: str = "none", community: str | None = None,
               township: str | None = None, groups: Sequence[str] = (),
               topics: Sequence[str] = TOPICS, institution: str | None = None,
               only: Sequence[str] | None = None) -> list[tuple[str, dict]]:
    """The statements of an evaluation whose groups are known, with their parameters: one per
    topic, each row naming its cell (``period_no`` from 1, then ``group_key`` when grouped).
    ``institution`` keeps the records with that institution at either end; ``only`` computes
    just those indicator ids."""
    periods = list(dict.fromkeys(periods))  # a period asked for twice runs once
    cells, community, groups = _cells(periods, by, community, groups)
    if not cells:
        return []
    params = {
        "starts": [start for start, _ in periods],
        "ends": [end for _, end in periods],
        "span_start": min(start for start, _ in periods),
        "span_end": max(end for _, end in periods),
        "community": community,
        "township": township,
        "institution": institution,
        "groups": groups,
    }
    found = []
    for topic in topics:
        statement = compile_topic(topic, by, township_filter=township is not None,
                                  institution_filter=institution is not None,
                                  only=None if only is None else frozenset(only))
        found.append((statement.sql, {key: params[key] for key in statement.parameters}))
    return found


def evaluate(cursor, periods: Sequence[Period], by: str = "none", community: str | None = None,
             township: str | None = None, groups: Sequence[str] | None = None,
             topics: Sequence[str] = TOPICS, stored: bool = True, institution: str | None = None,
             only: Sequence[str] | None = None) -> dict[tuple[int, str | None], Values]:
    """Every indicator of ``topics`` for each period × group, one statement per topic.

    Returns ``{(period index, group or None): {id: value}}`` for every cell, in period then
    group order (groups: ``groups`` or ``default_groups``; by community under a community
    filter, the one group of that community). With ``stored``, cells the store keeps fresh
    (``sinkview.metrics.cells``: calendar quarters and years) are read instead of computed."""
    asked = [(start, end) for start, end in periods]
    periods = list(dict.fromkeys(asked))  # a period asked for twice (now = the last quarter) runs once
    if by != "none" and groups is None and not (by == "community" and community is not None):
        groups = default_groups(cursor, by, community)
    cells, community, groups = _cells(periods, by, community, groups)
    wanted = [item.id for item in INDICATORS if item.topic in topics and (only is None or item.id in only)]
    results = None
    if stored and institution is None:
        results = stored_cells.lookup(cursor, periods, by, community, township, groups, wanted)
    if results is None:
        found = statements(periods, by, community, township, groups, topics, institution, only)
        results = _computed(cursor, found, by, cells)
    order = [item.id for item in INDICATORS]
    position = {period: index for index, period in enumerate(periods)}
    return {(index, group): {key: results[position[period], group][key] for key in order
                             if key in results[position[period], group]}
            for index, period in enumerate(asked) for group in (groups if by != "none" else [None])}


def _computed(cursor, found: list[tuple[str, dict]], by: str, cells: list) -> dict[tuple[int, str | None], Values]:
    results: dict[tuple[int, str | None], Values] = {cell: {} for cell in cells}
    offset = 1 if by == "none" else 2
    for sql, params in found:
        result = cursor.execute(sql, params)
        names = [column[0] for column in result.description]
        for row in result.fetchall():
            results[row[0] - 1, None if by == "none" else row[1]].update(zip(names[offset:], row[offset:]))
    return results
