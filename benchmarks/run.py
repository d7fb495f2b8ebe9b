"""The benchmark of issue 8: import, pages, cache, memory and the deck, beside the bare engine.

``python benchmarks/run.py --scale county|province|tiny [--json] [--repeats N] [--work DIR]``
measures, in one run, the median of several repeats of:

- ``import_s``: a referrals CSV (1M rows) through the real import path, ``import_file``, into a
  store holding the scale's institutions; ``import_vs_read_csv`` divides it by a bare DuckDB
  ``read_csv`` of the same file into a table, ``import_vs_pandas`` by a pandas read plus the
  row-wise Python validation below (same checks; neither baseline writes to a store);
- ``page_<name>_s``: every query and indicator evaluation a page declares
  (``sinkview.metrics.needs``) for the default filters, through the app's layer (the
  ``st.cache_data`` functions of ``sinkview.app.context``, cache cleared), plus the frame's queries;
  ``page_<name>_vs_bare`` divides it by the same SQL with the same parameters executed on a
  cursor and fetched as Arrow;
- ``cached_rerender_s``: the slowest page rendered again with the cache warm;
- ``peak_rss_mb``: the peak RSS of a child process importing a 1 GiB CSV;
- ``deck_s``: building the PowerPoint of the sample county (``sinkview.briefing.deck``), if it exists.

Stores are kept in the work folder between runs (the province takes minutes to generate).
With ``--json`` stdout is one JSON object with exactly ``KEYS``; progress and notes go to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import streamlit.logger  # noqa: E402

streamlit.logger.set_log_level("error")  # st.cache_data outside a server warns on every cache
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")  # the copy is cheap here

from sinkview.metrics import periods  # noqa: E402
from sinkview.app import context as app_context
from sinkview.app import frame as app_frame
from sinkview.ingest.contract import DOMAINS, TIER_RANKS  # noqa: E402
from sinkview.metrics.declarations import TOPICS  # noqa: E402
from sinkview.ingest.importer import EARLIEST_DATE, LATEST_DATE, import_file  # noqa: E402
from sinkview.tools.province import PROVINCE, TINY, generate_province  # noqa: E402
from sinkview.store.named_queries import bind, query_sql  # noqa: E402
from sinkview.tools.sample_loader import load_sample  # noqa: E402
from sinkview.metrics.series import SERIES, series_statements  # noqa: E402
from sinkview.metrics import cells as stored_cells  # noqa: E402
from sinkview.metrics.evaluator import statements as evaluator_statements  # noqa: E402
from sinkview.metrics.needs import compared_periods, page_needs  # noqa: E402
from sinkview.metrics.scorecard import indicators_compared  # noqa: E402
from sinkview.store.database import CONNECTION_CONFIG, Store  # noqa: E402

PAGES = ("overview", "rotation", "referral", "village", "talent")
KEYS = ("import_s", "import_vs_read_csv", "import_vs_pandas",
        *(f"page_{page}_{suffix}" for page in PAGES for suffix in ("s", "vs_bare")),
        "cached_rerender_s", "peak_rss_mb", "deck_s")
# import_vs_read_csv: issue 16 (issue 8 first asked 1.5)
TARGETS = {"import_vs_read_csv": 2.0, "import_vs_pandas": 0.2, "cached_rerender_s": 0.05,
           "peak_rss_mb": 2048, "deck_s": 20,
           **{f"page_{page}_s": 1.0 for page in PAGES}, **{f"page_{page}_vs_bare": 1.3 for page in PAGES}}
# The frame (sidebar filters and data status) runs these on every page.
FRAME_QUERIES = ("frame/data_range", "frame/communities", "frame/townships", "frame/dataset_status")
GIB = 1 << 30


@dataclass(frozen=True)
class Settings:
    import_rows: int
    repeats: int
    rss_csv_bytes: int
    with_deck: bool


SETTINGS = {
    "county": Settings(import_rows=1_000_000, repeats=5, rss_csv_bytes=GIB, with_deck=True),
    "province": Settings(import_rows=1_000_000, repeats=5, rss_csv_bytes=GIB, with_deck=True),
    "tiny": Settings(import_rows=5_000, repeats=1, rss_csv_bytes=1 << 20, with_deck=False),
}


def note(message: str) -> None:
    print(f"[benchmark] {message}", file=sys.stderr, flush=True)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- stores

def remove_database(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def benchmark_store(scale: str, work: Path) -> Path:
    """The scale's store in ``work``, built once: the sample county imported, or generated."""
    path = work / scale / "sinkview.duckdb"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    remove_database(building)
    note(f"building the {scale} store in {path.parent} (once)")
    if scale == "county":
        store = Store(building)
        problems = [v.file_name for v in load_sample(store) if not v.ok]
        store.close()
        if problems:
            raise RuntimeError(f"sample ledgers did not import cleanly: {problems}")
    else:
        generate_province(building, PROVINCE if scale == "province" else TINY)
    building.rename(path)
    return path


