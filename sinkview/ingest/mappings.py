"""Column mappings: the user's answer to "which column of my file is which field", saved under
a name, applied by itself to the next file with the same header row, and managed by editors.

Owns the stored mappings (table ``column_mappings``) and the first guesses offered when a file
is not recognised (aliases first, then rapidfuzz similarity between field names and headers).
Reading a file with a mapping is ``sinkview.ingest.reader``'s.
"""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz, process, utils

from sinkview.ingest.contract import DATASETS, Dataset, column_lookup, header_forms
from sinkview.ingest.reader import ColumnMapping, header_signature

GUESS_CUTOFF = 75   # rapidfuzz WRatio, 0-100: a weaker resemblance is not pre-filled


class MappingRefused(Exception):
    """A mapping change that cannot be made; ``code`` is an i18n key."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def fields_in_order(dataset: Dataset) -> list[str]:
    """The dataset's fields as the mapping form lists them: required ones first."""
    return [c.name for c in dataset.columns if c.required] + [c.name for c in dataset.columns if not c.required]


def guess_fields(dataset: Dataset, header: list[str]) -> dict[str, str | None]:
    """A first guess of the header that holds each field: a known alias, else the most similar
    header (field name or any alias against the header), each header used at most once."""
    lookup = column_lookup(dataset)
    cells = [cell.strip() for cell in header if str(cell).strip()]
    guesses: dict[str, str | None] = {}
    used: set[str] = set()
    for cell in cells:
        name = next((lookup[form] for form in header_forms(cell) if form in lookup), None)
        if name is not None and name not in guesses:
            guesses[name] = cell
            used.add(cell)
    for name in fields_in_order(dataset):
        if name in guesses:
            continue
        column = dataset.column(name)
        free = [cell for cell in cells if cell not in used]
        best = None
        for label in (column.name, *column.aliases):
            found = process.extractOne(label, free, scorer=fuzz.WRatio, processor=utils.default_process,
                                       score_cutoff=GUESS_CUTOFF) if free else None
            if found and (best is None or found[1] > best[1]):
                best = found
        guesses[name] = best[0] if best else None
        if best:
            used.add(best[0])
    return {name: guesses.get(name) for name in fields_in_order(dataset)}


def find(cursor, name: str) -> ColumnMapping | None:
    rows = cursor.execute("select name, dataset, header, fields from column_mappings where name = $name",
                          {"name": name}).fetchall()
    if not rows:
        return None
    name, dataset, header, fields = rows[0]
    return ColumnMapping(dataset, dict(fields), tuple(header), name)


def listing(cursor) -> pd.DataFrame:
    """Every saved mapping: name, dataset, the fields it maps, who saved it and when."""
    return cursor.execute("""select name, dataset, cardinality(fields) as fields, created_by, updated_at
        from column_mappings order by name""").df()


def save(cursor, name: str, mapping: ColumnMapping, who: str | None) -> ColumnMapping:
    """Save (or overwrite) a mapping under ``name``; another mapping of the same header row is
    replaced, since only one can apply by itself."""
    name = (name or "").strip()
    if not name:
        raise MappingRefused("mapping.refused.no_name")
    if mapping.dataset not in DATASETS:
        raise MappingRefused("mapping.refused.no_dataset")
    fields = {field: header for field, header in mapping.fields.items() if header}
    saved = ColumnMapping(mapping.dataset, fields, tuple(mapping.header), name)
    cursor.execute("begin transaction")
    try:
        cursor.execute("delete from column_mappings where name = $name or header_signature = $signature",
                       {"name": name, "signature": saved.signature})
        cursor.execute("""insert into column_mappings values ($name, $dataset, $signature, $header,
                map($keys, $values), $who, current_timestamp::timestamp, current_timestamp::timestamp)""",
                       {"name": name, "dataset": saved.dataset, "signature": header_signature(saved.header),
                        "header": list(saved.header), "keys": list(fields), "values": list(fields.values()),
                        "who": who})
        cursor.execute("commit")
    except Exception:
        cursor.execute("rollback")
        raise
    return saved


def rename(cursor, old: str, new: str) -> None:
    new = (new or "").strip()
    if not new:
        raise MappingRefused("mapping.refused.no_name")
    if new != old and find(cursor, new) is not None:
        raise MappingRefused("mapping.refused.name_taken", name=new)
    cursor.execute("update column_mappings set name = $new, updated_at = current_timestamp::timestamp "
                   "where name = $old", {"old": old, "new": new})


def delete(cursor, name: str) -> None:
    cursor.execute("delete from column_mappings where name = $name", {"name": name})
