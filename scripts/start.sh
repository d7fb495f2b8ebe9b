#!/usr/bin/env bash
# Set up (if needed) and start sinkview on http://localhost:8501. With an empty database the app
# loads the bundled sample county (data/sample/) on first start. Extra arguments go to streamlit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Load the sample county now if the store is empty, so the first visitor does not wait for it.
.venv/bin/python -c "from sinkview.store.database import Store; from sinkview.tools.sample_loader import load_sample_if_empty; load_sample_if_empty(Store())"
# Indicator cells stored by an older sinkview (or before rows were written outside an import)
# are recomputed now, so the first visitor's overview reads them instead of computing live.
.venv/bin/python -m sinkview refresh
exec .venv/bin/streamlit run app.py --server.address "${SINKVIEW_ADDRESS:-0.0.0.0}" \
  --server.port "${SINKVIEW_PORT:-8501}" "$@"