def write_referrals_csv(cursor, path: Path, rows: int) -> Path:
    """``rows`` referrals of the store as a UTF-8 CSV under the contract's English headers; the
    store's referrals are repeated (with new ids) when it holds fewer."""
    if path.exists():
        return path
    stored = cursor.execute("select count(*) from referrals").fetchall()[0][0]
    copies = max(1, math.ceil(rows / stored))
    partial = path.with_suffix(".partial")
    cursor.execute(f"""
        copy (
            select referral_id || case when copy_no > 0 then '-' || copy_no else '' end as referral_id,
                patient_key, referral_date, from_inst_id, to_inst_id,
                nullif(direction, 'lateral') as direction,  -- the contract's values are up and down
                icd10, diagnosis, status, reason, accepted_date
            from referrals, range({copies}) copies(copy_no)
            order by copy_no, referral_id
            limit {rows}
        ) to '{partial}' (header, delimiter ',')""")
    partial.rename(path)
    return path


def fresh_import_store(path: Path, institutions: Path) -> Store:
    """An empty store at ``path`` holding only the benchmark's institutions (a Parquet file)."""
    remove_database(path)
    store = Store(path)
    store.cursor().execute(f"insert into institutions select * from read_parquet('{institutions}')")
    return store


# --------------------------------------------------------------------------- import

def import_into(store: Store, csv_path: Path) -> int:
    """The real import path, as the command line takes it; the rows imported (all, or it raises)."""
    validation, result = import_file(store.cursor(), csv_path, csv_path.name)   # a path: bounded memory when large
    if result is None:
        raise RuntimeError(f"import refused: {validation.file_error or validation.errors.head()}")
    return result.rows_imported


