"""Reading an uploaded file into a table of text cells, exactly as the user sees it.

Owns: format sniffing (XLSX or CSV), encoding detection (UTF-8, UTF-8 with BOM, GBK,
GB18030), delimiter detection, finding the header below title rows, dropping trailing
合计/总计/小计 rows, and numbering every data row as the user sees it (1-based, counting
title and header lines). It knows nothing about types: every cell stays text.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from charset_normalizer import from_bytes

from sinkview.ingest import fast_csv
from sinkview.ingest.contract import (DATASETS, TOTAL_ROW_LABELS, Dataset, column_lookup, header_forms,
                               identity_lookup, normalise_header)

HEADER_SEARCH_ROWS = 30
csv.field_size_limit(1 << 27)  # a 128 MB cell is still read (and then rejected by its rules)
ROW_NUMBER = "_row"
OVERFLOW = "_overflow"  # the row has more non-empty cells than the header
# Space, tab, CR, LF, the ideographic and the non-breaking space: what a cell's value never
# starts or ends with (the importer's cleaning; pyarrow trims a column in one vectorised pass).
TRIM_CHARACTERS = " \t\r\n\u3000\u00a0"


class UnreadableFile(ValueError):
    """The file cannot be read as a table. ``code`` is an i18n key, ``params`` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class RawTable:
    """Text cells under canonical column names, plus ``_row`` (the row number the user sees)."""

    dataset: Dataset
    table: pa.Table
    encoding: str
    header_row: int                       # 1-based row of the header line
    title_rows: int                       # rows skipped above the header
    total_rows_dropped: list[int] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    identity_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)   # canonical name -> header as written
    duplicate_columns: list[str] = field(default_factory=list)  # second and later columns of one name
    patient_key_source: str | None = None  # the identity column (as headed) a patient key is derived from
    mapping_name: str | None = None         # the saved column mapping applied, if any
    merged_rows_filled: list[int] = field(default_factory=list)  # XLSX rows given a merged range's value
    # A large file read in bounded memory: ``table`` is None and ``source`` is a relation
    # holding the cells (a Parquet file, or DuckDB's table of them: columns c0, c1, … trimmed,
    # r0, r1, … as typed where trimming changed them, _row and _overflow); ``source_columns``
    # names the canonical columns' cells there; rows after ``last_row`` (total and blank rows
    # at the end) are dropped.
    source: str | None = None
    source_columns: dict[str, str] = field(default_factory=dict)
    last_row: int | None = None

    @property
    def num_rows(self) -> int:
        return self.table.num_rows if self.table is not None else -1


@dataclass(frozen=True)
class ColumnMapping:
    """Which header of a file holds which field of a dataset, as the user chose it.

    ``header`` is the whole header row as written (its signature finds the next file of the
    same shape); ``fields`` maps canonical column names to headers as written."""

    dataset: str
    fields: dict[str, str]
    header: tuple[str, ...] = ()
    name: str | None = None

    @property
    def signature(self) -> str:
        return header_signature(self.header)


def header_signature(cells: Sequence[str]) -> str:
    """A header row's identity: its non-empty cells, normalised as headers are, in order."""
    folded = [normalise_header(cell) for cell in cells]
    while folded and not folded[-1]:
        folded.pop()
    return hashlib.sha256("\x1f".join(folded).encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------- decoding

def detect_encoding(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese Excel saves "CSV" as GBK; GB18030 is its superset and decodes nearly only real
    # Chinese text strictly, so it goes first. A detector guess on mostly-digit files is
    # unreliable (it once said ptcp154), so charset-normalizer is only the fallback.
    try:
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:200_000]).best()
    if best is None or not best.encoding:
        raise UnreadableFile("file_encoding")
    try:
        raw.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise UnreadableFile("file_encoding") from None
    return best.encoding


def detect_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# --------------------------------------------------------------------------- header

def _matches(cells: list[str], lookup: dict[str, str]) -> set[str]:
    found = set()
    for cell in cells:
        for form in header_forms(cell):
            if form in lookup:
                found.add(lookup[form])
                break
    return found


