"""The metric layer's DuckDB SQL as Spark SQL: the one place where DuckDB-only pieces are resolved.

Owns turning a statement the DuckDB path runs (a compiled topic of ``sinkview.metrics.evaluator``
or a query of ``queries/``, with its ``$name`` parameters) into one Spark SQL statement, with
sqlglot. Nothing here is written per query; every difference is a rule over the syntax tree:

- **macros**: the staging models of ``queries/staging/`` (DuckDB table and scalar macros) are
  read from their files and inlined, their parameters replaced by the call's arguments (as
  DuckDB binds them: an unqualified column of the parameter's name);
- **parameters**: ``$name`` becomes a typed literal (a date, a string, null, an array);
- **lateral macro calls** (``from cells, lateral (select * from macro(cells.x, …))``): Spark
  cannot decorrelate them, so the left side (the evaluation cells) is computed first and the
  macro inlined once per cell, ``union all``, at most ``CELLS_PER_STATEMENT`` cells a statement;
- **date subtraction** (``a - b`` of two dates: days in DuckDB, an interval in Spark) becomes
  ``datediff(a, b)``; which expressions are dates comes from the data contract's date columns,
  the period columns of the cells, date casts and ``least``/``greatest``/``coalesce`` of dates;
- **quantiles**: ``quantile_cont(x, q)`` and ``median(x)`` become Spark's exact, interpolating
  ``percentile(x, q)``;
- **lists**: ``unnest`` inside a cast, several ``unnest`` side by side (DuckDB zips them) and
  ``generate_subscripts``, ``list_distinct`` (DuckDB drops nulls), ``list_prepend``;
- **ASOF joins** become an equi-join on the row's validity interval (``lead`` of its date);
- **collation** (``collate zh``) is dropped: Spark sorts strings by code point, as the
  metric layer's code-point order asks;
- **the catalogue**: ``duckdb_tables()`` reads ``CATALOGUE_VIEW``, which the engine keeps as
  the list of tables it registered (so "are indicator cells stored?" is answered: no).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import sqlglot
from sqlglot import exp

from sinkview import QUERIES_DIR
from sinkview.ingest.contract import DATASETS, STORED_AS

Rows = list[dict[str, object]]
CATALOGUE_VIEW = "duckdb_tables"  # a view with one column, table_name (sinkview.spark.engine)
# Cells of a lateral macro call inlined into one Spark statement: each inlined party body is a
# large plan, and a hundred of them in one statement exhaust a 1 GB driver while being analysed.
CELLS_PER_STATEMENT = 8

_MACRO_HEAD = re.compile(r"create\s+or\s+replace\s+macro\s+(\w+)\s*\(([^)]*)\)\s+as\s+(table\s+)?", re.I)

# Columns that hold dates beside the contract's: the evaluation cells' periods and the names the
# staging models give to dates they derive.
_DERIVED_DATES = {"period_start", "period_end", "span_start", "span_end", "as_of", "month_start",
                  "month_end", "start_in_period", "end_in_period", "first_day", "last_day"}


_INLINED = itertools.count(1)  # numbers each inlined body, so its CTE names are its own


@dataclass(frozen=True)
class Macro:
    """A staging model as DuckDB installs it: a table macro (a query) or a scalar one."""
    name: str
    parameters: tuple[str, ...]
    body: exp.Expression
    is_table: bool


@cache
def staging_macros() -> dict[str, Macro]:
    """Every macro of ``queries/staging/`` by name, parsed once."""
    found = {}
    for path in sorted((QUERIES_DIR / "staging").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        head = _MACRO_HEAD.search(text)
        if head is None:
            continue
        parameters = tuple(name.strip() for name in head.group(2).split(",") if name.strip())
        body = sqlglot.parse_one(text[head.end():], read="duckdb")
        found[head.group(1).lower()] = Macro(head.group(1).lower(), parameters, body, bool(head.group(3)))
    return found


@cache
def date_columns() -> frozenset[str]:
    """The names of columns that hold dates (the contract's, as stored, and the derived ones)."""
    names = set(_DERIVED_DATES)
    for dataset in DATASETS.values():
        for column in dataset.columns:
            if column.type in ("date", "month", "period"):
                names.add(STORED_AS.get((dataset.name, column.name), column.name))
    return frozenset(names)


# --------------------------------------------------------------------------- the entry point

def to_spark(sql: str, params: Mapping[str, object] | None = None,
             run: Callable[[str], Rows] | None = None) -> str:
    """The Spark SQL of a DuckDB statement of ours with its parameters bound (one statement,
    whatever the number of cells of a lateral macro call)."""
    (statement,) = to_spark_statements(sql, params, run, cells_per_statement=0)
    return statement


def to_spark_statements(sql: str, params: Mapping[str, object] | None = None,
                        run: Callable[[str], Rows] | None = None,
                        cells_per_statement: int | None = None) -> list[str]:
    """The Spark SQL of a DuckDB statement of ours with its parameters bound: one statement,
    or, for a lateral macro call over more cells than ``cells_per_statement`` (default
    ``CELLS_PER_STATEMENT``; 0: no limit), one statement per slice of cells whose rows together
    are the statement's.

    ``run`` executes a Spark statement and returns its rows; it is needed only when the
    statement has a lateral macro call (the cells are computed first)."""
    tree = bind_parameters(sqlglot.parse_one(sql, read="duckdb"), params or {})
    select = _lateral_select(tree)
    if select is None:
        return [_finished(tree)]
    if run is None:
        raise ValueError("a lateral macro call needs an executor for its left side")
    cells = _lateral_cells(tree, select, run)
    if not cells:
        raise ValueError("a lateral macro call over no cells")
    step = CELLS_PER_STATEMENT if cells_per_statement is None else cells_per_statement or len(cells)
    statements = []
    for first in range(0, len(cells), step):
        copy = tree.copy()
        _expand_lateral(_lateral_select(copy), cells[first:first + step])
        statements.append(_finished(copy))
    return statements


def _finished(tree: exp.Expression) -> str:
    return adapt(inline_macros(tree)).sql(dialect="spark")


# --------------------------------------------------------------------------- parameters

def literal(value: object) -> exp.Expression:
    """A Spark literal of a parameter value."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "timestamp")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[literal(item) for item in value])
    raise TypeError(f"no Spark literal for {type(value).__name__}")


def bind_parameters(tree: exp.Expression, params: Mapping[str, object]) -> exp.Expression:
    """Each ``$name`` replaced by the literal of its value (a missing one is an error)."""
    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in params:
                raise KeyError(f"parameter ${node.name} has no value")
            return literal(params[node.name])
        return node

    return tree.transform(bind)


# --------------------------------------------------------------------------- macros

def _substituted(macro: Macro, arguments: Sequence[exp.Expression]) -> exp.Expression:
    if len(arguments) != len(macro.parameters):
        raise ValueError(f"{macro.name} takes {len(macro.parameters)} arguments")
    by_name = dict(zip(macro.parameters, arguments))

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in by_name:
            return exp.paren(by_name[node.name].copy(), copy=False)
        return node

    body = macro.body.copy().transform(substitute)
    return _renamed_ctes(body, f"{macro.name}_{next(_INLINED)}")


def _renamed_ctes(body: exp.Expression, prefix: str) -> exp.Expression:
    """The body with its CTEs named ``<prefix>_<name>`` (a reference keeps the old name as its
    alias): sqlglot lifts nested CTEs to the top for Spark, where two ``final`` would clash."""
    with_ = body.args.get("with_")
    if with_ is None:
        return body
    names = {cte.alias_or_name: f"{prefix}_{cte.alias_or_name}" for cte in with_.expressions}
    for cte in with_.expressions:
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(names[cte.alias_or_name])))

    def rename(node: exp.Expression) -> exp.Expression:
        if (isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier) and not node.db
                and node.name in names):
            return exp.Table(this=exp.to_identifier(names[node.name]),
                             alias=node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name)))
        return node

    return body.transform(rename)


def _macro_call(node: exp.Expression) -> tuple[Macro, list[exp.Expression]] | None:
    if isinstance(node, exp.Anonymous):
        macro = staging_macros().get(node.name.lower())
        if macro is not None:
            return macro, list(node.expressions)
    return None


def inline_macros(tree: exp.Expression) -> exp.Expression:
    """Every staging-macro call replaced by its body (table macros as aliased subqueries)."""
    def inline(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table):
            call = _macro_call(node.this)
            if call is not None and call[0].is_table:
                macro, arguments = call
                alias = node.alias or macro.name
                body = inline_macros(_substituted(macro, arguments))
                return exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(alias)))
            return node
        call = _macro_call(node)
        if call is not None and not call[0].is_table and not isinstance(node.parent, exp.Table):
            return exp.paren(inline_macros(_substituted(*call)), copy=False)
        return node

    return tree.transform(inline)


def _lateral_select(tree: exp.Expression) -> exp.Select | None:
    """The select holding a lateral macro call (``from cells, lateral (…) as v``), if any."""
    for select in tree.find_all(exp.Select):
        if any(isinstance(join.this, exp.Lateral) for join in select.args.get("joins") or []):
            return select
    return None


def _lateral_cells(tree: exp.Expression, select: exp.Select, run: Callable[[str], Rows]) -> Rows:
    """The rows of the lateral call's left side (the cells), computed by Spark first: they are
    literal once the parameters are bound."""
    left = select.args["from_"].this
    context = exp.Select(expressions=[exp.Star()]).from_(left.name)
    with_ = tree.args.get("with_")
    if with_ is not None:  # the CTEs before the one holding the lateral call
        holder = select.find_ancestor(exp.CTE)
        earlier = with_.expressions[:with_.expressions.index(holder)] if holder in with_.expressions \
            else with_.expressions
        context.set("with_", exp.With(expressions=[cte.copy() for cte in earlier]))
    return run(_finished(context))


def _expand_lateral(select: exp.Select, cells: Rows) -> None:
    """``from cells, lateral (select * from macro(cells.x, …)) as v`` as one inlined body per
    cell, ``union all`` (Spark cannot decorrelate the call)."""
    left_name = select.args["from_"].this.alias_or_name
    lateral = next(join for join in select.args["joins"] if isinstance(join.this, exp.Lateral))
    inner = lateral.this.this.this  # Lateral -> Subquery -> Select
    alias = lateral.this.alias
    parts = []
    for cell in cells:
        def fixed(node: exp.Expression, cell=cell) -> exp.Expression:
            if isinstance(node, exp.Column) and node.table == left_name and node.name in cell:
                return literal(cell[node.name])
            return node

        projections = []
        for projection in select.expressions:
            if isinstance(projection, exp.Column) and projection.table == left_name:
                projections.append(exp.alias_(literal(cell[projection.name]), projection.name))
            else:
                projections.append(projection.copy())
        body = inner.copy().transform(fixed)
        parts.append(exp.Select(expressions=projections).from_(
            exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(alias)))))
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    shown = {projection.alias_or_name for projection in parts[0].expressions}
    order = select.args.get("order")
    keys = [ordered.this.name for ordered in order.expressions] if order else []
    replacement = exp.Select(expressions=[exp.Star()]).from_(
        exp.Subquery(this=union, alias=exp.TableAlias(this=exp.to_identifier("cell_rows"))))
    if keys and all(key in shown for key in keys):
        replacement = replacement.order_by(*keys)
    select.replace(replacement)


# --------------------------------------------------------------------------- DuckDB-only pieces

def is_date(node: exp.Expression) -> bool:
    """Whether an expression holds a date (see ``date_columns``)."""
    if isinstance(node, exp.Paren):
        return is_date(node.this)
    if isinstance(node, exp.Cast):
        return node.to.is_type(exp.DataType.Type.DATE)
    if isinstance(node, exp.Column):
        return node.name in date_columns()
    if isinstance(node, (exp.Least, exp.Greatest, exp.Coalesce)):
        return any(is_date(arg) for arg in [node.this, *node.expressions])
    return False


def _generator(node: exp.Expression) -> bool:
    inner = node.this if isinstance(node, exp.Alias) else node
    return isinstance(inner, exp.Explode) or (isinstance(inner, exp.Anonymous)
                                              and inner.name.lower() == "generate_subscripts")


def _zip_unnests(select: exp.Select) -> exp.Select:
    """``select generate_subscripts(l, 1) as n, unnest(a) as x, unnest(b) as y`` (DuckDB zips
    side-by-side unnests) as ``select inline(arrays_zip(sequence(1, size(l)), a, b)) as (n, x, y)``."""
    arrays, names = [], []
    for projection in select.expressions:
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(inner, exp.Explode):
            arrays.append(inner.this)
        else:
            listed = inner.expressions[0]
            arrays.append(exp.func("sequence", exp.Literal.number(1), exp.func("size", listed)))
        names.append(projection.alias_or_name)
    zipped = exp.func("inline", exp.func("arrays_zip", *arrays))
    aliased = exp.Aliases(this=zipped, expressions=[exp.to_identifier(name) for name in names])
    return exp.Select(expressions=[aliased])


def _asof_as_interval_join(join: exp.Join) -> exp.Join:
    """``asof join r on r.k = l.k and r.t <= l.t``: each right row is valid from its date until
    the next of the same key (``lead``), so the match is an ordinary join on that interval."""
    conditions = list(join.args["on"].flatten()) if isinstance(join.args["on"], exp.And) else [join.args["on"]]
    right = join.this
    right_name = right.alias_or_name
    keys = [c for c in conditions if isinstance(c, exp.EQ)]
    (bound,) = [c for c in conditions if isinstance(c, (exp.LTE, exp.GTE))]
    moment, probe = (bound.this, bound.expression) if isinstance(bound, exp.LTE) else (bound.expression, bound.this)
    partition = [side.copy() for key in keys for side in (key.this, key.expression) if side.table == right_name]
    partition = [exp.column(column.name) for column in partition]
    following = exp.Window(this=exp.func("lead", exp.column(moment.name)), partition_by=partition,
                           order=exp.Order(expressions=[exp.Ordered(this=exp.column(moment.name))]))
    source = right.copy()
    source.set("alias", None)
    ranged = exp.Select(expressions=[exp.Star(), exp.alias_(following, "asof_valid_until")]).from_(source)
    interval = exp.or_(exp.column("asof_valid_until", right_name).is_(exp.null()),
                       exp.GT(this=exp.column("asof_valid_until", right_name), expression=probe.copy()))
    return exp.Join(this=exp.Subquery(this=ranged, alias=exp.TableAlias(this=exp.to_identifier(right_name))),
                    on=exp.and_(join.args["on"].copy(), interval))


def adapt(tree: exp.Expression) -> exp.Expression:
    """The DuckDB-only pieces of a (macro-free, bound) statement in Spark's terms."""
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Sub) and is_date(node.this) and is_date(node.expression):
            return exp.func("datediff", node.this, node.expression)
        if isinstance(node, exp.PercentileCont) and not isinstance(node.parent, exp.WithinGroup):
            return exp.func("percentile", node.this, node.expression)
        if isinstance(node, exp.Median):
            return exp.func("percentile", node.this, exp.Literal.number(0.5))
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Explode):
            element = node.to.copy()
            return exp.Explode(this=exp.Cast(this=node.this.this, to=exp.DataType(
                this=exp.DataType.Type.ARRAY, expressions=[element], nested=True)))
        if isinstance(node, exp.ArrayDistinct):
            return exp.func("array_distinct", exp.func("array_compact", node.this))
        if isinstance(node, exp.ArrayPrepend):
            return exp.func("concat", exp.Array(expressions=[node.expression]), node.this)
        if isinstance(node, exp.Collate):
            return node.this
        if (isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous)
                and node.this.name.lower() == "duckdb_tables"):
            return exp.Table(this=exp.to_identifier(CATALOGUE_VIEW), alias=node.args.get("alias"))
        if isinstance(node, exp.Join) and node.method.upper() == "ASOF":
            return _asof_as_interval_join(node)
        if (isinstance(node, exp.Select) and not node.args.get("from_")
                and sum(_generator(p) for p in node.expressions) > 1
                and all(_generator(p) for p in node.expressions)):
            return _zip_unnests(node)
        return node

    return _bottom_up(tree, rewrite)


def _bottom_up(tree: exp.Expression, rewrite: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """``rewrite`` applied to every node, children before their parent (a rewritten node's
    pieces are already in Spark's terms)."""
    for node in reversed(list(tree.bfs())):
        replaced = rewrite(node)
        if replaced is not node:
            if node is tree:
                tree = replaced
            else:
                node.replace(replaced)
    return tree
