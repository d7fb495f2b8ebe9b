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