def fresh_bare_database(path: Path) -> duckdb.DuckDBPyConnection:
    remove_database(path)
    return duckdb.connect(str(path), config=CONNECTION_CONFIG)


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^\d{8}$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
_IDENTITY = re.compile(r"^\d{17}[\dXx]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if _COMPACT_DATE.match(text):
        parts = (text[:4], text[4:6], text[6:])
    else:
        match = _DATE.match(text)
        if not match:
            return None
        parts = match.groups()
    try:
        return dt.date(*(int(p) for p in parts))
    except ValueError:
        return None


def _labels(domain: str) -> dict[str, str]:
    return {label.lower(): code for code, names in DOMAINS[domain].items() for label in (code, *names)}


def pandas_validate(csv_path: Path, tiers: dict[str, str]) -> tuple[int, int]:
    """The baseline: pandas reads the file, Python checks row by row what the SQL checks —
    required cells, dates (the contract's forms and bounds, acceptance not before referral),
    known institutions, enumerations (code or Chinese label), duplicate ids, the derived
    direction, ICD-10 shape and identity-number / mobile patient keys. (valid rows, problems)."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    statuses, directions = _labels("status"), _labels("direction")
    seen: set[str] = set()
    valid = problems = 0
    for row in frame.itertuples(index=False):
        errors = []
        for column in ("referral_id", "patient_key", "referral_date", "from_inst_id", "to_inst_id"):
            if not getattr(row, column).strip():
                errors.append((column, "required"))
        referral_date = _parse_date(row.referral_date)
        accepted = _parse_date(row.accepted_date) if row.accepted_date.strip() else None
        for column, value in (("referral_date", referral_date), ("accepted_date", accepted)):
            raw = getattr(row, column).strip()
            if raw and value is None:
                errors.append((column, "bad_date"))
            elif value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
                errors.append((column, "date_implausible"))
        if referral_date and accepted and accepted < referral_date:
            errors.append(("accepted_date", "before_other"))
        ranks = []
        for column in ("from_inst_id", "to_inst_id"):
            tier = tiers.get(getattr(row, column).strip())
            if tier is None:
                errors.append((column, "unknown_inst"))
            ranks.append(TIER_RANKS.get(tier))
        status = row.status.strip().lower()
        if status and status not in statuses:
            errors.append(("status", "bad_enum"))
        given = row.direction.strip().lower()
        if given and given not in directions:
            errors.append(("direction", "bad_enum"))
        if None not in ranks:
            derived = "up" if ranks[1] > ranks[0] else "down" if ranks[1] < ranks[0] else "lateral"
            problems += bool(given) and directions.get(given) != derived
        problems += bool(row.icd10.strip()) and not _ICD10.match(row.icd10.strip().upper())
        problems += bool(_IDENTITY.match(row.patient_key) or _MOBILE.match(row.patient_key))
        if row.referral_id in seen:
            errors.append(("referral_id", "duplicate_key"))
        seen.add(row.referral_id)
        problems += len(errors)
        valid += not errors
    return valid, problems


def measure_import(cursor, settings: Settings, work: Path, institutions: Path) -> dict:
    csv_path = write_referrals_csv(cursor, work / f"referrals_{settings.import_rows}.csv", settings.import_rows)
    tiers = dict(cursor.execute("select inst_id, tier from institutions").fetchall())
    through_app, bare, baseline = [], [], []
    for repeat in range(settings.repeats):
        note(f"import repeat {repeat + 1}/{settings.repeats} ({settings.import_rows:,} rows)")
        store = fresh_import_store(work / "import_target.duckdb", institutions)
        imported = 0

        def run_import():
            nonlocal imported
            imported = import_into(store, csv_path)

        through_app.append(timed(run_import))
        store.close()
        if imported != settings.import_rows:
            raise RuntimeError(f"imported {imported} of {settings.import_rows} rows")
        con = fresh_bare_database(work / "read_csv_target.duckdb")
        bare.append(timed(lambda: con.execute(f"create table referrals as select * from read_csv('{csv_path}')")))
        con.close()
        valid = 0

        def run_baseline():
            nonlocal valid
            valid, _ = pandas_validate(csv_path, tiers)

        baseline.append(timed(run_baseline))
        if valid != settings.import_rows:
            raise RuntimeError(f"the pandas baseline found {valid} valid rows of {settings.import_rows}")
    median = statistics.median
    note(f"import medians: app {median(through_app):.2f} s, read_csv {median(bare):.2f} s, "
         f"pandas {median(baseline):.2f} s")
    return {"import_s": median(through_app),
            "import_vs_read_csv": median(through_app) / median(bare),
            "import_vs_pandas": median(through_app) / median(baseline)}


# --------------------------------------------------------------------------- pages

@dataclass(frozen=True)
class Evaluation:
    """One call of the metric layer: periods × groups, one pass per topic."""
    spans: tuple[tuple[dt.date, dt.date], ...]
    by: str
    community: str | None
    topics: tuple[str, ...]


@dataclass(frozen=True)
class PagePlan:
    """What one page reads for the default filters, from its declared needs
    (``sinkview.metrics.needs``): named queries with the parameters the page adds to the
    filters, and its evaluations of the indicators."""
    queries: tuple[tuple[str, tuple], ...]
    evaluations: tuple[Evaluation, ...]


def page_plan(page: str, filters: app_context.Filters, communities: list[str], first_data_day: dt.date | None) -> PagePlan:
    """The page's queries and evaluations as it asks for them (the same periods, groups and
    topics, so the app's cache keys are the page's own)."""
    needs = page_needs(page)
    start, end, community = filters.start, filters.end, filters.community
    evaluations = []
    compared = compared_periods(needs, start, end)
    if needs.comparisons:  # as the overview: now and every compared period the data reach, at once
        spans: list = []
        indicators_compared(compared, first_data_day, lambda found: spans.extend(found) or [{}] * len(found))
        evaluations.append(Evaluation(tuple(spans), "none", community, needs.topics))
    elif needs.kpis:  # as sinkview.app.widgets.kpi_cards: now and the previous period
        topics = tuple(dict.fromkeys(i.split(".", 1)[0] for i in needs.kpis))
        evaluations.append(Evaluation((*compared["now"], *compared["previous"]), "none", community, topics))
    if needs.league and community is None and len(communities) > 1:
        evaluations.append(Evaluation(((start, end),), "community", None, TOPICS))
    queries = [(need.name, need.defaults) for need in needs.queries]
    return PagePlan(tuple(dict.fromkeys(queries)), tuple(evaluations))


def default_filters(db: str, version: int) -> tuple[app_context.Filters, dt.date | None]:
    """The sidebar's defaults (the last full quarter of the data, every community and township)
    and the data's first day."""
    bounds = app_context._cached_query(db, version, "frame/data_range", ())
    first, last = app_frame._date_bounds(bounds)
    period = periods.default_period(first, last)
    start, end = periods.period_range(period)
    return app_context.Filters(start, end, None, None, period), first


