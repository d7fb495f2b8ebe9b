#!/usr/bin/env bash
# Set up a fresh machine: Debian's Chromium and CJK fonts (charts, browser tests, deck export),
# a virtual environment in .venv and the pinned requirements; with SINKVIEW_WITH_SPARK=1 (as
# scripts/test.sh sets) also Java 17 and requirements-spark.txt for the optional Spark engine.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need_apt+=(fonts-noto-cjk)  # not -q: an early exit breaks the pipe (pipefail)
if [ "${SINKVIEW_WITH_SPARK:-0}" = 1 ]; then   # the Spark engine's local mode needs a Java runtime
  command -v java >/dev/null || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] || need_apt+=(openjdk-17-jre-headless)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need_apt[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages: ${need_apt[*]}" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python requirements"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  echo "$want" > "$stamp"
fi
# The optional Spark engine (metrics --engine spark), which the test suite covers too.
spark_stamp=.venv/.requirements-spark.sha256
spark_want=$(sha256sum requirements-spark.txt | cut -d' ' -f1)
if [ "${SINKVIEW_WITH_SPARK:-0}" = 1 ] && { [ ! -f "$spark_stamp" ] || [ "$(cat "$spark_stamp")" != "$spark_want" ]; }; then
  echo "setup: installing the Spark engine's requirements"
  .venv/bin/python -m pip install -q -r requirements-spark.txt
  echo "$spark_want" > "$spark_stamp"
fi
