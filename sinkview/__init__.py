"""sinkview: is high-quality medical care really reaching the grassroots of a county medical community?

The package owns the data contract, ingestion, the DuckDB store, the indicator registry,
chart builders, i18n, auth, export and the command line. Pages and SQL live outside it.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DATA_DIR = PROJECT_ROOT / "data"

__version__ = "0.1.0"