def render_through_app(context: app_context.PageContext, plan: PagePlan) -> None:
    """What a render of the page asks of the data layer: the frame, its queries, its indicators."""
    store, db, filters = context.store, context.db, context.filters
    with store.batch():  # as app.py runs a page: its reads share one connection (shared store)
        _render_reads(context, plan, store, db, filters)


def _render_reads(context: app_context.PageContext, plan: PagePlan, store, db: str, filters: app_context.Filters) -> None:
    version = app_context.data_version(store)
    app_context._holds_data(db, version)
    app_context._cached_query(db, version, "frame/data_range", ())
    app_context._cached_query(db, version, "frame/communities", ())
    app_context._cached_query(db, version, "frame/townships", (("community", filters.community),))
    context.query("frame/dataset_status")
    for name, extra in plan.queries:
        context.query(name, **dict(extra))
    for evaluation in plan.evaluations:
        app_context._cached_evaluation(db, version, evaluation.spans, evaluation.by, evaluation.community, evaluation.topics)


def bare_statements(cursor, plan: PagePlan, filters: app_context.Filters, communities: list[str]) -> list[tuple[str, dict | None]]:
    """The same SQL with the same parameters, prepared before the clock starts (an indicator
    series: its keys query and its compiled statements)."""
    calls = [(name, filters.params()) for name in FRAME_QUERIES]
    calls += [(name, {**filters.params(), **dict(extra)}) for name, extra in plan.queries]
    statements = []
    for name, params in calls:
        if name in SERIES:
            statements += series_statements(cursor, name, bind(name, params))
        else:
            statements.append((query_sql(name), bind(name, params) or None))
    for evaluation in plan.evaluations:
        groups = communities if evaluation.by == "community" else ()
        if stored_statements(cursor, evaluation, groups):  # read from the stored cells, as the page does
            statements += stored_statements(cursor, evaluation, groups)
            continue
        statements += evaluator_statements(evaluation.spans, evaluation.by, evaluation.community, groups=groups,
                                           topics=evaluation.topics)
    return statements


def stored_statements(cursor, evaluation, groups) -> list[tuple[str, dict | None]]:
    """What the metric layer runs when the evaluation's cells are stored and fresh (its check,
    then one read), else nothing."""
    spans = list(dict.fromkeys(evaluation.spans))
    community, groups = evaluation.community, list(groups)
    if evaluation.by == "community" and community is not None:
        groups, community = [community], None
    wanted = stored_cells.indicator_ids(evaluation.topics)
    if stored_cells.lookup(cursor, spans, evaluation.by, community, None, groups, wanted) is None:
        return []
    return [*stored_cells.freshness_statements(),
            stored_cells.lookup_statement(spans, evaluation.by, community, groups, wanted)]


