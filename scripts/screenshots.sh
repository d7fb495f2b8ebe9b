#!/usr/bin/env bash
# Refresh the README's pictures on purpose: run the real-browser tests with their screenshots
# written to docs/screenshots/ (the test command writes them to a scratch folder).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HOME="${SINKVIEW_TEST_HOME:-$(mktemp -d)}"
SINKVIEW_SCREENSHOTS="$PWD/docs/screenshots" exec .venv/bin/python -m pytest -q -p no:cacheprovider tests/browser "$@"
