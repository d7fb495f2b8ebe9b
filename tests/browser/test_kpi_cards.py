"""KPI cards on a 1280 px page (a projector's usual width): no card's name or value is cut with
"…", in English, where names and units are longest, and in Chinese; the cards of a row end on
one line. Only a browser lays text out, so only a browser can tell."""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_for_app

# For every card: its name and value, whether any of their boxes hides text it holds, and its height.
CARDS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(card => {
    const parts = ['stMetricLabel', 'stMetricValue'].map(id => card.querySelector(`[data-testid="${id}"]`));
    const boxes = parts.flatMap(part => [part, ...part.querySelectorAll('*')]);
    const cut = boxes.some(box => box.scrollWidth > box.clientWidth + 1
                                  && getComputedStyle(box).overflowX !== 'visible');
    const rect = card.getBoundingClientRect();
    return {name: parts[0].innerText, value: parts[1].innerText, cut, top: Math.round(rect.top),
            bottom: Math.round(rect.bottom)};
})"""


@pytest.mark.parametrize("path", ["rotation?lang=en", "party?lang=en", "party?lang=zh", "village?lang=en"])
def test_kpi_cards_are_whole_at_1280_px(page, server_url, path):
    page.goto(f"{server_url}/{path}")
    wait_for_app(page)
    cards = page.evaluate(CARDS)
    assert len(cards) >= 4
    assert [card for card in cards if card["cut"]] == []
    rows: dict[int, set[int]] = {}
    for card in cards:
        rows.setdefault(card["top"], set()).add(card["bottom"])
    assert all(len(bottoms) == 1 for bottoms in rows.values()), rows