def run_bare(cursor, statements) -> None:
    # execute() plans once; cursor.sql() would bind a relation first and plan again on fetch
    for sql, params in statements:
        cursor.execute(sql, params).to_arrow_table()


def clear_caches() -> None:
    app_context._cached_query.clear()
    app_context._cached_indicators.clear()
    app_context._cached_evaluation.clear()


def measure_pages(db: Path, repeats: int) -> dict:
    store = app_context.get_store(str(db))
    version = app_context.data_version(store)
    filters, first_data_day = default_filters(str(db), version)
    with store.read() as con:
        communities = con.execute(query_sql("frame/communities")).df()["community"].tolist()
    context = app_context.PageContext(store, str(db), "zh", filters, has_data=True, version=version)
    note(f"pages for {filters.period} ({filters.start} to {filters.end}), {len(communities)} communities")
    results, warm = {}, {}
    for page in PAGES:
        plan = page_plan(page, filters, communities, first_data_day)
        with store.read() as con:
            statements = bare_statements(con, plan, filters, communities)
        cold, bare, rerender = [], [], []
        for _ in range(repeats):
            clear_caches()
            cold.append(timed(lambda: render_through_app(context, plan)))
            rerender.append(timed(lambda: render_through_app(context, plan)))
            with store.read() as con:  # opened outside the clock: the bare engine's figure
                bare.append(timed(lambda: run_bare(con, statements)))
        median = statistics.median
        results[f"page_{page}_s"] = median(cold)
        results[f"page_{page}_vs_bare"] = median(cold) / median(bare)
        warm[page] = median(rerender)
        cells = sum(len(e.spans) * (len(communities) if e.by == "community" else 1) for e in plan.evaluations)
        note(f"page {page}: {len(plan.queries)} queries + {len(plan.evaluations)} evaluations ({cells} cells, "
             f"{len(statements) - len(FRAME_QUERIES) - len(plan.queries)} statements), {median(cold):.3f} s, "
             f"bare {median(bare):.3f} s, warm {warm[page]:.4f} s")
    slowest = max(warm, key=warm.get)
    note(f"cached_rerender_s is the {slowest} page's")
    results["cached_rerender_s"] = warm[slowest]
    return results


# --------------------------------------------------------------------------- memory

def measure_peak_rss(cursor, settings: Settings, work: Path, institutions: Path) -> float:
    """Peak RSS (MB) of a child process importing a CSV of ``rss_csv_bytes`` through the app.

    The child reports its own high-water mark (``VmHWM``). The parent's ``RUSAGE_CHILDREN``
    would not do: Linux counts into a child's ``ru_maxrss`` the memory it shared with the parent
    before ``exec``, so a parent that had just written the 1 GiB CSV made a 1.3 GB import read
    2.8 GB."""
    sample = write_referrals_csv(cursor, work / f"referrals_{settings.import_rows}.csv", settings.import_rows)
    rows = math.ceil(settings.rss_csv_bytes / (sample.stat().st_size / settings.import_rows))
    big = write_referrals_csv(cursor, work / f"referrals_{rows}.csv", rows)
    note(f"peak RSS: importing {big.stat().st_size / 2**20:,.0f} MB ({rows:,} rows) in a child process")
    child = subprocess.run([sys.executable, __file__, "--import-child", str(big),
                            str(work / "rss_target.duckdb"), str(institutions)],
                           capture_output=True, text=True)
    if child.returncode != 0:
        raise RuntimeError(f"the 1 GiB import failed (exit {child.returncode}): {child.stderr.strip()[-400:]}")
    note(f"the child imported: {child.stdout.strip()}")
    return json.loads(child.stdout)["peak_rss_kb"] / 1024