def find_header(rows: list[list[str]], dataset_name: str | None = None) -> tuple[Dataset, int]:
    """The dataset and the index of its header: the first row matching at least half of the
    dataset's known columns (ties between datasets go to the one matching more required columns)."""
    candidates = [DATASETS[dataset_name]] if dataset_name else list(DATASETS.values())
    lookups = {d.name: column_lookup(d) for d in candidates}
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        scored = []
        for dataset in candidates:
            found = _matches(cells, lookups[dataset.name]) | _derivable(dataset, cells)
            if len(found) * 2 >= len(dataset.columns) or (found and found >= set(dataset.required)):
                required_hit = len(found & set(dataset.required))
                scored.append((required_hit, len(found) / len(dataset.columns), dataset))
        if scored:
            scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
            return scored[0][2], index
    guess = closest_dataset(rows, dataset_name)
    if guess is not None:
        dataset, _, found = guess
        missing = [c for c in dataset.required if c not in found]
        if missing == ["patient_key"] and dataset.patient_key_sources:   # only the patient is missing
            raise UnreadableFile("file_no_patient_identity", dataset=dataset.name, missing=missing)
        raise UnreadableFile("file_resembles", dataset=dataset.name, missing=missing)
    raise UnreadableFile("file_no_header" if not dataset_name else "file_no_header_for",
                         dataset=dataset_name or "")


def _derivable(dataset: Dataset, cells: list[str]) -> set[str]:
    """Required columns a header lacks but the file can still fill: the patient key, from an
    identity column (data contract, Privacy)."""
    sources = {form for _, names in dataset.patient_key_sources for name in names for form in header_forms(name)}
    if sources and any(header_forms(cell) & sources for cell in cells if cell):
        return {"patient_key"}
    return set()


def closest_dataset(rows: list[list[str]], dataset_name: str | None = None) -> tuple[Dataset, int, set[str]] | None:
    """The dataset (and the row) a header most resembles: most required columns recognised,
    then most columns; None when no row names even two known columns."""
    candidates = [DATASETS[dataset_name]] if dataset_name else list(DATASETS.values())
    lookups = {d.name: column_lookup(d) for d in candidates}
    best, best_score = None, (0, 0)
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for dataset in candidates:
            found = _matches(cells, lookups[dataset.name]) | _derivable(dataset, cells)
            score = (len(found & set(dataset.required)), len(found))
            if score > best_score:
                best, best_score = (dataset, index, found), score
    if best is None or best_score[1] < 2:
        return None
    return best


def likely_header_row(rows: list[list[str]], dataset: Dataset | None = None) -> int:
    """The row a user would call the header of a file we could not recognise: the one naming
    most of ``dataset``'s columns, else the first row with the most non-empty cells."""
    head = rows[:HEADER_SEARCH_ROWS]
    if not head:
        return 0
    if dataset is not None:
        lookup = column_lookup(dataset)
        hits = [len(_matches(cells, lookup)) for cells in head]
        if max(hits) > 0:
            return hits.index(max(hits))
    widths = [sum(1 for cell in cells if str(cell).strip()) for cells in head]
    return widths.index(max(widths))


def _row_with_headers(rows: list[list[str]], headers: Sequence[str]) -> tuple[int | None, list[str]]:
    """The first row holding every one of ``headers`` (compared as headers are), or the
    headers missing from the row that holds most of them."""
    wanted = {normalise_header(h): h for h in headers if h}
    best_missing = list(wanted.values())
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        present = {normalise_header(cell) for cell in cells}
        missing = [h for key, h in wanted.items() if key not in present]
        if not missing:
            return index, []
        if len(missing) < len(best_missing):
            best_missing = missing
    return None, best_missing


