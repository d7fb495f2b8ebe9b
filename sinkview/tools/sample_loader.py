"""Loading the bundled sample county (``data/sample/``) into an empty store.

Owns the first-start experience: a store with no institutions gets the sample ledgers,
imported through the normal import path, in file-name order (institutions first), then its
stored indicator cells.
"""

from __future__ import annotations

from pathlib import Path

from sinkview import DATA_DIR
from sinkview.ingest.importer import import_file
from sinkview.metrics import cells
from sinkview.store.database import Store

SAMPLE_DIR = DATA_DIR / "sample"
SAMPLE_USER = "sample"


def sample_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx"))


def load_sample(store: Store, folder: Path = SAMPLE_DIR) -> list:
    """Import every sample ledger; returns the validations (all are expected to be clean)."""
    results = []
    for path in sample_files(folder):
        with store.write(f"load the sample county: {path.name}") as con:
            validation, _ = import_file(con, path.read_bytes(), path.name, who=SAMPLE_USER)
        results.append(validation)
    cells.refresh_store(store)
    return results


def load_sample_if_empty(store: Store) -> bool:
    if not store.is_empty() or not sample_files():
        return False
    load_sample(store)
    return True