def own_peak_rss_kb() -> int:
    """This process's peak RSS since it started (``VmHWM``; ``ru_maxrss`` where /proc is absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def import_child(csv_path: str, target: str, institutions: str) -> int:
    """Child process of ``measure_peak_rss``: one import; its rows, seconds and peak RSS on stdout."""
    store = fresh_import_store(Path(target), Path(institutions))
    started = time.perf_counter()
    rows = import_into(store, Path(csv_path))
    store.close()
    print(json.dumps({"rows": rows, "seconds": round(time.perf_counter() - started, 2),
                      "peak_rss_kb": own_peak_rss_kb()}))
    return 0


# --------------------------------------------------------------------------- deck

def measure_deck(work: Path, repeats: int) -> float | None:
    """Seconds to build the sample county's briefing deck (``sinkview.briefing.slides`` slides written
    by ``sinkview.briefing.deck``) for the default period; None when those modules are missing."""
    if importlib.util.find_spec("sinkview.briefing.deck") is None or importlib.util.find_spec("sinkview.briefing.slides") is None:
        note("deck_s is null: sinkview/briefing/deck.py or sinkview/briefing/slides.py does not exist")
        return None
    from sinkview.briefing.slides import build_slides
    from sinkview.briefing.deck import build_deck

    db = benchmark_store("county", work)
    store = app_context.get_store(str(db))
    filters, _ = default_filters(str(db), app_context.data_version(store))

    def build() -> None:
        with store.read() as con:
            slides = build_slides(con, filters.start, filters.end, None, "zh")
        build_deck(slides, "zh", io.BytesIO())

    times = []
    for repeat in range(repeats):
        times.append(timed(build))
        note(f"deck {repeat + 1}/{repeats}: {times[-1]:.2f} s")
    return statistics.median(times)


# --------------------------------------------------------------------------- report

def rounded(results: dict) -> dict:
    out = {}
    for key in KEYS:
        value = results.get(key)
        out[key] = None if value is None else round(float(value), 1 if key == "peak_rss_mb" else 4)
    return out


def print_table(results: dict, scale: str) -> None:
    print(f"sinkview benchmark, {scale} scale (medians)")
    for key in KEYS:
        value, target = results[key], TARGETS.get(key)
        shown = "null" if value is None else f"{value:,.4f}"
        verdict = "" if value is None or target is None else ("met" if value <= target else "MISSED")
        print(f"  {key:24} {shown:>14}  {'≤ ' + format(target, ',') if target else '':>8}  {verdict}")


def run(scale: str, work: Path, repeats: int | None, as_json: bool) -> dict:
    settings = SETTINGS[scale]
    repeats = repeats or settings.repeats
    settings = Settings(settings.import_rows, repeats, settings.rss_csv_bytes, settings.with_deck)
    work.mkdir(parents=True, exist_ok=True)
    note(f"{scale} scale, {repeats} repeats, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    db = benchmark_store(scale, work)
    scratch = db.parent  # the scale's CSVs and throw-away stores live beside its store
    held = Store(db)  # held while importing; closed while the pages read it as the app does (shared)
    cursor = held.cursor()
    institutions = scratch / "institutions.parquet"
    pq.write_table(cursor.sql("select * from institutions").to_arrow_table(), institutions)
    results = {}
    results.update(measure_import(cursor, settings, scratch, institutions))
    held.close()
    results.update(measure_pages(db, repeats))
    held = Store(db)
    results["peak_rss_mb"] = measure_peak_rss(held.cursor(), settings, scratch, institutions)  # before any other child
    held.close()
    results["deck_s"] = measure_deck(work, repeats) if settings.with_deck else None
    if not settings.with_deck:
        note("deck_s is null: the tiny scale skips the deck")
    note(f"done; load average {os.getloadavg()[0]:.1f}")
    results = rounded(results)
    if as_json:
        print(json.dumps(results))
    else:
        print_table(results, scale)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=tuple(SETTINGS), default="county")
    parser.add_argument("--tiny", action="store_true", help="same as --scale tiny (the test suite's)")
    parser.add_argument("--json", action="store_true", help="one JSON object with exactly the keys")
    parser.add_argument("--repeats", type=int, help="repeats per measurement (default by scale)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sinkview-benchmark",
                        help="folder for stores and CSVs, kept between runs")
    parser.add_argument("--import-child", nargs=3, metavar=("CSV", "TARGET", "INSTITUTIONS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.import_child:
        return import_child(*args.import_child)
    run("tiny" if args.tiny else args.scale, args.work, args.repeats, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
