"""The indicator registry as the rest of the app imports it: a façade over ``sinkview.metrics``.

Declarations live in ``sinkview/metrics/indicators.toml`` (read by ``metrics.declarations``),
the computation in ``metrics.evaluator`` and the targets in ``metrics.targets``; this module
only re-exports the names pages, the CLI and tests use, so none of them needs to know where.
"""

from sinkview.metrics.declarations import INDICATORS, TOPICS, Indicator, indicator
from sinkview.metrics.evaluator import compute_indicators, evaluate, topic_sql
from sinkview.metrics.targets import DEFAULT_TARGETS, Target, load_targets, status

__all__ = ["DEFAULT_TARGETS", "INDICATORS", "TOPICS", "Indicator", "Target", "compute_indicators",
           "evaluate", "indicator", "load_targets", "status", "topic_sql"]
