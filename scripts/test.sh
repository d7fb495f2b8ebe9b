#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: pure tests, AppTest page tests and the
# real-browser tests (Debian's Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
SINKVIEW_WITH_SPARK=1 scripts/setup.sh   # the Spark engine is tested too (Java 17, pyspark)
export HOME="${SINKVIEW_TEST_HOME:-$(mktemp -d)}"   # Streamlit, Chromium and Playwright write here
.venv/bin/ruff check --quiet app.py pages sinkview tests benchmarks   # pyflakes rules (pyproject.toml)
.venv/bin/sqlfluff lint --quiet --disable-progress-bar queries   # lower-case dbt-style SQL ([tool.sqlfluff] in pyproject.toml)
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
