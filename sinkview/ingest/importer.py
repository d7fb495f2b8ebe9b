"""Import: validate an uploaded ledger in DuckDB and write it in one transaction; undo.

Owns the path decode → find header (``reader``) → normalise and validate in SQL over whole
columns (the SQL is generated from ``contract``; cell values only ever reach DuckDB as data)
→ stage → commit (newest row per key wins; identical rows untouched) → undo. Patient
identities are pseudonymised in the first SQL projection, before anything is materialised.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import shutil
import tempfile
import unicodedata
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rapidfuzz import fuzz, process, utils

from sinkview.ingest import fast_csv, live_progress
from sinkview.ingest.contract import (ALIAS_SEPARATORS, DATASETS, DOMAINS, INSTITUTION_LIST_SEPARATORS, STORED_AS, Column,
                               Dataset)
from sinkview.ingest.reader import (OVERFLOW, ROW_NUMBER, STREAM_BYTES, ColumnMapping, RawTable, UnreadableFile,
                             raw_cells_column, read_upload, read_upload_file, trim_cells)
from sinkview.store.database import CONNECTION_CONFIG, settings_while
from sinkview.store.secrets import hmac_pads, secret

EARLIEST_DATE = dt.date(1950, 1, 1)   # plausibility bounds: 1900-01-00 Excel zero dates are errors
LATEST_DATE = dt.date(2099, 12, 31)
PREVIEW_ROWS = 50
ERROR_COLUMNS = ["file", "row", "column", "value", "reason", "detail"]
ERRORS_KEPT = 10_000   # a large file's errors held in memory (and shown); every one stays on disk

_MACROS = (resources.files("sinkview.ingest") / "normalise_macros.sql").read_text(encoding="utf-8")


@dataclass
class Notice:
    """A warning about a file: an i18n key (``warn_*``) and the values that fill it."""

    code: str
    params: dict = field(default_factory=dict)


@dataclass
class Validation:
    """What an upload would do, before anything is written."""

    file_name: str
    content_hash: str
    dataset: Dataset | None = None
    file_error: Notice | None = None         # the file cannot be imported at all
    rows_total: int = 0
    rows_valid: int = 0
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))
    warnings: list[Notice] = field(default_factory=list)
    staged_rows: pa.Table | None = None      # normalised, pseudonymised rows with _valid (small files)
    encoding: str = ""
    mapping_name: str | None = None          # the saved column mapping that was applied
    staged_path: Path | None = None          # the same rows on disk, for a file read in bounded memory
    # A large file keeps its first ERRORS_KEPT errors in ``errors`` and every one on disk, so that
    # a file whose every row is wrong stays in bounded memory; ``all_errors`` reads them back.
    errors_total: int | None = None
    errors_file: Path | None = None
    error_headers: dict = field(default_factory=dict)        # column -> header as written
    error_replacements: dict = field(default_factory=dict)   # (column, value) -> (reason, detail)

    @property
    def staged(self) -> pa.Table | None:
        """The normalised rows in the order of the file (read from disk for a large file)."""
        if self.staged_rows is None and self.staged_path is not None:
            return pq.read_table(self.staged_path, columns=self._kept_columns()).sort_by(ROW_NUMBER)
        return self.staged_rows

    def _kept_columns(self) -> list[str]:
        return [ROW_NUMBER, *stored_columns(self.dataset), "_valid"]

    @property
    def error_count(self) -> int:
        """Every error of the file, also those beyond the ones kept in ``errors``."""
        return len(self.errors) if self.errors_total is None else self.errors_total

    def all_errors(self, batch_rows: int = 50_000):
        """Every error in row order, in frames of at most ``batch_rows`` (read from disk for a
        large file whose errors were not all kept)."""
        if self.errors_file is None or self.error_count <= len(self.errors):
            yield self.errors
            return
        # Sorted by a DuckDB of its own (the check's connection may be gone), spilling to disk
        # beyond the import's memory limit.
        with duckdb.connect(config={**CONNECTION_CONFIG, "memory_limit": IMPORT_MEMORY_LIMIT}) as con:
            ordered = con.sql(f"select * exclude (pos) from read_parquet({_lit(str(self.errors_file))}) "
                              "order by row, pos").to_arrow_reader(batch_rows)
            for batch in ordered:
                # Python strings: a row at a time, Arrow-backed text is slow to walk
                yield present_errors(batch.to_pandas().astype(object), self.error_replacements, self.error_headers)

    @property
    def ok(self) -> bool:
        return self.file_error is None and self.error_count == 0

    @property
    def rows_rejected(self) -> int:
        return self.rows_total - self.rows_valid

    def preview(self, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
        if self.staged_rows is None and self.staged_path is not None:
            columns = ", ".join(_q(c) for c in self._kept_columns())
            head = duckdb.sql(f"select {columns} from {_staged_files(self.staged_path)} "
                              f"order by {_q(ROW_NUMBER)} limit {int(limit)}").to_arrow_table().to_pandas()
        elif self.staged_rows is None:
            return pd.DataFrame()
        else:
            head = self.staged_rows.slice(0, limit).to_pandas()
        return head.drop(columns=["_valid"], errors="ignore")


@dataclass
class ImportResult:
    """What an import did: every valid row is new, replaced a stored row or was already stored."""

    import_id: int
    dataset: str
    rows_imported: int
    rows_changed: int       # new + replaced
    rows_rejected: int
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0


class ImportRefused(Exception):
    """An import that would write rows the user has not agreed to (errors, no valid rows)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# --------------------------------------------------------------------------- SQL generation

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def stored_name(dataset: Dataset, column: str) -> str:
    return STORED_AS.get((dataset.name, column), column)


def stored_columns(dataset: Dataset) -> list[str]:
    return [stored_name(dataset, c.name) for c in dataset.columns]


def _tier_rank(tier: str) -> str:
    """The rank of the tier ``tier`` (an SQL expression) in ``tier_ranks``: higher is further up."""
    return f"(select rank from tier_ranks where tier = {tier})"


def _trimmed(column: str) -> str:
    """The column of ``upload_raw`` holding ``column``'s cells trimmed (``reader.trim_cells``);
    ``column`` itself holds them as typed, which error lists show."""
    return "trimmed__" + column


_TYPE_PARSER = {"decimal": "sv_decimal", "count": "sv_count", "date": "sv_date",
                "period": "sv_period_end", "month": "sv_month"}
_TYPE_ERROR = {"decimal": "bad_decimal", "count": "bad_count", "date": "bad_date", "period": "bad_period",
               "month": "bad_month", "boolean": "bad_boolean", "enum": "bad_enum"}
_DATE_TYPES = {"date", "period", "month"}


