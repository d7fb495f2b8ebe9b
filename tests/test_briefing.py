"""The briefing deck on the sample county: slides and titles, KPI tables equal to the indicator
registry, chart pictures, speaker notes with the narrative and the definitions, CJK fonts in the
text and in the rendered charts, and the ``briefing`` command's success and errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from sinkview.briefing import cli as briefing_cli
from sinkview.app import widgets
from sinkview.briefing.slides import (TOPIC_PLANS, Kpi, ScorecardSlide, TitleSlide, TopicSlide, build_slides, period_code,
                                      scorecard_points)
from sinkview.charts.theme import FONT_FAMILY
from sinkview.briefing.deck import TEXT_FONT, build_deck, chart_images, chart_size_px
from sinkview.i18n import LANGUAGES, catalogue, t
from sinkview.metrics.declarations import INDICATORS
from sinkview.metrics.evaluator import compute_indicators
from sinkview.metrics.targets import load_targets
from sinkview.metrics.narrative import narrative
from sinkview.store.named_queries import run_query
from sinkview.tools.sample_loader import load_sample
from sinkview.metrics.scorecard import format_value, year_ago_period
from sinkview.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
START, END = dt.date(2025, 10, 1), dt.date(2025, 12, 31)
TODAY = dt.date(2026, 1, 5)
TOPICS = [plan.topic for plan in TOPIC_PLANS]
SCORECARD_SLIDES = 5  # every indicator, at most 12 a slide, a topic whole where it fits (test_briefing_pdf)


def scorecard_rows(slides) -> list:
    return [row for slide in slides if isinstance(slide, ScorecardSlide) for row in slide.rows]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("briefing") / "sample.duckdb"
    store = Store(path)
    load_sample(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def cursor(sample_db):
    with Store(sample_db, shared=True).read() as con:  # read-only, so the command may read it too
        yield con


@pytest.fixture(scope="module")
def decks(cursor, tmp_path_factory) -> dict:
    """Per language: the slides and the deck reopened with python-pptx."""
    folder = tmp_path_factory.mktemp("decks")
    built = {}
    for lang in LANGUAGES:
        slides = build_slides(cursor, START, END, None, lang, today=TODAY)
        build_deck(slides, lang, folder / f"{lang}.pptx")
        built[lang] = (slides, Presentation(str(folder / f"{lang}.pptx")))
    return built


def tables(slide) -> list:
    return [shape.table for shape in slide.shapes if shape.has_table]


def pictures(slide) -> list:
    return [shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]


def text_frames(deck):
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield shape.text_frame
            if shape.has_table:
                yield from (cell.text_frame for row in shape.table.rows for cell in row.cells)
        yield slide.notes_slide.notes_text_frame


def topic_sentences(cursor, lang: str) -> dict[str, list[str]]:
    """The narrative the overview would show for the period, by topic."""
    current = compute_indicators(cursor, START, END, None)
    previous = compute_indicators(cursor, *widgets.previous_period(START, END), None)
    year_ago = compute_indicators(cursor, *year_ago_period(START, END), None)
    gaps = run_query(cursor, "overview/townships_without_expert", start=START, end=END, community=None)
    by_topic: dict[str, list[str]] = {}
    for sentence in narrative(current, previous, year_ago, load_targets(), lang, gaps):
        by_topic.setdefault(sentence.topic, []).append(sentence.text)
    return by_topic


# --------------------------------------------------------------------------- the deck

@pytest.mark.parametrize("lang", LANGUAGES)
def test_deck_is_16_9_with_title_scorecard_and_one_slide_per_topic(decks, lang):
    slides, deck = decks[lang]
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    titles = [slide.shapes.title.text for slide in deck.slides]
    scorecards = [t("briefing.scorecard_page", lang, title=t("briefing.scorecard_title", lang), number=n,
                    total=SCORECARD_SLIDES) for n in range(1, SCORECARD_SLIDES + 1)]
    assert titles == [t("briefing.deck_title", lang), *scorecards, *(t(f"topic.{topic}", lang) for topic in TOPICS)]
    subtitle = deck.slides[0].placeholders[1].text_frame.text
    assert t("briefing.whole_county", lang) in subtitle
    assert "2025-10-01" in subtitle and TODAY.isoformat() in subtitle


@pytest.mark.parametrize("lang", LANGUAGES)
def test_topic_slides_show_the_registry_values_and_their_chart(decks, cursor, lang):
    registry = compute_indicators(cursor, START, END, None)
    slides, deck = decks[lang]
    topics = 1 + SCORECARD_SLIDES
    for slide, page in zip(slides[topics:], list(deck.slides)[topics:]):
        assert isinstance(slide, TopicSlide)
        assert 3 <= len(slide.kpis) <= 4
        assert {kpi.indicator_id: kpi.value for kpi in slide.kpis} == {
            kpi.indicator_id: registry[kpi.indicator_id] for kpi in slide.kpis}
        (kpi_table,) = tables(page)
        assert [cell.text for cell in kpi_table.rows[0].cells] == [kpi.name for kpi in slide.kpis]
        assert [cell.text for cell in kpi_table.rows[1].cells] == [
            format_value(kpi.indicator_id, registry[kpi.indicator_id], lang) for kpi in slide.kpis]
        (picture,) = pictures(page)
        image = Image.open(io.BytesIO(picture.image.blob))
        assert image.width >= 2000, "charts are high-resolution"
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 20, f"blank chart on {slide.topic}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_scorecard_lists_every_indicator_with_value_and_status(decks, cursor, lang):
    registry = compute_indicators(cursor, START, END, None)
    slides, deck = decks[lang]
    rows = [[cell.text for cell in row.cells] for page in list(deck.slides)[1:1 + SCORECARD_SLIDES]
            for table in tables(page) for row in list(table.rows)[1:]]
    assert len(rows) == len(INDICATORS)
    for row, item in zip(rows, INDICATORS):
        assert row[1] == (item.name_zh if lang == "zh" else item.name_en)
        assert row[2] == format_value(item.id, registry[item.id], lang)
    statuses = {row[4] for row in rows}
    assert t("overview.status.missed", lang) in statuses


@pytest.mark.parametrize("lang", LANGUAGES)
def test_notes_carry_the_topic_narrative_and_the_definitions_shown(decks, cursor, lang):
    sentences = topic_sentences(cursor, lang)
    slides, deck = decks[lang]
    assert deck.slides[0].notes_slide.notes_text_frame.text
    scorecard_notes = "".join(page.notes_slide.notes_text_frame.text for page in list(deck.slides)[1:1 + SCORECARD_SLIDES])
    assert all(t(f"definition.{item.id}", lang) in scorecard_notes for item in INDICATORS)
    for slide, page in zip(slides[1 + SCORECARD_SLIDES:], list(deck.slides)[1 + SCORECARD_SLIDES:]):
        notes = page.notes_slide.notes_text_frame.text
        assert t("briefing.notes.definitions", lang) in notes
        for kpi in slide.kpis:
            assert t(f"definition.{kpi.indicator_id}", lang) in notes
        assert list(slide.sentences) == sentences.get(slide.topic, [])
        for sentence in slide.sentences:
            assert sentence in notes


def test_every_indicator_has_a_one_line_definition_in_both_languages():
    entries = catalogue()
    for item in INDICATORS:
        entry = entries[f"definition.{item.id}"]
        for lang in LANGUAGES:
            assert entry[lang].strip() and "\n" not in entry[lang], (item.id, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_all_text_is_set_in_the_cjk_font_for_latin_and_east_asian_script(decks, lang):
    _, deck = decks[lang]
    runs = [run for frame in text_frames(deck) for paragraph in frame.paragraphs for run in paragraph.runs]
    assert runs
    for run in runs:
        properties = run._r.find(qn("a:rPr"))
        assert properties.find(qn("a:latin")).get("typeface") == TEXT_FONT
        assert properties.find(qn("a:ea")).get("typeface") == TEXT_FONT


# --------------------------------------------------------------------------- chart rendering

def test_a_chart_renders_sharp_not_blank_and_in_the_cjk_font(decks):
    figure = next(slide for slide in decks["zh"][0] if isinstance(slide, TopicSlide)).figure
    assert figure.layout.font.family == FONT_FAMILY and FONT_FAMILY.startswith('"Noto Sans CJK SC"')
    width, height = chart_size_px()
    png, pdf = (chart_images([figure], width, height, image_format=kind)[0] for kind in ("png", "pdf"))
    image = Image.open(io.BytesIO(png))
    assert image.size == (round(width * 2.8), round(height * 2.8))
    assert max(ImageStat.Stat(image.convert("L")).stddev) > 20
    # Chromium embeds the fonts it really drew with: a Chinese chart must embed Noto Sans CJK
    # only (a fallback font would mean some glyphs were missing from it).
    embedded = set(re.findall(rb"/(?:FontName|BaseFont)\s*/[A-Z]{6}\+([A-Za-z0-9\-]+)", pdf))
    assert embedded and all(name.startswith(b"NotoSansCJK") for name in embedded), embedded


# --------------------------------------------------------------------------- slide content

def test_slides_follow_the_community_filter(cursor):
    community = "清河县中医医共体"
    slides = build_slides(cursor, START, END, community, "zh", today=TODAY)
    assert isinstance(slides[0], TitleSlide) and slides[0].scope == community
    registry = compute_indicators(cursor, START, END, community)
    assert {row.indicator_id: row.value for row in scorecard_rows(slides)} == registry


def test_period_codes_of_the_slides():
    assert period_code(START, END) == "2025-Q4"
    assert period_code(dt.date(2025, 2, 1), dt.date(2025, 2, 28)) == "2025-02"
    assert period_code(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == "2025"
    assert period_code(dt.date(2025, 1, 5), dt.date(2025, 2, 3)) == "2025-01-05~2025-02-03"


# --------------------------------------------------------------------------- the command

def parse(argv: list[str]) -> argparse.Namespace:
    """The arguments as ``python -m sinkview`` parses them (its --lang defaults to zh)."""
    parser = argparse.ArgumentParser(prog="python -m sinkview")
    parser.add_argument("--lang", choices=LANGUAGES, default="zh")
    briefing_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_command_writes_the_deck_and_prints_its_path(sample_db, tmp_path, capsys):
    out = tmp_path / "汇报.pptx"
    args = parse(["briefing", "--db", str(sample_db), "--start", "2025-07-01", "--end", "2025-09-30",
                  "--community", "清河县第一医共体", "--lang", "en", "--out", str(out)])
    assert briefing_cli.run(args) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out) and captured.err == ""
    deck = Presentation(str(out))
    assert len(deck.slides) == 1 + SCORECARD_SLIDES + len(TOPICS)
    assert deck.slides[1].shapes.title.text == f"Scorecard (1/{SCORECARD_SLIDES})"
    assert "清河县第一医共体" in deck.slides[0].placeholders[1].text_frame.text


def test_command_warns_when_no_ledger_reaches_the_period_and_still_writes(sample_db, tmp_path, capsys):
    out = tmp_path / "deck.pptx"
    args = parse(["briefing", "--db", str(sample_db), "--start", "2030-01-01", "--end", "2030-03-31",
                  "--lang", "en", "--out", str(out)])
    assert briefing_cli.run(args) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("warning: no ledger covers 2030-01-01 to 2030-03-31 (the data runs from ")
    assert captured.out.strip() == str(out) and out.is_file()


@pytest.mark.parametrize(("change", "message"), [
    ({"--end": "2025-06-30"}, "is before --start"),
    ({"--community": "不存在医共体"}, "unknown medical community"),
    ({"--db": "missing.duckdb"}, "no database at"),
    ({"--out": "deck.docx"}, "must name a .pptx or .pdf file"),
    ({"--out": "no/such/folder/deck.pptx"}, "no such folder"),
])
def test_command_refuses_bad_arguments_in_one_line(sample_db, tmp_path, capsys, change, message):
    values = {"--db": str(sample_db), "--start": "2025-07-01", "--end": "2025-09-30",
              "--out": str(tmp_path / "deck.pptx"), **change}
    for option in ("--db", "--out"):
        if not Path(values[option]).is_absolute():
            values[option] = str(tmp_path / values[option])
    args = parse(["briefing", "--lang", "en", *(item for pair in values.items() for item in pair)])
    assert briefing_cli.run(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "deck.pptx").exists()


def test_command_rejects_a_malformed_date_with_a_usage_error(sample_db, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(["briefing", "--db", str(sample_db), "--start", "2025-13-01", "--end", "2025-12-31",
               "--out", str(tmp_path / "deck.pptx")])
    assert exit_info.value.code == 2
    assert "not a date (YYYY-MM-DD): 2025-13-01" in capsys.readouterr().err


def test_python_m_sinkview_briefing(sample_db, tmp_path):
    from sinkview.tools.cli import build_parser

    commands = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    if "briefing" not in commands.choices:
        pytest.skip("sinkview/tools/cli.py does not register the briefing command yet")
    out = tmp_path / "deck.pptx"
    db = tmp_path / "copy.duckdb"  # the module's cursor holds sample_db open, and DuckDB locks it
    shutil.copy(sample_db, db)
    done = subprocess.run([sys.executable, "-m", "sinkview", "briefing", "--db", str(db), "--start",
                           "2025-10-01", "--end", "2025-12-31", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out) and len(Presentation(str(out)).slides) == 1 + SCORECARD_SLIDES + len(TOPICS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_scorecard_notes_name_the_pages_missed_and_near_targets_and_its_sentences_stay_on_its_rows(decks, cursor, lang):
    sentences = topic_sentences(cursor, lang)
    slides, deck = decks[lang]
    for slide, page in zip(slides[1:1 + SCORECARD_SLIDES], list(deck.slides)[1:1 + SCORECARD_SLIDES]):
        notes = page.notes_slide.notes_text_frame.text
        assert t("briefing.no_sentences", lang) not in notes   # a scorecard is not a topic
        missed = [kpi.name for kpi in slide.rows if kpi.status == "missed"]
        if missed:
            assert t("briefing.points.missed", lang, items=missed) in notes
        page_topics = {kpi.topic for kpi in slide.rows}
        for topic, texts in sentences.items():   # service volume has no topic slide: on its rows' page
            if topic == "volume":
                assert all(text in slide.sentences for text in texts) == ("volume" in page_topics)


def test_scorecard_points_say_what_missed_what_came_near_or_that_all_met():
    def kpi(name: str, status: str | None) -> Kpi:
        return Kpi(name, "rotation", name, 1, "1", "≥ 2", status, "", "")
    assert scorecard_points([kpi("甲", "missed"), kpi("乙", "near"), kpi("丙", "met"), kpi("丁", "missed")], "zh") == (
        "未达标：甲、丁。", "接近目标：乙。")
    assert scorecard_points([kpi("A", "met"), kpi("B", None)], "en") == ("Every indicator on this page with a target met it.",)
    assert scorecard_points([kpi("A", None)], "zh") == ("本页指标没有政策目标，只看变化方向。",)


def test_a_long_kpi_value_is_set_smaller_so_that_it_does_not_wrap():
    from sinkview.briefing.deck import SIZES, kpi_value_size

    def kpi(value_text: str) -> Kpi:
        return Kpi("rotation.expert_days", "rotation", "x", 1, value_text, "", None, "", "")
    assert kpi_value_size([kpi("89.5%"), kpi("54.8%"), kpi("1,716 人日"), kpi("0.19")]) == SIZES["kpi_value"]
    smaller = kpi_value_size([kpi("1,716 person-days"), kpi("89.5%"), kpi("54.8%"), kpi("0.19 per 10,000")])
    assert 18 <= smaller < SIZES["kpi_value"]


def test_sentences_shrink_to_14_pt_then_leave_the_rest_to_the_notes():
    from sinkview.briefing.deck import SIZES, fitted_sentences
    short = ["下沉人次为 130，比上一期上升 30。"]
    assert fitted_sentences(short, "zh") == (short, SIZES["sentences"])
    long = ["Stationed mid/senior doctors per 10,000 residents stood at 0.19 per 10,000, down 0.31 per 10,000 "
            "(62.2%) on the same period a year before (0.51 per 10,000): a deterioration."] * 3
    kept, size = fitted_sentences(long, "en")
    assert size == 14 and kept == long
    kept, size = fitted_sentences(long * 3, "en")
    assert size == 14 and kept[-1] == t("briefing.more_in_notes", "en") and 1 <= len(kept) - 1 < 9


def test_a_slides_coverage_matrix_names_only_the_centres_with_the_fewest_expert_days():
    from sinkview.charts.rotation import coverage_matrix_figure
    frame = pd.DataFrame({"inst_id": [f"T{i}" for i in range(6)], "inst_name": [f"卫生院{i}" for i in range(6)],
                          "township": "", "month": pd.to_datetime(["2025-10-01"] * 6),
                          "expert_days": [5, 0, 9, 1, 7, 3]})
    figure = coverage_matrix_figure(frame, "zh", max_rows=3)
    assert list(figure.layout.yaxis.tickvals) == ["T1", "T3", "T5"]      # in the query's order
    assert figure.layout.title.text == "专家人日最少的 3 个乡镇卫生院（共 6 个），按月"
    assert len(coverage_matrix_figure(frame, "zh").layout.yaxis.tickvals) == 6
