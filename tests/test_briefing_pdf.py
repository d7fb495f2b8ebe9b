"""The briefing on a projector and as a PDF: scorecard slides of at most 12 rows, no text under
14 pt in the PPTX, the PDF printed by Chromium with a page per slide, the title and the KPI
values in its text, and the schedule's periods of the command line.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import unicodedata
from pathlib import Path

import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.util import Pt
from pypdf import PdfReader

from sinkview.briefing.slides import SCORECARD_ROWS, Kpi, ScorecardSlide, TopicSlide, build_slides, scorecard_pages
from sinkview.briefing.cli import BriefingError, resolve_period
from sinkview.briefing.deck import SIZES, build_deck, projector_fonts, render_charts
from sinkview.briefing.deck_pdf import build_pdf, slides_html
from sinkview.i18n import t
from sinkview.metrics.declarations import INDICATORS
from sinkview.tools.sample_loader import load_sample
from sinkview.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
START, END, TODAY = dt.date(2025, 10, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 5)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "sample.duckdb"
    store = Store(path)
    load_sample(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def rendered(sample_db):
    """The sample county's slides, their charts rendered once, the deck and the PDF of them."""
    with Store(sample_db, shared=True).read() as con:
        slides = build_slides(con, START, END, None, "zh", today=TODAY)
    images = render_charts(slides)
    deck, pdf = io.BytesIO(), io.BytesIO()
    build_deck(slides, "zh", deck, images)
    build_pdf(slides, "zh", pdf, images)
    return slides, Presentation(io.BytesIO(deck.getvalue())), PdfReader(io.BytesIO(pdf.getvalue()))


def kpi(topic: str, number: int) -> Kpi:
    return Kpi(f"{topic}.{number}", topic, f"{topic} {number}", number, str(number), "—", None, "—", "")


# --------------------------------------------------------------------------- projector

def test_scorecard_pages_keep_topics_whole_and_hold_at_most_twelve():
    rows = ([kpi("a", i) for i in range(5)] + [kpi("b", i) for i in range(7)] + [kpi("c", i) for i in range(14)]
            + [kpi("d", i) for i in range(3)])
    pages = scorecard_pages(rows)
    assert [[k.topic for k in page] for page in pages] == [
        ["a"] * 5 + ["b"] * 7, ["c"] * 12, ["c"] * 2 + ["d"] * 3]
    assert [k for page in pages for k in page] == rows  # every row once, in order


def test_every_indicator_is_on_a_scorecard_slide_of_at_most_twelve_rows(rendered):
    slides, deck, _ = rendered
    scorecards = [slide for slide in slides if isinstance(slide, ScorecardSlide)]
    assert len(scorecards) >= 2
    assert [row.indicator_id for slide in scorecards for row in slide.rows] == [item.id for item in INDICATORS]
    assert all(len(slide.rows) <= SCORECARD_ROWS for slide in scorecards)
    assert scorecards[0].title == t("briefing.scorecard_page", "zh", title=t("briefing.scorecard_title", "zh"),
                                    number=1, total=len(scorecards))
    for page in deck.slides:
        for shape in page.shapes:
            if shape.has_table:
                assert len(shape.table.rows) <= SCORECARD_ROWS + 1  # and the header


def test_no_text_on_a_slide_is_smaller_than_14_pt(rendered):
    _, deck, _ = rendered
    sizes = []
    for page in deck.slides:
        for shape in page.shapes:
            frames = ([cell.text_frame for row in shape.table.rows for cell in row.cells] if shape.has_table
                      else [shape.text_frame] if shape.has_text_frame else [])
            sizes += [run.font.size for frame in frames for paragraph in frame.paragraphs for run in paragraph.runs
                      if run.text.strip()]
    assert sizes and None not in sizes
    assert min(sizes) >= Pt(14)
    assert min(SIZES.values()) >= 14  # the PDF uses the same sizes


def test_chart_text_is_lifted_for_the_projector():
    figure = go.Figure(go.Scatter(x=[1], y=[1], text=["甲"], mode="text", textfont={"size": 13}))
    figure.update_layout(font={"size": 14}, title={"text": "标题", "font": {"size": 24}},
                         annotations=[{"text": "注", "font": {"size": 10}, "x": 1, "y": 1}])
    lifted = projector_fonts(figure)
    assert lifted.data[0].textfont.size == 20 and lifted.layout.font.size == 20
    assert lifted.layout.annotations[0].font.size == 20 and lifted.layout.title.font.size == 24
    assert figure.data[0].textfont.size == 13  # the screen's figure is untouched


# --------------------------------------------------------------------------- PDF

def test_the_pdf_has_a_page_per_slide_with_the_title_and_kpi_values(rendered):
    slides, deck, pdf = rendered
    assert len(pdf.pages) == len(slides) == len(deck.slides)
    def text(number: int) -> str:  # Noto CJK maps some glyphs to Kangxi radicals (⽬ for 目): fold them
        return unicodedata.normalize("NFKC", pdf.pages[number].extract_text())

    first = text(0)
    assert t("briefing.deck_title", "zh") in first
    topic = next(slide for slide in slides if isinstance(slide, TopicSlide))
    page = text(slides.index(topic))
    assert topic.title in page and topic.kpis[0].value_text in page
    box = pdf.pages[0].mediabox  # 1280 × 720 CSS px = 960 × 540 pt, the deck's 16:9
    assert (round(float(box.width)), round(float(box.height))) == (960, 540)


def test_the_html_asks_nothing_of_any_host(rendered):
    slides, _, _ = rendered
    document = slides_html(slides, [b"png"] * sum(isinstance(s, TopicSlide) for s in slides), "zh")
    assert "http://" not in document and "https://" not in document and "//" not in document.replace("://", "")


# --------------------------------------------------------------------------- the schedule

def test_relative_periods():
    today = dt.date(2026, 2, 10)
    assert resolve_period("last-quarter", today) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert resolve_period("last-quarter", dt.date(2026, 8, 1)) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert resolve_period("last-month", today) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert resolve_period("last-month", dt.date(2026, 3, 31)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert resolve_period("this-year", today) == (dt.date(2026, 1, 1), today)
    assert resolve_period("2025-Q3", today) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    with pytest.raises(BriefingError, match="unknown --period"):
        resolve_period("next-quarter", today, "en")
    with pytest.raises(BriefingError, match="无法识别的 --period"):
        resolve_period("next-quarter", today)


def test_the_command_writes_both_files_for_a_period(sample_db, tmp_path):
    deck, pdf = tmp_path / "汇报.pptx", tmp_path / "汇报.pdf"
    done = subprocess.run([sys.executable, "-m", "sinkview", "briefing", "--db", str(sample_db), "--period", "2025-Q4",
                           "--out", str(deck), "--out", str(pdf)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(deck), str(pdf)]
    assert len(PdfReader(pdf).pages) == len(Presentation(str(deck)).slides)
    refused = subprocess.run([sys.executable, "-m", "sinkview", "briefing", "--db", str(sample_db), "--period",
                              "2025-Q4", "--start", "2025-01-01", "--out", str(deck)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 1 and "请只给 --period" in refused.stderr