def _parse_expression(dataset: Dataset, column: Column, derived_key: bool = False) -> str:
    """The typed value of a column from its cleaned text ``c.<column>``.

    ``derived_key``: the column holds an identity column's cells (a file without patient_key),
    so every value is hashed, whatever its shape."""
    if derived_key:
        return (f"'h:' || left(sv_hmac(sv_identity_norm(c.{_q(column.name)}), $hmac_inner, $hmac_outer), 32)")
    if column.type in ("enum", "boolean"):
        expr = f"{_q('l__' + column.name)}.code"
        if column.type == "boolean":
            expr = f"({expr} = 'true')"
    elif column.type in ("text", "id", "institution"):
        expr = f"c.{_q(column.name)}"
    elif column.type == "institution_list":   # the items, trimmed; resolved like single references
        items = (f"list_filter(list_transform(string_split_regex(c.{_q(column.name)}, "
                 f"{_lit(INSTITUTION_LIST_SEPARATORS)}), lambda x: sv_clean(x)), lambda x: x is not null)")
        expr = f"case when len({items}) > 0 then {items} end"
    else:
        expr = f"{_TYPE_PARSER[column.type]}(c.{_q(column.name)})"
    if column.upper:
        expr = f"upper({expr})"
    if column.name in dataset.pseudonymised:
        expr = (f"case when sv_is_identity_number({expr}) or sv_is_mobile({expr}) "
                f"then 'h:' || left(sv_hmac({expr}, $hmac_inner, $hmac_outer), 32) else {expr} end")
    return expr


def _enum_joins(dataset: Dataset) -> str:
    joins = []
    for column in dataset.columns:
        if column.type in ("enum", "boolean"):
            domain = column.domain or "boolean"
            alias = _q("l__" + column.name)
            joins.append(f"left join sv_labels {alias} on {alias}.domain = {_lit(domain)} "
                         f"and {alias}.label = lower(c.{_q(column.name)})")
    return "\n    ".join(joins)


def _known_inst_rules(dataset: Dataset):
    return [r for r in dataset.rules if r.kind == "known_inst"]


def _institution_columns(dataset: Dataset) -> list[str]:
    return [c.name for c in dataset.columns if c.type == "institution"]


def _institution_list_columns(dataset: Dataset) -> list[str]:
    return [c.name for c in dataset.columns if c.type == "institution_list"]


def _reference_ctes(dataset: Dataset) -> str:
    """Institution references (code, name or alias) resolved by lookup, without a pass over the
    file: ``sv_ref_exact`` holds every code and every name or alias as a cell would hold it,
    ``sv_ref_names`` every folded name (``_prepare``). A code wins over a name; a name shared
    by several institutions stays unresolved (ambiguous). Each lookup carries its institution's
    tier here, because the institutions file knows its own rows. The items of an institution
    list are resolved the same way, then gathered back per row."""
    columns, lists = _institution_columns(dataset), _institution_list_columns(dataset)
    if not columns and not lists:
        return ""
    row = _q(ROW_NUMBER)
    list_ctes = "".join(f"""
items__{name} as (
    select {row}, unnest(p.{_q(name)}) as item, generate_subscripts(p.{_q(name)}, 1) as pos
    from parsed p where p.{_q(name)} is not null
),
resolved__{name} as (
    select i.{row}, list({_ref('inst_id', 'r')} order by i.pos) as codes,
        list(i.item order by i.pos) filter (where {_ref('inst_id', 'r')} is null
                                            and not {_ref('ambiguous', 'r')}) as unknown_items,
        list(i.item order by i.pos) filter (where {_ref('ambiguous', 'r')}) as ambiguous_items
    from items__{name} i {_ref_joins('i.item', 'r')}
    group by i.{row}
),""" for name in lists)
    known = "".join(f"""
ref_{kind}_known as (
    select r.*, k.inst_id is not null as known, k.tier, {_tier_rank('k.tier')} as rank
    from sv_ref_{kind} r left join known_insts k on k.inst_id = r.inst_id
),""" for kind in ("exact", "names"))
    return known + list_ctes


def _ref_aliases(alias: str) -> tuple[str, str]:
    return _q(f"re__{alias}"), _q(f"rn__{alias}")


def _ref_joins(value: str, alias: str) -> str:
    """The lookups of one reference: as written, then (only when that misses) folded."""
    exact, folded = _ref_aliases(alias)
    return (f"left join ref_exact_known {exact} on {exact}.v = {value} "
            f"left join ref_names_known {folded} on {folded}.v = case when {exact}.v is null then sv_name_key({value}) end")


def _ref(field: str, alias: str) -> str:
    """A field of a reference's resolution (``_ref_joins``): from the lookup that matched."""
    exact, folded = _ref_aliases(alias)
    value = f"coalesce({exact}.{field}, {folded}.{field})"
    return f"coalesce({value}, false)" if field in ("ambiguous", "known") else value


MAX_ORG_DEPTH = 64   # a parent chain longer than this is taken to be a cycle's loop


def _org_ctes(dataset: Dataset) -> str:
    """Known party organisations (the store's, and for the organisations file its own rows), and
    the organisations whose parent chain (file rows over stored ones) comes back to them."""
    if not any(r.kind in ("known_org", "no_parent_cycle") for r in dataset.rules):
        return ""
    own = dataset.name == "party_organisations"
    file_rows = " union all select org_id from parsed where org_id is not null" if own else ""
    ctes = f"""
known_orgs as (select distinct org_id from (select org_id from party_organisations{file_rows})),"""
    if own:
        ctes += f"""
org_edges as (
    select org_id, parent_org_id from party_organisations
    where parent_org_id is not null and org_id not in (select org_id from parsed where org_id is not null)
    union all
    select org_id, parent_org_id from parsed where org_id is not null and parent_org_id is not null
),
org_walk as (
    select org_id as start, parent_org_id as reached, 1 as depth from org_edges
    union all
    select w.start, e.parent_org_id, w.depth + 1 from org_walk w join org_edges e on e.org_id = w.reached
    where w.reached <> w.start and w.depth < {MAX_ORG_DEPTH}
),
cyclic_orgs as (select distinct start as org_id from org_walk where reached = start),"""
    return ctes