def locate_header(rows: list[list[str]], dataset_name: str | None = None, mapping: ColumnMapping | None = None,
                  saved: Sequence[ColumnMapping] = ()) -> tuple[Dataset, int, ColumnMapping | None]:
    """The dataset, the header row and the column mapping that applies to a file.

    An explicit mapping must fit (all its headers in one row); otherwise a saved mapping whose
    header row appears in the file applies by itself; otherwise the header is recognised."""
    if mapping is not None:
        index, missing = _row_with_headers(rows, list(mapping.fields.values()))
        if index is None:
            raise UnreadableFile("mapping_does_not_fit", mapping=mapping.name or "", columns=missing)
        return DATASETS[mapping.dataset], index, mapping
    if saved:
        by_signature = {m.signature: m for m in saved if not dataset_name or m.dataset == dataset_name}
        for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            found = by_signature.get(header_signature(cells))
            if found is not None:
                return DATASETS[found.dataset], index, found
    dataset, index = find_header(rows, dataset_name)
    return dataset, index, None


# --------------------------------------------------------------------------- cells

def _cell_text(value) -> str:
    """An XLSX cell as the clerk would type it: integral floats lose `.0`, dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):  # a time of day, or Excel's zero date "1900-01-00": not a date
        return value.isoformat()
    return str(value)


def _fill_merged_down(rows: list[list[str]], ranges) -> list[int]:
    """Give every row of a merged range that spans rows the value Excel shows there (it is
    stored in the range's first cell only); the 1-based rows so filled. Only the first column
    of a range is filled: a range across columns shows one value, not one per column."""
    filled = set()
    for (first_row, first_col), (last_row, _) in ranges or ():
        if last_row <= first_row or first_row >= len(rows) or first_col >= len(rows[first_row]):
            continue
        value = rows[first_row][first_col]
        for row in range(first_row + 1, min(last_row, len(rows) - 1) + 1):
            if value and first_col < len(rows[row]) and not rows[row][first_col]:
                rows[row][first_col] = value
                filled.add(row + 1)
    return sorted(filled)


def _xlsx_rows(raw: bytes, dataset_hint: str | None) -> tuple[list[list[str]], list[int]]:
    """The chosen sheet's rows as text cells, merged ranges filled down, and the rows filled."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except Exception:
        raise UnreadableFile("file_bad_xlsx") from None
    names = book.sheet_names
    wanted = {d.name for d in DATASETS.values()} | {d.sheet_name for d in DATASETS.values()}
    if dataset_hint:
        wanted = {dataset_hint, DATASETS[dataset_hint].sheet_name}
    sheet = next((n for n in names if n.strip() in wanted), names[0] if names else None)
    if sheet is None:
        raise UnreadableFile("file_empty")
    try:
        found = book.get_sheet_by_name(sheet)
        values = found.to_python(skip_empty_area=False)   # from A1: merged ranges' coordinates hold
        ranges = found.merged_cell_ranges
    except Exception:
        raise UnreadableFile("file_bad_xlsx") from None
    rows = [[_cell_text(v) for v in row] for row in values]
    return rows, _fill_merged_down(rows, ranges)


# --------------------------------------------------------------------------- table

@dataclass
class _HeaderChoices:
    """Which position of the header row holds each canonical column, and what else it holds."""

    chosen: dict[str, int]
    mapped: set[int]
    unknown: list[str]
    identity_found: list[str]
    source: str | None
    missing: list[str]
    headers: dict[str, str]
    duplicated: list[str]


def _header_choices(dataset: Dataset, header: list[str], mapping: ColumnMapping | None) -> _HeaderChoices:
    lookup = column_lookup(dataset)
    identity = identity_lookup(dataset)
    chosen: dict[str, int] = {}
    mapped: set[int] = set()
    if mapping is not None:  # the user's choices first; aliases recognise the rest
        folded = [normalise_header(cell) for cell in header]
        for name, written in mapping.fields.items():
            key = normalise_header(written)
            if name in dataset.column_by_name and key and key in folded:
                chosen[name] = folded.index(key)
                mapped.add(chosen[name])
    unknown, identity_found = [], []
    for position, cell in enumerate(header):
        forms = header_forms(cell)
        if position in mapped or not cell.strip():
            continue
        if forms & identity:
            identity_found.append(cell.strip())
            continue
        name = next((lookup[f] for f in forms if f in lookup), None)
        if name is None:
            unknown.append(cell.strip())
        elif name not in chosen:
            chosen[name] = position
    source = _patient_key_source(dataset, header, chosen, identity)
    if source is not None and source not in identity_found:
        identity_found.append(source)
    missing = [c for c in dataset.required if c not in chosen]
    headers = {name: header[pos].strip() for name, pos in chosen.items()}
    duplicated = [header[pos].strip() for pos, cell in enumerate(header)
                  if pos not in mapped
                  and (name := next((lookup[f] for f in header_forms(cell) if f in lookup), None))
                  and chosen.get(name) != pos]
    return _HeaderChoices(chosen, mapped, unknown, identity_found, source, missing, headers, duplicated)


def _finish(dataset: Dataset, header: list[str], columns: list[list[str]] | pa.Table,
            first_row_number: int, encoding: str, header_index: int,
            mapping: ColumnMapping | None = None) -> RawTable:
    found = _header_choices(dataset, header, mapping)
    if not isinstance(columns, pa.Table):
        columns = pa.table({name: pa.array(values, pa.string())
                            for name, values in zip(_column_names(len(columns)), columns)})
    n = columns.num_rows
    if OVERFLOW not in columns.column_names:
        columns = columns.append_column(OVERFLOW, pa.array([False] * n, pa.bool_()))
    columns = columns.append_column(ROW_NUMBER, pa.array(range(first_row_number, first_row_number + n), pa.int64()))
    # Total rows are judged on every cell, recognised column or not (合计 often sits under 序号).
    columns, dropped = _drop_total_rows(columns, _column_names(len(header)))
    table = pa.table({ROW_NUMBER: columns.column(ROW_NUMBER), OVERFLOW: columns.column(OVERFLOW),
                      **{name: columns.column(pos) for name, pos in found.chosen.items()}})
    return RawTable(dataset, table, encoding, header_index + 1, header_index, dropped,
                    found.unknown, found.identity_found, found.missing, found.headers, found.duplicated,
                    patient_key_source=found.source, mapping_name=mapping.name if mapping else None)


def _patient_key_source(dataset: Dataset, header: list[str], chosen: dict[str, int], identity: set[str]) -> str | None:
    """The identity column (as headed) a file's patient keys are derived from, if they are.

    Without a patient_key column, the first identity column present in the contract's order
    (ID card, phone, outpatient/inpatient number) becomes it (``chosen`` is updated). A
    patient_key mapped by the user onto an identity column is derived from it too."""
    if not dataset.patient_key_sources:
        return None
    if "patient_key" in chosen:
        written = header[chosen["patient_key"]]
        return written.strip() if header_forms(written) & identity else None
    for _, names in dataset.patient_key_sources:
        forms = {form for name in names for form in header_forms(name)}
        position = next((p for p, cell in enumerate(header) if cell.strip() and header_forms(cell) & forms), None)
        if position is not None:
            chosen["patient_key"] = position
            return header[position].strip()
    return None


def _drop_total_rows(table: pa.Table, names: list[str]) -> tuple[pa.Table, list[int]]:
    """Trailing rows whose first non-empty cell is 合计/总计/小计 (and blank rows after them)."""
    dropped = []
    end = table.num_rows
    tail = table.slice(max(0, end - 10)).to_pylist()
    for row in reversed(tail):
        cells = [re.sub(r"\s+", "", str(row[n])) for n in names if row.get(n) not in (None, "")]
        cells = [cell for cell in cells if cell]
        if not cells:
            end -= 1
            continue
        if cells[0] in TOTAL_ROW_LABELS:
            dropped.append(row[ROW_NUMBER])
            end -= 1
            continue
        break
    return table.slice(0, end), sorted(dropped)


def head_rows(raw: bytes) -> list[list[str]]:
    """The first rows of a file as text cells (for choosing a header and mapping columns)."""
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        raise UnreadableFile("file_empty")
    if raw[:4] == b"PK\x03\x04":
        return _xlsx_rows(raw, None)[0][:HEADER_SEARCH_ROWS + 1]
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("file_binary")
    text = raw[:400_000].decode(detect_encoding(raw), errors="ignore")
    lines = text.splitlines()[:HEADER_SEARCH_ROWS + 1]
    try:
        return list(csv.reader(lines, delimiter=detect_delimiter("\n".join(lines))))
    except csv.Error:
        raise UnreadableFile("file_bad_csv") from None


def read_upload(raw: bytes, dataset_name: str | None = None, mapping: ColumnMapping | None = None,
                saved: Sequence[ColumnMapping] = ()) -> RawTable:
    """Read any uploaded file into text cells under canonical names. Raises UnreadableFile.

    ``mapping`` says which header holds which field (it must fit the file); else a ``saved``
    mapping whose header row the file has applies by itself; else headers are recognised."""
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        raise UnreadableFile("file_empty")
    if mapping is not None:
        dataset_name = mapping.dataset
    if raw[:4] == b"PK\x03\x04":
        rows, filled = _xlsx_rows(raw, dataset_name)
        dataset, h, applied = locate_header(rows, dataset_name, mapping, saved)
        header = rows[h]
        body = rows[h + 1:]
        width = len(header)
        columns = [[(r[i] if i < len(r) else "") for r in body] for i in range(width)]
        table = _finish(dataset, header, columns, h + 2, "xlsx", h, applied)
        table.merged_rows_filled = [row for row in filled if row > h + 1 and row not in table.total_rows_dropped]
        return table
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("file_binary")
    encoding = detect_encoding(raw)
    text = raw.decode(encoding)
    head_lines, delimiter, head = _head(text[:200_000])
    dataset, h, applied = locate_header(head, dataset_name, mapping, saved)
    header = head[h]
    # The header is line h (no title line holds a quoted newline): the body starts with it.
    offset = sum(len(line) for line in head_lines[:h])
    body_text = text[offset:]
    table = _parse_csv_fast(body_text, delimiter, len(header))
    if table is None:
        try:
            table = _parse_csv_exact(body_text, delimiter, len(header))
        except csv.Error:
            raise UnreadableFile("file_bad_csv") from None
    return _finish(dataset, header, table, h + 2, encoding.replace("utf-8-sig", "utf-8-bom"), h, applied)


def _head(text: str) -> tuple[list[str], str, list[list[str]]]:
    """A file's first lines (with their line breaks), its delimiter, and those lines as cells."""
    head_lines = text.splitlines(keepends=True)[:HEADER_SEARCH_ROWS + 1]
    delimiter = detect_delimiter("".join(head_lines))
    try:
        return head_lines, delimiter, list(csv.reader([line.rstrip("\r\n") for line in head_lines], delimiter=delimiter))
    except csv.Error:
        raise UnreadableFile("file_bad_csv") from None


def _column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def _parse_csv_fast(body: str, delimiter: str, width: int) -> pa.Table | None:
    """pyarrow's parser; None when a row is ragged, since its row numbers are then unknown."""
    ragged = []

    def on_invalid(row):
        ragged.append(row)
        return "skip"

    names = _column_names(width)
    try:
        table = pacsv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid:
        return None
    return None if ragged else table


def _parse_csv_exact(body: str, delimiter: str, width: int) -> pa.Table:
    """Python's csv module: slower, but it pads short rows and keeps every row's number."""
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    next(reader, None)  # the header
    columns: list[list[str]] = [[] for _ in range(width)]
    overflow: list[bool] = []
    for row in reader:
        for i in range(width):
            columns[i].append(row[i] if i < len(row) else "")
        overflow.append(any(cell.strip() for cell in row[width:]))
    arrays = {n: pa.array(c, pa.string()) for n, c in zip(_column_names(width), columns)}
    return pa.table({**arrays, OVERFLOW: pa.array(overflow, pa.bool_())})


def trim_cells(cells: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Text cells without the spaces around them (``TRIM_CHARACTERS``), as the importer reads them."""
    return pc.utf8_trim(cells, characters=TRIM_CHARACTERS)


# --------------------------------------------------------------------------- large files

STREAM_BYTES = 64 * 2**20      # CSV files larger than this are read in bounded memory
CHUNK_BYTES = 16 * 2**20       # decoded, and parsed, this much at a time
EXACT_BATCH_ROWS = 200_000
# The cells file is scratch, read once or twice: compression and statistics cost more to write
# than they save (write + read of 1M rows: 0.71 → 0.40 CPU s here); dictionaries pay for
# themselves in DuckDB's scan.
CELLS_FILE_OPTIONS = {"compression": "none", "write_statistics": False}


def detect_file_encoding(path: Path) -> str:
    """``detect_encoding`` for a file on disk, reading it in chunks (UTF-8 checked to the end)."""
    with open(path, "rb") as file:
        start = file.read(CHUNK_BYTES)
        if start.startswith(b"\xef\xbb\xbf"):
            return "utf-8-sig"
        for encoding in ("utf-8", "gb18030"):
            decoder = codecs.getincrementaldecoder(encoding)()
            file.seek(0)
            try:
                while chunk := file.read(CHUNK_BYTES):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
    return detect_encoding(start)  # charset-normalizer's guess on the start, checked


def _utf8_copy(path: Path, encoding: str, workdir: Path) -> Path:
    """The file as UTF-8 (itself when it already is), decoded chunk by chunk."""
    if encoding in ("utf-8", "utf-8-sig"):
        return path
    target = workdir / "upload.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as source, open(target, "wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return target


def read_upload_file(path: Path, workdir: Path, dataset_name: str | None = None,
                     mapping: ColumnMapping | None = None, saved: Sequence[ColumnMapping] = (),
                     progress=None, cursor=None) -> RawTable:
    """A large CSV file read in bounded memory: the same header, total-row and ragged-row rules
    as ``read_upload``, row numbers as the user sees them; smaller files and XLSX go through that.

    With a DuckDB ``cursor``, the file (a GBK/GB18030 one after decoding it chunk by chunk to a
    UTF-8 copy) is read by DuckDB's parallel reader (``fast_csv``), kept when provably exact;
    otherwise pyarrow, or Python's csv module for ragged rows, parses it in batches into a
    Parquet file of text cells."""
    with open(path, "rb") as file:
        start = file.read(400_000)
    if start[:4] == b"PK\x03\x04" or path.stat().st_size <= STREAM_BYTES:
        return read_upload(path.read_bytes(), dataset_name, mapping, saved)
    if b"\x00" in start[:4096]:
        raise UnreadableFile("file_binary")
    if mapping is not None:
        dataset_name = mapping.dataset
    utf8_start = _starts_as_utf8(start)
    if cursor is not None and utf8_start:
        encoding = "utf-8-bom" if start.startswith(b"\xef\xbb\xbf") else "utf-8"
        table = _read_with_duckdb(cursor, path, encoding, dataset_name, mapping, saved, progress)
        if table is not None:
            return table
    encoding, utf8 = _decoded_copy(path, utf8_start, workdir)
    if cursor is not None and utf8 != path:   # a GBK/GB18030 file, decoded: DuckDB reads the copy
        table = _read_with_duckdb(cursor, utf8, encoding, dataset_name, mapping, saved, progress)
        if table is not None:
            return table
    body = _locate_body(utf8, dataset_name, mapping, saved)
    cells = workdir / "upload_raw.parquet"
    width, first_row = len(body.header), body.header_index + 2
    if not _parse_file_fast(utf8, body.offset, body.delimiter, width, first_row, cells, progress):
        try:
            _parse_file_exact(utf8, body.offset, body.delimiter, width, first_row, cells, progress)
        except csv.Error:
            raise UnreadableFile("file_bad_csv") from None
    last_row, dropped = _total_rows_at_the_end(cells, width)
    return _large_table(body, encoding.replace("utf-8-sig", "utf-8-bom"), "read_parquet('" + str(cells).replace("'", "''") + "')",
                        last_row, dropped)


def _decoded_copy(path: Path, utf8_start: bool, workdir: Path) -> tuple[str, Path]:
    """The file's encoding and a UTF-8 copy of it (the file itself when it is UTF-8). A file that
    does not start as UTF-8 is decoded as GB18030 while it is copied, in one pass; the full
    detection (``detect_file_encoding``) runs only when that fails."""
    if not utf8_start:
        try:
            return "gb18030", _utf8_copy(path, "gb18030", workdir)
        except UnicodeDecodeError:
            pass
    encoding = detect_file_encoding(path)
    return encoding, _utf8_copy(path, encoding, workdir)


def _read_with_duckdb(cursor, utf8: Path, encoding: str, dataset_name: str | None, mapping: ColumnMapping | None,
                      saved: Sequence[ColumnMapping], progress) -> RawTable | None:
    """The file read by DuckDB (``fast_csv``), or None when that could differ from the exact parsers."""
    body = _locate_body(utf8, dataset_name, mapping, saved)
    cells = fast_csv.load_cells(cursor, utf8, body.offset, body.header_index + 1, body.delimiter,
                                len(body.header), body.header_index + 2, body.first_cells,
                                None if progress is None else lambda rows: progress("read", rows))
    if cells is None:
        return None
    if progress is not None:
        progress("read", cells.rows)
    last_row, dropped = _last_row_kept(cells.tail, len(body.header))
    return _large_table(body, encoding, cells.view, last_row, dropped)


@dataclass
class _Body:
    """Where a large file's rows start: its header (found in the first lines), the delimiter,
    the byte offset of the first row, and that row's cells as Python's csv module reads them."""

    dataset: Dataset
    header_index: int      # 0-based line of the header
    header: list[str]
    applied: ColumnMapping | None
    delimiter: str
    offset: int
    first_cells: list[str] | None


def _starts_as_utf8(start: bytes) -> bool:
    """Whether the file's first bytes read as UTF-8 (a character cut at the end allowed); DuckDB
    refuses the file if a later byte does not, and the reader then detects the encoding."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start)
    except UnicodeDecodeError:
        return False
    return True


def _locate_body(utf8: Path, dataset_name: str | None, mapping: ColumnMapping | None,
                 saved: Sequence[ColumnMapping]) -> _Body:
    with open(utf8, "rb") as file:
        head_bytes = file.read(400_000)
    bom = 3 if head_bytes.startswith(b"\xef\xbb\xbf") else 0
    head_lines, delimiter, head = _head(head_bytes[bom:].decode("utf-8", errors="ignore"))
    dataset, h, applied = locate_header(head, dataset_name, mapping, saved)
    offset = bom + sum(len(line.encode("utf-8")) for line in head_lines[:h + 1])   # the first body byte
    first = head[h + 1] if h + 1 < len(head) and h + 1 < len(head_lines) - 1 else None   # a whole line only
    return _Body(dataset, h, head[h], applied, delimiter, offset, first)


def _large_table(body: _Body, encoding: str, source: str, last_row: int, dropped: list[int]) -> RawTable:
    found = _header_choices(body.dataset, body.header, body.applied)
    return RawTable(body.dataset, None, encoding, body.header_index + 1, body.header_index, dropped,
                    found.unknown, found.identity_found, found.missing, found.headers, found.duplicated,
                    patient_key_source=found.source, mapping_name=body.applied.name if body.applied else None,
                    source=source, source_columns={name: f"c{pos}" for name, pos in found.chosen.items()},
                    last_row=last_row)


def raw_cells_column(cells_column: str) -> str:
    """In a large file's cells file, the column holding the cells of ``cells_column`` as typed,
    where trimming changed them (null elsewhere); ``cells_column`` holds them trimmed."""
    return "r" + cells_column[1:]


def _cells_schema(width: int) -> pa.Schema:
    names = _column_names(width)
    return pa.schema([*((n, pa.string()) for n in names), *((raw_cells_column(n), pa.string()) for n in names),
                      (OVERFLOW, pa.bool_()), (ROW_NUMBER, pa.int64())])


def _cells_batch(columns: Sequence[pa.Array], first: int, overflow: pa.Array | None = None) -> pa.RecordBatch:
    """A batch of a large file's cells file: the cells trimmed, the raw cells trimming changed,
    the overflow flags and the row numbers the user sees (from ``first``)."""
    n = len(columns[0]) if columns else len(overflow)
    trimmed = [trim_cells(column) for column in columns]
    raw = []
    for cut, column in zip(trimmed, columns):
        changed = pc.not_equal(cut, column)
        raw.append(pc.if_else(changed, column, pa.scalar(None, pa.string())) if pc.any(changed).as_py()
                   else pa.nulls(n, pa.string()))
    return pa.RecordBatch.from_arrays(
        [*trimmed, *raw, overflow if overflow is not None else pa.array([False] * n, pa.bool_()),
         pa.array(range(first, first + n), pa.int64())], schema=_cells_schema(len(columns)))


def _parse_file_fast(path: Path, offset: int, delimiter: str, width: int, first_row: int, target: Path,
                     progress=None) -> bool:
    """pyarrow's streaming parser, batch by batch into ``target``; False when a row is ragged
    (its row number would be unknown), and the exact parser takes over."""
    ragged = []

    def on_invalid(row):
        ragged.append(row)
        return "skip"

    names = _column_names(width)
    with open(path, "rb") as file:
        file.seek(offset)
        try:
            reader = pacsv.open_csv(
                file, read_options=pacsv.ReadOptions(column_names=names, block_size=CHUNK_BYTES),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                                 invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
            writer, row = None, first_row
            for batch in reader:
                if ragged:
                    break
                batch = _cells_batch(batch.columns, row)
                row += batch.num_rows
                writer = writer or pq.ParquetWriter(target, batch.schema, **CELLS_FILE_OPTIONS)
                writer.write_batch(batch)
                if progress is not None:
                    progress("read", row - first_row)
        except pa.ArrowInvalid:
            return False
        finally:
            if "writer" in locals() and writer is not None:
                writer.close()
    return not ragged and target.exists()


def _parse_file_exact(path: Path, offset: int, delimiter: str, width: int, first_row: int, target: Path,
                      progress=None) -> None:
    """Python's csv module in batches: it pads short rows and flags long ones, row by row."""
    with open(path, "rb") as raw, pq.ParquetWriter(target, _cells_schema(width), **CELLS_FILE_OPTIONS) as writer:
        raw.seek(offset)
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""), delimiter=delimiter)
        row = first_row
        while True:
            columns: list[list[str]] = [[] for _ in range(width)]
            overflow: list[bool] = []
            for record in reader:
                for i in range(width):
                    columns[i].append(record[i] if i < len(record) else "")
                overflow.append(any(cell.strip() for cell in record[width:]))
                if len(overflow) == EXACT_BATCH_ROWS:
                    break
            if not overflow:
                break
            writer.write_batch(_cells_batch([pa.array(c, pa.string()) for c in columns], row,
                                            pa.array(overflow, pa.bool_())))
            row += len(overflow)
            if progress is not None:
                progress("read", row - first_row)


def _total_rows_at_the_end(cells: Path, width: int) -> tuple[int, list[int]]:
    """The last row kept and the 合计/总计/小计 rows dropped, judged on the file's last rows."""
    file = pq.ParquetFile(cells)
    groups = []
    rows = 0
    for index in reversed(range(file.num_row_groups)):
        groups.insert(0, file.read_row_group(index))
        rows += groups[0].num_rows
        if rows >= 10:
            break
    return _last_row_kept(pa.concat_tables(groups) if groups else pa.table({}), width)


def _last_row_kept(tail: pa.Table, width: int) -> tuple[int, list[int]]:
    """Of a file's last rows (cells and row numbers): the last one kept, and the total rows dropped."""
    if tail.num_rows == 0:
        return 0, []
    kept, dropped = _drop_total_rows(tail, _column_names(width))
    last = kept.column(ROW_NUMBER)[-1].as_py() if kept.num_rows else tail.column(ROW_NUMBER)[0].as_py() - 1
    return last, dropped
