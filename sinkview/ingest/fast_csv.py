"""A large UTF-8 CSV body read by DuckDB's parallel CSV reader, when that is provably exact.

DuckDB parses a file several times faster than a streaming parser writing a cells file, but it
skips blank lines and knows nothing of the row numbers a user sees. Its table keeps the file's
order (insertion order preserved), so row ``k`` of the table is line ``first_row + k`` of the
file, provided every line of the body is exactly one row. That is proven, not assumed: the
rows loaded must equal the body's line count, and the first row must equal what Python's csv
module reads on that line. Anything else (a blank, short or long line, a quoted line break,
invalid UTF-8, a line over DuckDB's limit) returns None, and the reader's exact parsers take
over with the same outcome.

The cells come back as a view with the columns of the reader's cells file: ``c<i>`` trimmed
(``reader.TRIM_CHARACTERS``), ``r<i>`` the cell as typed, ``_overflow`` and ``_row``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from sinkview.ingest import live_progress
from sinkview.store.database import settings_while

CELLS_TABLE = "upload_cells"
CELLS_VIEW = "upload_cells_numbered"
# Read in 32 MB buffers: 1M rows in 0.30 s against 0.48 with DuckDB's default, 1 GiB in 3.1 s
# against 4.5-5.6 (measured from 16 to 256 MB: 24-96 MB alike). Tests make it small so that a
# file spans many buffers.
BUFFER_BYTES = 32 << 20
_SCAN_BYTES = 1 << 24
TAIL_ROWS = 10
_COUNTING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sinkview-lines")
# What a trimmed cell never starts or ends with (reader.TRIM_CHARACTERS, as SQL).
_TRIM = "chr(32) || chr(9) || chr(13) || chr(10) || chr(12288) || chr(160)"
_WIDE_EDGE = (12288, 160)   # their code points above 32


@dataclass(frozen=True)
class LoadedCells:
    """The view of the cells, and its last ``TAIL_ROWS`` rows (where total rows are looked for)."""

    view: str
    tail: pa.Table
    rows: int


def body_lines(path: Path, offset: int) -> int:
    """The lines from byte ``offset`` to the end of the file, line breaks at the very end (a
    trailing newline, blank lines, which DuckDB skips) not counted."""
    with open(path, "rb") as file:
        end = file.seek(0, 2)
        while end > offset:   # the end of the last line holding anything
            start = max(offset, end - _SCAN_BYTES)
            file.seek(start)
            kept = file.read(end - start).rstrip(b"\r\n")
            end = start + len(kept)
            if kept:
                break
        if end <= offset:
            return 0
        file.seek(offset)
        lines, remaining = 1, end - offset
        while remaining:
            chunk = file.read(min(_SCAN_BYTES, remaining))
            remaining -= len(chunk)
            # numpy compares 16 MB in a few ms; bytes.count takes 0.07 s per 124 MB, beside
            # DuckDB's reading on a machine with two cores
            lines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))
    return lines


def _at_an_end(name: str) -> str:
    """Whether cell ``name``'s first or last code point is one trim() removes. Strings compare
    byte by byte, so the first is tested by comparison alone (a cell below '!' starts with a
    code point up to 32; one from chr(160) to chr(161) starts with chr(160)): a third of what
    taking the character out costs. The last (``z__`` of the inner projection) is compared as a
    one-character text. Every code point up to 32 is one test: trim() leaves the ones it does
    not remove alone."""
    first = [f"{name} < '!'", *(f"({name} >= chr({code}) and {name} < chr({code + 1}))" for code in _WIDE_EDGE)]
    last = [f"z__{name} < '!'", *(f"z__{name} = chr({code})" for code in _WIDE_EDGE)]
    return " or ".join(first + last)


def _numbered(names: list[str], first_row: int, where: str = "") -> str:
    """The cells as the reader's cells file has them. ``c<i>`` is trimmed; only a cell with a
    TRIM_CHARACTERS at an end pays for trim(), and the last character is taken once, in an
    inner projection (a list or IN of the constants is planned as a join per cell column)."""
    ends = ", ".join(f"{n}, {n}[-1] as z__{n}" for n in names)
    trimmed = ", ".join(f"case when {_at_an_end(n)} then trim({n}, {_TRIM}) else {n} end as {n}" for n in names)
    typed = ", ".join(f"{n} as r{n[1:]}" for n in names)
    return (f"select {trimmed}, {typed}, false as _overflow, row_id + {int(first_row)} as _row "
            f"from (select rowid as row_id, {ends} from {CELLS_TABLE}{where})")


def load_cells(cursor, path: Path, offset: int, skip_lines: int, delimiter: str, width: int, first_row: int,
               first_cells: Sequence[str] | None, progress: Callable[[int], None] | None = None) -> LoadedCells | None:
    """The body of ``path`` (from byte ``offset``, after ``skip_lines`` lines) as the view
    ``CELLS_VIEW``, or None when DuckDB's reading could differ from the exact parsers' (then
    nothing is left behind). The body's lines are counted beside DuckDB's reading;
    ``progress(rows)`` hears about how many of them DuckDB has read while it reads."""
    counting = _COUNTING.submit(body_lines, path, offset)

    def rows_read(share: float) -> None:
        if counting.done():   # the count comes long before the reading ends
            progress(int(share * counting.result()))
    names = [f"c{i}" for i in range(width)]
    params = {"path": str(path), "skip": int(skip_lines), "delim": delimiter, "buffer": int(BUFFER_BYTES),
              "columns": {name: "VARCHAR" for name in names}}
    try:
        # The caller holds DuckDB to the import's memory limit; the table spills beyond it.
        with settings_while(cursor, preserve_insertion_order=True), \
                live_progress.reported(cursor, rows_read if progress is not None else None):
            cursor.execute(f"""create or replace temp table {CELLS_TABLE} as
                select * from read_csv($path, header = false, skip = $skip, columns = $columns, delim = $delim,
                    quote = '"', escape = '"', auto_detect = false, strict_mode = true, null_padding = false, buffer_size = $buffer)""",
                           params)
        loaded = cursor.execute(f"select count(*) from {CELLS_TABLE}").fetchall()[0][0]
        first = cursor.execute(f"select * from {CELLS_TABLE} where rowid = 0").fetchall()
    except duckdb.Error:
        discard(cursor)
        return None
    finally:
        expected_rows = counting.result()
    expected_first = None
    if first_cells is not None and len(first_cells) <= width:
        expected_first = tuple(cell if cell != "" else None for cell in [*first_cells, *[""] * (width - len(first_cells))])
    if loaded != expected_rows or not first or first[0] != expected_first:
        discard(cursor)
        return None
    cursor.execute(f"create or replace temp view {CELLS_VIEW} as {_numbered(names, first_row)}")
    # The last rows read through the table (a filter on the view's _row would trim every cell).
    tail = cursor.sql(f"{_numbered(names, first_row, f' where rowid >= {max(0, loaded - TAIL_ROWS)}')} "
                      f"order by _row").to_arrow_table()
    return LoadedCells(CELLS_VIEW, tail, loaded)


def discard(cursor) -> None:
    """Drop the cells (after an import, or when they could not be read exactly)."""
    cursor.execute(f"drop view if exists {CELLS_VIEW}")
    cursor.execute(f"drop table if exists {CELLS_TABLE}")