def validation_sql(dataset: Dataset, present: set[str], derived: frozenset[str] = frozenset(),
                   repeated_keys: bool = True) -> str:
    """The one query that normalises and checks an upload (table ``upload_raw``, its cells
    trimmed in ``trimmed__<column>``) in SQL.

    ``derived``: columns filled from an identity column (hashed whatever their shape).
    ``repeated_keys=False`` leaves out the count of rows per key (which makes DuckDB hold every
    resolved row); ``_stage`` uses it when no key repeats (``_has_repeated_keys``)."""
    columns = dataset.columns
    parsed = [f"c.{_q(ROW_NUMBER)}", f"c.{_q(OVERFLOW)}"]
    for c in columns:
        parsed.append(f"c.{_q(c.name)} as {_q('raw__' + c.name)}")
        parsed.append(f"{_parse_expression(dataset, c, c.name in derived)} as {_q(c.name)}")

    # Known institutions: the store's, and for the institutions file its own rows too.
    known = "select inst_id, tier from institutions"
    if dataset.name == "institutions":
        known = ("select inst_id, max(tier) as tier from (select inst_id, tier from institutions "
                 "union all select inst_id, tier from parsed where inst_id is not null) group by inst_id")
    inst_joins, inst_cols, resolved_refs, ranks = [], [], [], {}
    references = set(_institution_columns(dataset))
    lists = set(_institution_list_columns(dataset))
    for rule in _known_inst_rules(dataset):
        alias = _q("k__" + rule.column)
        target = f"p.{_q(rule.column)}"
        if rule.column in lists:
            resolved = _q("lr__" + rule.column)
            inst_joins.append(f"left join resolved__{rule.column} {resolved} "
                              f"on {resolved}.{_q(ROW_NUMBER)} = p.{_q(ROW_NUMBER)}")
            resolved_refs.append(f"{resolved}.codes as {_q(rule.column)}")
            inst_cols.append(f"array_to_string({resolved}.unknown_items, '、') as {_q('unknown__' + rule.column)}")
            inst_cols.append(f"array_to_string({resolved}.ambiguous_items, '、') as {_q('ambiguous__' + rule.column)}")
            continue
        if rule.column in references:
            inst_joins.append(_ref_joins(target, rule.column))
            resolved_refs.append(f"{_ref('inst_id', rule.column)} as {_q(rule.column)}")
            inst_cols.append(f"{_ref('ambiguous', rule.column)} as {_q('ambiguous__' + rule.column)}")
            inst_cols.append(f"array_to_string({_ref('name_ids', rule.column)}, '、') as {_q('candidates__' + rule.column)}")
            inst_cols.append(f"{_ref('known', rule.column)} as {_q('known__' + rule.column)}")
            inst_cols.append(f"{_ref('tier', rule.column)} as {_q('tier__' + rule.column)}")
            ranks[rule.column] = _ref("rank", rule.column)
            continue
        inst_joins.append(f"left join known_insts {alias} on {alias}.inst_id = {target}")
        inst_cols.append(f"{alias}.inst_id is not null as {_q('known__' + rule.column)}")
        inst_cols.append(f"{alias}.tier as {_q('tier__' + rule.column)}")
        ranks[rule.column] = _tier_rank(f"{alias}.tier")
    for rule in dataset.rules:
        if rule.kind == "known_org":
            alias = _q("o__" + rule.column)
            inst_joins.append(f"left join known_orgs {alias} on {alias}.org_id = p.{_q(rule.column)}")
            inst_cols.append(f"{alias}.org_id is not null as {_q('known__' + rule.column)}")
        elif rule.kind == "no_parent_cycle":
            inst_cols.append(f"p.org_id in (select org_id from cyclic_orgs) as {_q('cyclic__' + rule.column)}")
    star = f"p.* replace ({', '.join(resolved_refs)})" if resolved_refs else "p.*"

    # Derived values that replace parsed ones.
    replace = []
    for c in columns:
        if c.default is not None:
            replace.append(f"coalesce(p.{_q(c.name)}, {_lit(c.default) if isinstance(c.default, str) else str(c.default).lower()}) as {_q(c.name)}")
    for rule in dataset.rules:
        if rule.kind == "default_from":
            replace.append(f"coalesce(p.{_q(rule.column)}, p.{_q(rule.other)}) as {_q(rule.column)}")
        elif rule.kind == "community_for_upper_only":
            replace.append(f"case when {_q('tier__' + rule.other)} = 'upper_hospital' "
                           f"then coalesce(p.{_q(rule.column)}, '') else '' end as {_q(rule.column)}")
        elif rule.kind == "key_hash":
            named = rule.value or tuple(c.name for c in columns if c.name != rule.column)
            others = ", ".join(f"coalesce(p.{_q(name)}::varchar, '')" for name in named)
            replace.append(f"coalesce(p.{_q(rule.column)}, 'h:' || left(md5(concat_ws('|', {others})), 16)) as {_q(rule.column)}")
    if dataset.name == "referrals":
        replace.append(
            "case when rank_to > rank_from then 'up' when rank_to < rank_from then 'down' "
            "when rank_to = rank_from then 'lateral' end as direction")
        inst_cols.append(f"{ranks['from_inst_id']} as rank_from")
        inst_cols.append(f"{ranks['to_inst_id']} as rank_to")
        inst_cols.append("p.direction as given__direction")

    # Checks of a cell's own value look at it before any default or derivation replaced it.
    replaced = [r.split(" as ")[-1].strip('"') for r in replace]
    replace_clause = (f" replace ({', '.join(replace)}), "
                      + ", ".join(f"p.{_q(name)} as {_q('parsed__' + name)}" for name in replaced)
                      if replace else "")
    key_parts = [k if k != "snapshot_date" else "period" for k in dataset.key]
    key = ", ".join(_q(part) for part in key_parts)
    if repeated_keys:
        keyed = f"""repeated_keys as (
    select {key}, count(*) as key_count, min({_q(ROW_NUMBER)}) as key_first_row
    from resolved group by all having count(*) > 1
),
keyed as (
    select r.*, coalesce(k.key_count, 1) as key_count, k.key_first_row
    from resolved r left join repeated_keys k on {' and '.join(f'k.{_q(part)} = r.{_q(part)}' for part in key_parts)}
)"""
    else:
        keyed = "keyed as (select *, 1 as key_count, null::bigint as key_first_row from resolved)"
    checks = _checks(dataset, set(replaced), derived)
    flags = _warning_flags(dataset)
    select_stored = ", ".join(f"{_q(c.name)} as {_q(stored_name(dataset, c.name))}" for c in columns)
    recursive = " recursive" if any(r.kind == "no_parent_cycle" for r in dataset.rules) else ""
    return f"""
with{recursive} cleaned as not materialized (  -- a projection under each reader: cheaper than holding the cells
    select {_q(ROW_NUMBER)}, {_q(OVERFLOW)},
        {', '.join(f"{'sv_text_trimmed' if c.type == 'text' else 'sv_clean_trimmed'}({_q(_trimmed(c.name))}) as {_q(c.name)}"
                   for c in columns)},
        -- a row with a cell: a trimmed cell is cleaned to null only when empty, and this test
        -- spares the filter below from cleaning every cell a second time
        {' or '.join(f"{_q(_trimmed(n))} <> ''" for n in present) or 'true'} as _filled
    from upload_raw
),
parsed as (
    select {', '.join(parsed)}
    from cleaned c
    {_enum_joins(dataset)}
    where c._filled
),
known_insts as ({known}),{_reference_ctes(dataset)}{_org_ctes(dataset)}
joined as (
    select {star}, {', '.join(inst_cols) or 'null as no_reference'}
    from parsed p
    {' '.join(inst_joins)}
),
resolved as (
    select *{replace_clause} from joined p
),
{keyed},
checked as (
    select *, {' or '.join(f'coalesce({condition}, false)' for condition, _ in checks)} as _invalid
    from keyed
)
select {_q(ROW_NUMBER)}, {select_stored},
    case when _invalid then list_filter([{', '.join(problem for _, problem in checks)}], lambda e: e.reason is not null)
         end as _errors,
    not _invalid as _valid,
    case when {' and '.join(f'{_q(part)} is not null' for part in key_parts)} then hash({key}) end as _key_hash{''.join(', ' + f for f in flags)}
from checked
"""


