"""Shared helpers of the AppTest page tests: what a page drew, and what a click on a chart sends."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def figures(at: AppTest) -> list[dict]:
    """Every Plotly figure the page drew, as the JSON sent to the browser."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [figure["layout"].get("title", {}).get("text") for figure in figures(at)]


def metric(at: AppTest, label: str) -> str:
    return next(element.value for element in at.metric if element.label == label)


def click(at: AppTest, chart_key: str, *customdata) -> AppTest:
    """What the browser sends when a point or bar is clicked: the chart's selection state."""
    at.session_state[chart_key] = {"selection": {"points": [{"customdata": list(customdata)}],
                                                 "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    return at
