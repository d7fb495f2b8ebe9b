"""Shared builders of test ledgers: files shaped as users' systems write them."""

from __future__ import annotations

import csv
import io


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8", title=()) -> bytes:
    """A CSV as Excel saves it: optional title lines above the header, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in title:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def store_with(path, *files: tuple[bytes, str]):
    """A store at ``path`` with ``files`` (bytes, file name) imported in order, and its cursor."""
    from sinkview.ingest import import_file
    from sinkview.store import Store

    store = Store(path)
    cursor = store.cursor()
    for raw, name in files:
        import_file(cursor, raw, name)
    return store, cursor