def _problem(column: str, condition: str, reason: str, detail: str = "null", reason_sql: str | None = None) -> tuple[str, str]:
    """A check: its condition (true when the row breaks it) and the problem it reports
    (``reason``, or the SQL expression ``reason_sql`` choosing one). The problems are built only
    for rows that break some check (most rows break none)."""
    value = f"raw__{column}"
    return (f"({condition})", f"{{'column': {_lit(column)}, 'value': {_q(value)}, "
            f"'reason': case when {condition} then {reason_sql or _lit(reason)} end, 'detail': {detail}::varchar}}")


def _checks(dataset: Dataset, replaced: set[str], derived: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    checks = [(_q(OVERFLOW), f"{{'column': '', 'value': null::varchar, 'reason': case when {_q(OVERFLOW)} "
                             f"then 'too_many_cells' end, 'detail': null::varchar}}")]
    for c in dataset.columns:
        raw = _q("raw__" + c.name)
        val = _q(("parsed__" if c.name in replaced else "") + c.name)
        if c.required and c.name in derived:
            checks.append(_problem(c.name, f"{raw} is null", "identity_missing"))
        elif c.required:
            checks.append(_problem(c.name, f"{raw} is null", "required"))
        if c.type == "date":   # written as a date, but not one (30 February, month 13, 25:00)
            checks.append(_problem(c.name, f"{raw} is not null and {val} is null", "bad_date",
                                   reason_sql=f"case when sv_date_shaped({raw}) then 'date_impossible' else 'bad_date' end"))
        elif c.type in _TYPE_ERROR:   # an enumeration's error names its domain: the message lists its values
            checks.append(_problem(c.name, f"{raw} is not null and {val} is null", _TYPE_ERROR[c.type],
                                   _lit(c.domain) if c.type == "enum" else "null"))
        if c.type in _DATE_TYPES:
            checks.append(_problem(c.name, f"{val} < DATE '{EARLIEST_DATE}' or {val} > DATE '{LATEST_DATE}'",
                                   "date_implausible"))
    key = dataset.key[0] if dataset.key[0] != "snapshot_date" else "period"
    for rule in dataset.rules:
        col = rule.column
        if rule.kind == "unique_in_file":
            checks.append(_problem(key, "key_count > 1 and _row > key_first_row", "duplicate_key", "key_first_row"))
        elif rule.kind == "known_inst" and dataset.column(col).type == "institution_list":
            checks.append(_problem(col, f"{_q('unknown__' + col)} <> ''", "unknown_inst_in_list", _q("unknown__" + col)))
            checks.append(_problem(col, f"{_q('ambiguous__' + col)} <> ''", "ambiguous_inst_in_list",
                                   _q("ambiguous__" + col)))
        elif rule.kind == "known_org":
            checks.append(_problem(col, f"{_q(col)} is not null and not {_q('known__' + col)}", "unknown_org"))
        elif rule.kind == "no_parent_cycle":
            checks.append(_problem(col, _q("cyclic__" + col), "parent_cycle"))
        elif rule.kind == "known_inst" and dataset.column(col).type == "institution":
            raw = _q("raw__" + col)
            ambiguous = _q("ambiguous__" + col)
            checks.append(_problem(col, f"{raw} is not null and {_q(col)} is null and not {ambiguous}", "unknown_inst"))
            checks.append(_problem(col, ambiguous, "ambiguous_inst", _q("candidates__" + col)))
            if rule.tier:
                checks.append(_problem(col, f"{_q('known__' + col)} and {_q('tier__' + col)} <> {_lit(rule.tier)}",
                                       "wrong_tier", _lit(rule.tier)))
        elif rule.kind == "known_inst":
            checks.append(_problem(col, f"{_q(col)} is not null and not {_q('known__' + col)}", "unknown_inst"))
            if rule.tier:
                checks.append(_problem(col, f"{_q('known__' + col)} and {_q('tier__' + col)} <> {_lit(rule.tier)}",
                                       "wrong_tier", _lit(rule.tier)))
        elif rule.kind == "not_before":
            checks.append(_problem(col, f"{_q(col)} < {_q(rule.other)}", "before_other", _lit(rule.other)))
        elif rule.kind == "not_more_than":
            checks.append(_problem(col, f"{_q(col)} > {_q(rule.other)}", "more_than_other", _lit(rule.other)))
        elif rule.kind == "range":
            bounds = []
            if rule.low is not None:
                bounds.append(f"{_q(col)} < {rule.low}")
            if rule.high is not None:
                bounds.append(f"{_q(col)} > {rule.high}")
            span = f"{rule.low if rule.low is not None else ''}–{rule.high if rule.high is not None else ''}"
            checks.append(_problem(col, " or ".join(bounds), "out_of_range", _lit(span)))
        elif rule.kind == "required_unless":
            checks.append(_problem(col, f"{_q('raw__' + col)} is null and {_q(rule.other)} is distinct from {_lit(rule.value)}",
                                   "required_unless", _lit(rule.value)))
    return checks


def _warning_flags(dataset: Dataset) -> list[str]:
    flags = []
    for rule in dataset.rules:
        if rule.kind == "warn_not_downward":
            flags.append(f"({_tier_rank(_q('tier__' + rule.column))} >= {_tier_rank(_q('tier__' + rule.other))}) "
                         "as warn_not_downward")
        elif rule.kind == "warn_direction":
            flags.append("(given__direction is not null and given__direction <> direction) as warn_direction")
        elif rule.kind == "warn_icd10_shape":
            flags.append(f"({_q(rule.column)} is not null and not regexp_full_match({_q(rule.column)}, "
                         f"'[A-Z][0-9]{{2}}(\\.[0-9A-Z]{{1,4}})?')) as warn_icd10_shape")
        elif rule.kind == "warn_more_than":
            flags.append(f"({_q(rule.column)} > {_q(rule.other)}) as warn_more_than")
    for name in dataset.pseudonymised:
        flags.append(f"({_q('raw__' + name)} is not null and starts_with({_q(name)}, 'h:') "
                     f"and not starts_with({_q('raw__' + name)}, 'h:')) as warn_pseudonymised")
    return flags


def _has_repeated_keys(cursor, dataset: Dataset, staged: str) -> bool:
    """Whether two staged rows share a key (as ``repeated_keys`` counts them: a key with an
    empty part never matches). Rows are grouped by the key's 64-bit hash first, several times
    cheaper than by its text; only a repeated hash (a repeated key, or rarely two keys with one
    hash) is looked at again by the key itself."""
    parts = [_q(k) for k in dataset.key]   # stored names, as the staged rows have them
    complete = " and ".join(f"{p} is not null" for p in parts)   # _key_hash is null unless complete
    for where, group in (("_key_hash is not null", "_key_hash"), (complete, ", ".join(parts))):
        if not cursor.execute(f"select 1 from {staged} where {where} group by {group} "
                              "having count(*) > 1 limit 1").fetchall():
            return False
    return True


def _prepare(cursor) -> None:
    """Per-connection temporary objects the validation SQL uses: parsers and label lookup."""
    cursor.execute(_MACROS)
    labels = [(domain, code.lower(), code) for domain, codes in DOMAINS.items() for code in codes]
    labels += [(domain, label.lower(), code) for domain, codes in DOMAINS.items()
               for code, names in codes.items() for label in names]
    domains, texts, codes = (list(column) for column in zip(*sorted(set(labels))))
    cursor.execute("""create or replace temp table sv_labels as
        select unnest($domains) as domain, unnest($labels) as label, unnest($codes) as code""",
                   {"domains": domains, "labels": texts, "codes": codes})
    # Every name and alias of the stored institutions, once: as a cleaned cell holds it, and
    # folded as references are compared (sv_name_key of a name and of its cleaned form agree).
    cursor.execute("""create or replace temp table sv_inst_written as
        with named as (
            select inst_id, inst_name as name from institutions
            union all
            select inst_id, unnest(string_split_regex(aliases, $separators)) from institutions
            where aliases is not null
        )
        select inst_id, sv_clean(name) as written, sv_name_key(name) as name_key from named
        where name_key is not null""",
                   {"separators": ALIAS_SEPARATORS})
    cursor.execute("""create or replace temp table sv_inst_names as
        select distinct name_key, inst_id from sv_inst_written""")
    # References are looked up, not gathered from the file first (which would read it twice):
    # a folded name's institution (or its candidates, when several share it), then every code
    # and every name or alias as a cleaned cell holds it, a code winning over a name.
    cursor.execute("""create or replace temp table sv_ref_names as
        select name_key as v, case when count(*) = 1 then min(inst_id) end as inst_id,
            count(*) > 1 as ambiguous, list(inst_id order by inst_id) as name_ids
        from sv_inst_names group by name_key""")
    cursor.execute("""create or replace temp table sv_ref_exact as
        with codes as (select distinct inst_id from institutions where inst_id is not null)
        select inst_id as v, inst_id, false as ambiguous, null::varchar[] as name_ids from codes
        union all
        select w.written, n.inst_id, n.ambiguous, n.name_ids
        from (select distinct written, name_key from sv_inst_written where written is not null) w
        join sv_ref_names n on n.v = w.name_key
        where w.written not in (select inst_id from codes)""")


# --------------------------------------------------------------------------- validate

def validate_upload(cursor, raw: bytes | Path, file_name: str, dataset_name: str | None = None,
                    limit_bytes: int | None = None, mapping: ColumnMapping | None = None,
                    use_saved_mappings: bool = True, progress=None) -> Validation:
    """Everything an import of this file would do, computed without writing anything.

    ``raw`` is the file's bytes or its path; a path over ``limit_bytes`` is refused before it is
    read. ``mapping`` names the file's columns explicitly; otherwise a saved mapping for the
    same header row applies by itself (``use_saved_mappings``). ``progress(stage, rows)`` hears
    how far a large file has got: rows read, then rows validated."""
    workdir = None
    if isinstance(raw, Path):
        size = raw.stat().st_size
        if limit_bytes is not None and size > limit_bytes:
            return Validation(file_name=file_name, content_hash="", file_error=Notice(
                "file_too_large", {"size_mb": round(size / 2**20), "limit_mb": round(limit_bytes / 2**20)}))
        if _is_large(raw):   # read in bounded memory, staged on disk
            workdir = Path(tempfile.mkdtemp(prefix="sinkview-import-"))
        else:
            raw = raw.read_bytes()
    elif limit_bytes is not None and len(raw) > limit_bytes:
        return Validation(file_name=file_name, content_hash="", file_error=Notice(
            "file_too_large", {"size_mb": round(len(raw) / 2**20), "limit_mb": round(limit_bytes / 2**20)}))
    result = Validation(file_name=file_name, content_hash="")
    hashing = _HASHING.submit(_content_hash, raw)   # beside the reading: hashlib lets go of the GIL
    # A large file is read and checked under one memory limit (each change of it costs DuckDB a
    # release of its freed memory); fast_csv keeps the file's order while it reads.
    limits = bounded_memory(cursor) if workdir is not None else nullcontext()
    try:
        with limits:
            _read_and_stage(cursor, raw, result, workdir, dataset_name, mapping, use_saved_mappings, progress)
    finally:
        if workdir is not None:   # DuckDB's table of a large file's cells, when it was read so
            fast_csv.discard(cursor)
        result.content_hash = hashing.result()
    return result


_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sinkview-hash")


def _read_and_stage(cursor, raw: bytes | Path, result: Validation, workdir: Path | None, dataset_name: str | None,
                    mapping: ColumnMapping | None, use_saved_mappings: bool, progress) -> None:
    if workdir is not None:
        weakref.finalize(result, shutil.rmtree, workdir, True)   # the staged rows go with the check
    saved = saved_mappings(cursor) if use_saved_mappings and mapping is None else ()
    try:
        table = (read_upload_file(raw, workdir, dataset_name, mapping, saved, progress, cursor) if workdir is not None
                 else read_upload(raw, dataset_name, mapping, saved))
    except UnreadableFile as problem:
        result.file_error = Notice(problem.code, problem.params)
        if problem.code == "file_no_patient_identity":
            result.dataset = DATASETS[problem.params["dataset"]]
        return
    result.dataset, result.encoding = table.dataset, table.encoding
    result.mapping_name = table.mapping_name
    result.warnings.extend(_file_notices(table))
    if table.missing_columns == ["patient_key"] and table.dataset.patient_key_sources:
        result.file_error = Notice("file_no_patient_identity")
        return
    if table.missing_columns:
        result.file_error = Notice("file_missing_columns", {"columns": table.missing_columns})
        return
    _stage(cursor, table, result, workdir, progress)
    if progress is not None and workdir is not None:
        progress("validated", result.rows_total)
    if result.rows_total == 0:
        result.file_error = Notice("file_no_rows")


def _is_large(raw: bytes | Path) -> bool:
    """Whether a file is read in bounded memory and its checked rows staged on disk."""
    return isinstance(raw, Path) and raw.stat().st_size > STREAM_BYTES


IMPORT_MEMORY_LIMIT = "1.0 GiB"   # as DuckDB prints it; it spills the rest of a large import's work to disk


def bounded_memory(cursor):
    """Hold DuckDB to IMPORT_MEMORY_LIMIT (and let it stream without keeping row order) while a
    large file is checked or written; the store's own settings come back afterwards."""
    return settings_while(cursor, memory_limit=IMPORT_MEMORY_LIMIT, preserve_insertion_order=False)


def _content_hash(raw: bytes | Path) -> str:
    if isinstance(raw, bytes):
        return hashlib.sha256(raw).hexdigest()
    digest = hashlib.sha256()
    with open(raw, "rb") as file:
        while chunk := file.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def _file_notices(table: RawTable) -> list[Notice]:
    notices = []
    if table.title_rows:
        notices.append(Notice("warn_title_rows", {"count": table.title_rows, "header_row": table.header_row}))
    if table.merged_rows_filled:
        rows = table.merged_rows_filled
        notices.append(Notice("warn_merged_filled", {"count": len(rows), "rows": rows[:5]}))
    if table.total_rows_dropped:
        notices.append(Notice("warn_total_rows", {"rows": table.total_rows_dropped}))
    if table.unknown_columns:
        notices.append(Notice("warn_unknown_columns", {"columns": table.unknown_columns}))
    if table.identity_columns:
        notices.append(Notice("warn_identity_columns", {"columns": table.identity_columns}))
    if table.patient_key_source:
        notices.append(Notice("warn_patient_key_derived", {"column": table.patient_key_source}))
    if table.duplicate_columns:
        notices.append(Notice("warn_duplicate_columns", {"columns": table.duplicate_columns}))
    return notices


def _errors_sql(dataset: Dataset, on_disk: bool = False) -> str:
    """Every problem of the staged rows, showing each value exactly as typed in the file (the
    checks saw it cleaned). Pseudonymised columns never show their raw value. ``on_disk``: for
    a file of errors, unsorted (a sort that keeps millions of errors in order is what runs out
    of memory) and with ``pos``, each error's place in its row, so readers sort it."""
    hidden = ", ".join(_q(name) for name in (OVERFLOW, *dataset.pseudonymised, *(_trimmed(c.name) for c in dataset.columns)))
    return f"""
with problems as (
    select {_q(ROW_NUMBER)}, unnest(_errors) as e, generate_subscripts(_errors, 1) as pos
    from staged_upload where not _valid
),
typed_cells as (
    unpivot (
        select * exclude ({hidden}) from upload_raw
        where {_q(ROW_NUMBER)} in (select {_q(ROW_NUMBER)} from problems)
    )
    on columns(* exclude ({_q(ROW_NUMBER)})) into name column_name value typed
)
select $file as file, p.{_q(ROW_NUMBER)} as row, p.e.column,
    case when p.e.column in ({', '.join(_lit(n) for n in dataset.pseudonymised) or "''"}) then null
         else coalesce(nullif(trim(c.typed), ''), p.e.value) end as value,
    p.e.reason, p.e.detail{', p.pos' if on_disk else ''}
from problems p
left join typed_cells c on c.{_q(ROW_NUMBER)} = p.{_q(ROW_NUMBER)} and c.column_name = p.e.column
{'' if on_disk else 'order by row, p.pos'}
"""


SUGGESTIONS = 3
SUGGESTION_CUTOFF = 60   # rapidfuzz WRatio, 0-100: below this a name is not offered (shared
SUGGESTION_MARGIN = 20   # suffixes such as 卫生院 alone score ~55), nor one this far below the best


def institution_suggestions(cursor, dataset: Dataset, unknown: set[tuple[str, str]]) -> dict:
    """What replaces each unknown reference's error, ``(column, value) -> (reason, detail)``:
    up to SUGGESTIONS registered names that it resembles (for the tier the column needs), or
    that there is no institutions list at all. A value with nothing close keeps its error."""
    if not unknown:
        return {}
    # Every name and alias, folded as the SQL folds them (sv_inst_names, made by _prepare).
    known = cursor.execute("""select n.name_key, i.inst_name, i.tier from sv_inst_names n
        join institutions i using (inst_id) order by i.inst_id, n.name_key""").fetchall()
    if not known:
        return {pair: ("unknown_inst_no_list", None) for pair in unknown}
    tiers = {r.column: r.tier for r in dataset.rules if r.kind == "known_inst"}
    by_tier: dict[str | None, dict[str, str]] = {}   # folded name -> display name, per required tier
    for wanted in set(tiers.values()) | {None}:
        by_tier[wanted] = {}
        for key, inst_name, tier in known:
            if wanted in (None, tier):
                by_tier[wanted].setdefault(key, inst_name)
    replacements = {}
    for column, value in unknown:
        names = by_tier[tiers.get(column)]
        found = process.extract(_fold(value), list(names), scorer=fuzz.WRatio, processor=utils.default_process,
                                limit=SUGGESTIONS * 3, score_cutoff=SUGGESTION_CUTOFF)
        best = found[0][1] if found else 0
        offered = list(dict.fromkeys(names[match] for match, score, _ in found
                                     if score >= best - SUGGESTION_MARGIN))[:SUGGESTIONS]
        if offered:
            replacements[(column, value)] = ("unknown_inst_suggest", "、".join(offered))
    return replacements


def present_errors(errors: pd.DataFrame, replacements: dict, headers: dict) -> pd.DataFrame:
    """Errors as the user reads them: suggestions in place of bare unknown references, and
    columns named as the user's file heads them (not by canonical names)."""
    errors = errors.copy()
    unknown = errors["reason"] == "unknown_inst"
    if replacements and unknown.any():
        found = pd.Series([replacements.get(key) for key in zip(errors.loc[unknown, "column"], errors.loc[unknown, "value"])],
                          index=errors.index[unknown], dtype=object).dropna()
        errors.loc[found.index, "reason"] = [reason for reason, _ in found]
        detailed = found[[detail is not None for _, detail in found]]
        errors.loc[detailed.index, "detail"] = [detail for _, detail in detailed]
    errors["column"] = [headers.get(c, c) for c in errors["column"]]
    other = errors["reason"].isin(["before_other", "more_than_other"])
    errors.loc[other, "detail"] = [headers.get(d, d) for d in errors.loc[other, "detail"]]
    return errors


def _fold(name) -> str:
    """A name as references compare it (sv_name_key in SQL): NFKC, no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(name or "")).split()).lower()


def saved_mappings(cursor) -> list[ColumnMapping]:
    """Every saved column mapping (applied by itself to a file with the same header row)."""
    rows = cursor.execute("select name, dataset, header, fields from column_mappings order by name").fetchall()
    return [ColumnMapping(dataset, dict(fields), tuple(header), name) for name, dataset, header, fields in rows]


# How a large file's checked rows are written for the commit. Uncompressed (read once: 0.12 s of
# 0.58 per 1M rows saved), a file per thread (0.08 s), dictionaries given up after 1,000 values
# (ids and keys never repeat: 0.04 s), row groups of 30,720 rows (a quarter of DuckDB's default:
# 0.08 s), Parquet 2's encodings (6 % less CPU for the import: 56 MB written instead of 84, and
# its text read back faster).
STAGE_OPTIONS = ("format parquet, compression uncompressed, per_thread_output true, overwrite true, "
                 "dictionary_size_limit 1000, row_group_size 30720, parquet_version v2")


def _stage(cursor, table: RawTable, result: Validation, workdir: Path | None = None, progress=None) -> None:
    """Normalise and check the rows, then collect the problems and warnings. A large file's
    rows stay out of Python: read from its cells, written to Parquet files in ``workdir/staged``
    (the commit may come in a later run, on another connection); ``progress("checking", rows)``
    hears about how many rows the check has got through while it runs."""
    dataset = table.dataset
    _prepare(cursor)
    inner, outer = hmac_pads(secret("patient_hmac"))
    derived = frozenset({"patient_key"} if table.patient_key_source else ())
    params = {"hmac_inner": inner, "hmac_outer": outer} if dataset.pseudonymised else None
    # Rows sharing a key are errors (unique_in_file). They are rare, and counting rows per key in
    # the one pass makes DuckDB hold every row, so the rows are checked without the count first
    # and checked again with it only when two staged rows share a key.
    unique_keys = any(rule.kind == "unique_in_file" for rule in dataset.rules)
    if table.source is not None:
        present = set(table.source_columns)
        cells = [_q(ROW_NUMBER), _q(OVERFLOW)]
        for c in dataset.columns:
            trimmed = _q(table.source_columns[c.name]) if c.name in present else "null::varchar"
            typed = f"coalesce({_q(raw_cells_column(table.source_columns[c.name]))}, {trimmed})" if c.name in present else trimmed
            cells += [f"{typed} as {_q(c.name)}", f"{trimmed} as {_q(_trimmed(c.name))}"]
        cells = ", ".join(cells)
        cursor.execute(f"create or replace temp view upload_raw as select {cells} "
                       f"from {table.source} where {_q(ROW_NUMBER)} <= {int(table.last_row)}")
        staged_path = workdir / "staged"
        rows = max(int(table.last_row) - table.header_row, 0)   # near enough for a display

        def rows_checked(share: float) -> None:
            progress("checking", int(share * rows))

        for repeated_keys in (False, True) if unique_keys else (False,):
            with live_progress.reported(cursor, rows_checked if progress is not None else None):
                cursor.execute(f"copy ({validation_sql(dataset, present, derived, repeated_keys)}) "
                               f"to {_lit(str(staged_path))} ({STAGE_OPTIONS})", params)
            cursor.execute(f"create or replace temp view staged_upload as select * from {_staged_files(staged_path)}")
            if repeated_keys or not unique_keys or not _has_repeated_keys(cursor, dataset, "staged_upload"):
                break
        staged_columns = [row[0] for row in cursor.execute("describe staged_upload").fetchall()]
    else:
        present = {c.name for c in dataset.columns if c.name in table.table.column_names}
        upload = table.table
        for c in dataset.columns:  # absent optional columns as empty text, so the SQL is uniform
            if c.name not in present:
                upload = upload.append_column(c.name, pa.nulls(upload.num_rows, pa.string()))
            upload = upload.append_column(_trimmed(c.name), trim_cells(upload.column(c.name)))
        cursor.register("upload_raw", upload)
        for repeated_keys in (False, True) if unique_keys else (False,):
            staged = cursor.sql(validation_sql(dataset, present, derived, repeated_keys), params=params).to_arrow_table()
            cursor.register("staged_upload", staged)
            if repeated_keys or not unique_keys or not _has_repeated_keys(cursor, dataset, "staged_upload"):
                break
        staged_columns = staged.column_names
    try:
        flag_names = [n for n in staged_columns if n.startswith("warn_")
                      and not (derived and n == "warn_pseudonymised")]  # said by warn_patient_key_derived
        # One pass over the staged rows: the counts, and each warning's count and first rows.
        per_flag = "".join(f", count(*) filter (where {_q(flag)}), (list({_q(ROW_NUMBER)} order by {_q(ROW_NUMBER)}) "
                           f"filter (where {_q(flag)}))[1:5]" for flag in flag_names)
        total, valid, *flagged = cursor.execute(
            f"select count(*), count(*) filter (where _valid){per_flag} from staged_upload").fetchall()[0]
        for flag, count, rows in zip(flag_names, flagged[0::2], flagged[1::2]):
            if count:
                result.warnings.append(Notice(flag, {"count": count, "rows": rows or []}))
        # Only an invalid row has errors: a file without one skips their query.
        errors, unknown = (_collected_errors(cursor, dataset, result, workdir if table.source is not None else None)
                           if valid < total else (pd.DataFrame(columns=ERROR_COLUMNS), set()))
    finally:
        if table.source is not None:
            cursor.execute("drop view if exists upload_raw")
            cursor.execute("drop view if exists staged_upload")
        else:
            cursor.unregister("upload_raw")
            cursor.unregister("staged_upload")
    result.error_replacements = institution_suggestions(cursor, dataset, unknown)
    result.error_headers = dict(table.headers)
    result.errors = present_errors(errors, result.error_replacements, result.error_headers)
    result.rows_total, result.rows_valid = total, valid
    keep = [ROW_NUMBER, *stored_columns(dataset), "_valid"]
    if table.source is not None:
        result.staged_path = staged_path
    else:
        result.staged_rows = staged.select(keep).sort_by(ROW_NUMBER)   # as the user sees the file


def _collected_errors(cursor, dataset: Dataset, result: Validation, workdir: Path | None) -> tuple[pd.DataFrame, set]:
    """The staged rows' errors (the first ERRORS_KEPT of a large file's, whose every error is
    written to ``workdir``), and the unknown references among them, ``(column, value)``."""
    if workdir is None:
        errors = cursor.execute(_errors_sql(dataset), {"file": result.file_name}).df()
        unknown = errors["reason"] == "unknown_inst"
        return errors, set(zip(errors.loc[unknown, "column"], errors.loc[unknown, "value"]))
    result.errors_file = workdir / "errors.parquet"
    on_disk = f"read_parquet({_lit(str(result.errors_file))})"
    cursor.execute(f"copy ({_errors_sql(dataset, on_disk=True)}) to {_lit(str(result.errors_file))} (format parquet)",
                   {"file": result.file_name})
    result.errors_total = pq.ParquetFile(result.errors_file).metadata.num_rows
    errors = cursor.execute(f"select * exclude (pos) from {on_disk} order by row, pos limit {int(ERRORS_KEPT)}").df()
    unknown = cursor.execute(f"""select distinct "column", value from {on_disk} where reason = 'unknown_inst'""")
    return errors, set(unknown.fetchall())


# --------------------------------------------------------------------------- commit and undo

def commit_validation(cursor, validation: Validation, valid_rows_only: bool = False,
                      who: str | None = None) -> ImportResult:
    """Write the validated rows in one transaction; refuse a file with errors unless asked."""
    if validation.file_error is not None:
        raise ImportRefused(validation.file_error.code, **validation.file_error.params)
    if validation.error_count and not valid_rows_only:
        raise ImportRefused("refused_has_errors", count=validation.error_count)
    if validation.rows_valid == 0:
        raise ImportRefused("refused_no_valid_rows")
    dataset = validation.dataset
    table = _q(dataset.name)
    columns = stored_columns(dataset)
    cols = ", ".join(_q(c) for c in columns)
    on_key = " and ".join(f"t.{_q(k)} = i.{_q(k)}" for k in dataset.key)
    differs = "not (" + " and ".join(f"t.{_q(c)} is not distinct from i.{_q(c)}" for c in columns) + ")"
    large = validation.staged_path is not None
    if large:   # a large file: its rows stay on disk
        cursor.execute(f"create or replace temp view incoming_rows as select {cols} "
                       f"from {_staged_files(validation.staged_path)} where _valid")
    else:
        staged = validation.staged_rows
        cursor.register("incoming_rows", staged.filter(staged.column("_valid")).select(columns))
    limits = bounded_memory(cursor) if large else nullcontext()
    try:
        limits.__enter__()
        cursor.execute("begin transaction")
        import_id = cursor.execute("select nextval('import_id_seq')").fetchall()[0][0]
        params = {"id": import_id}
        replaced = cursor.execute(f"""insert into {_q(dataset.name + '_replaced')} by name
            select t.*, $id as replaced_by from {table} t join incoming_rows i on {on_key}
            where {differs}""", params).fetchall()[0][0]
        cursor.execute(f"""delete from {table} t using incoming_rows i
            where {on_key} and {differs}""")
        changed = cursor.execute(f"""insert into {table} ({cols}, import_id)
            select {cols}, $id from incoming_rows i
            where not exists (select 1 from {table} t where {on_key})""",
            params).fetchall()[0][0]
        cursor.execute("""insert into imports (import_id, dataset, file_name, content_hash, rows_imported,
                rows_changed, rows_rejected, warnings, imported_by, imported_at, undone_at, rows_new,
                rows_replaced, rows_unchanged, mapping_name)
            values ($id, $dataset, $file, $hash, $rows, $changed, $rejected, $warnings, $who,
                current_timestamp::timestamp, null, $new, $replaced, $unchanged, $mapping)""", {
            **params, "dataset": dataset.name, "file": validation.file_name,
            "hash": validation.content_hash, "rows": validation.rows_valid, "changed": changed,
            "rejected": validation.rows_rejected, "warnings": len(validation.warnings),
            "who": who or _current_user(), "new": changed - replaced, "replaced": replaced,
            "unchanged": validation.rows_valid - changed, "mapping": validation.mapping_name})
        cursor.execute("commit")
    except Exception:
        cursor.execute("rollback")
        raise
    finally:
        limits.__exit__(None, None, None)
        if large:
            cursor.execute("drop view if exists incoming_rows")
        else:
            cursor.unregister("incoming_rows")
    return ImportResult(import_id, dataset.name, validation.rows_valid, changed, validation.rows_rejected,
                        rows_new=changed - replaced, rows_replaced=replaced,
                        rows_unchanged=validation.rows_valid - changed)


def _staged_files(folder: Path) -> str:
    """The staged rows of a large file: the Parquet files its check wrote in ``folder``."""
    return f"read_parquet({_lit(str(folder / '*.parquet'))})"


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def latest_import(cursor, dataset_name: str) -> int | None:
    row = cursor.execute("""select max(import_id) from imports
        where dataset = $dataset and undone_at is null""", {"dataset": dataset_name}).fetchall()[0]
    return row[0]


def undo_import(cursor, import_id: int) -> str:
    """Restore the dataset exactly as it was before ``import_id`` (its latest import only)."""
    rows = cursor.execute("select dataset, undone_at from imports where import_id = $id",
                          {"id": import_id}).fetchall()
    row = rows[0] if rows else None
    if row is None or row[1] is not None:
        raise ImportRefused("undo_unknown", import_id=import_id)
    dataset_name = row[0]
    if latest_import(cursor, dataset_name) != import_id:
        raise ImportRefused("undo_not_latest", import_id=import_id)
    table = _q(dataset_name)
    params = {"id": import_id}
    cursor.execute("begin transaction")
    try:
        cursor.execute(f"delete from {table} where import_id = $id", params)
        cursor.execute(f"insert into {table} by name select * exclude (replaced_by) "
                       f"from {_q(dataset_name + '_replaced')} where replaced_by = $id", params)
        cursor.execute(f"delete from {_q(dataset_name + '_replaced')} where replaced_by = $id", params)
        cursor.execute("update imports set undone_at = current_timestamp::timestamp where import_id = $id", params)
        cursor.execute("commit")
    except Exception:
        cursor.execute("rollback")
        raise
    return dataset_name


def import_file(cursor, raw: bytes | Path, file_name: str, dataset_name: str | None = None,
                valid_rows_only: bool = False, who: str | None = None,
                mapping: ColumnMapping | None = None) -> tuple[Validation, ImportResult | None]:
    """Validate, then commit when allowed: the path of the command line and of batch loads."""
    with bounded_memory(cursor) if _is_large(raw) else nullcontext():   # one limit for both steps
        validation = validate_upload(cursor, raw, file_name, dataset_name, mapping=mapping)
        if validation.file_error or (not validation.ok and not valid_rows_only) or validation.rows_valid == 0:
            return validation, None
        return validation, commit_validation(cursor, validation, valid_rows_only, who)

