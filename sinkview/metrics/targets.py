"""Targets: the editable ``data/targets.csv`` and the met / near / missed rule (targets.md).

Owns reading the targets file a user may edit (UTF-8, or GB18030 when re-saved by Excel on
Chinese Windows), writing the shipped default from the declarations (never by hand), and the
status of a value against its target. It does not format or chart values.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from sinkview import DATA_DIR
from sinkview.metrics.declarations import INDICATORS, indicator

DEFAULT_TARGETS = DATA_DIR / "targets.csv"
TARGET_COLUMNS = ("indicator", "target", "direction", "source", "confidence")

# Tolerances of the "near" status (targets.md): 5 percentage points for a ratio, 10 % of the
# target otherwise. A target of 0 has no 10 %, so for a non-ratio we take 1 unit instead.
RATIO_TOLERANCE = 0.05
RELATIVE_TOLERANCE = 0.10
ZERO_TARGET_TOLERANCE = 1


@dataclass(frozen=True)
class Target:
    indicator: str
    target: float | None  # None: no policy sets one, the direction alone is shown
    direction: str        # higher | lower | neutral
    source: str
    confidence: str


def default_targets_csv() -> str:
    """The shipped ``data/targets.csv``, written from the declarations' targets."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TARGET_COLUMNS)
    for item in INDICATORS:
        value = "" if item.target.value is None else format(item.target.value, "g")
        writer.writerow((item.id, value, item.direction, item.target.source, item.target.confidence))
    return out.getvalue()


def load_targets(path: str | Path | None = None) -> dict[str, Target]:
    """The targets in ``path`` (default ``data/targets.csv``), by indicator id."""
    raw = Path(path or DEFAULT_TARGETS).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # re-saved by Excel on Chinese Windows
    known = {item.id for item in INDICATORS}
    targets = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        if row["indicator"] not in known or row["direction"] not in ("higher", "lower", "neutral"):
            raise ValueError(f"targets line {line}: unknown indicator or direction: {row}")
        targets[row["indicator"]] = Target(
            indicator=row["indicator"],
            target=float(row["target"]) if row["target"].strip() else None,
            direction=row["direction"],
            source=row["source"],
            confidence=row["confidence"],
        )
    return targets


def status(value: float | int | None, target: Target) -> str | None:
    """'met', 'near' or 'missed' for ``value`` against ``target``; None without a value,
    a target or a direction."""
    if value is None or target.target is None or target.direction == "neutral":
        return None
    shortfall = target.target - value if target.direction == "higher" else value - target.target
    if shortfall <= 0:
        return "met"
    if indicator(target.indicator).kind == "ratio":
        tolerance = RATIO_TOLERANCE
    elif target.target == 0:
        tolerance = ZERO_TARGET_TOLERANCE
    else:
        tolerance = abs(target.target) * RELATIVE_TOLERANCE
    if shortfall <= tolerance or math.isclose(shortfall, tolerance):
        return "near"
    return "missed"


if __name__ == "__main__":  # python -m sinkview.metrics.targets: rewrite the shipped default
    DEFAULT_TARGETS.write_text(default_targets_csv(), encoding="utf-8")
