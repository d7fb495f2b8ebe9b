"""The benchmark (benchmarks/run.py) runs end to end at the tiny scale and prints one JSON object
with exactly the keys issue 8 names. Its figures are not checked: that is the benchmark's job."""

from __future__ import annotations

import json
import subprocess
import sys

from sinkview import PROJECT_ROOT

PAGES = ("overview", "rotation", "referral", "village", "talent")
KEYS = ["import_s", "import_vs_read_csv", "import_vs_pandas",
        *(f"page_{page}_{suffix}" for page in PAGES for suffix in ("s", "vs_bare")),
        "cached_rerender_s", "peak_rss_mb", "deck_s"]
MAY_BE_NULL = {"deck_s"}  # the tiny scale builds no deck


def test_tiny_benchmark_prints_exactly_its_keys(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "run.py"), "--tiny", "--json", "--work", str(tmp_path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout)
    assert list(results) == KEYS
    for key, value in results.items():
        if value is None:
            assert key in MAY_BE_NULL
        else:
            assert isinstance(value, (int, float)) and value > 0, (key, value)
