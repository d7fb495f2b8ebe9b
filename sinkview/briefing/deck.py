"""The PowerPoint deck of a briefing: 16:9 slides with editable titles and KPI tables, charts
as high-resolution PNGs, and speaker notes with the narrative and the indicator definitions.

Owns the slide geometry, the text font (Noto Sans CJK SC for Latin and East Asian text alike, so
Chinese never turns into boxes) and rendering every chart of a deck through one headless
Chromium (kaleido). The slides come from ``sinkview.briefing.slides``; nothing here computes a number.
"""

from __future__ import annotations

import asyncio
import io
import math
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import kaleido
import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.slide import Slide as PptxSlide
from pptx.util import Emu, Inches, Pt

from sinkview.briefing.slides import Kpi, ScorecardSlide, Slide, TitleSlide, TopicSlide
from sinkview.charts.theme import STATUS_COLOURS
from sinkview.i18n import t
from sinkview.metrics.scorecard import TOPICS

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
TEXT_FONT = "Noto Sans CJK SC"
LANGUAGE_TAGS = {"zh": "zh-CN", "en": "en-US"}
TEXT_COLOUR = RGBColor(0x1F, 0x1F, 0x1F)
MUTED_COLOUR = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = RGBColor(0xEE, 0xEE, 0xEE)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
# Status cells are tinted as the overview's (sinkview.charts.overview.TINT_ALPHA, not imported:
# that module loads Streamlit, which the command line does not need).
STATUS_TINT_ALPHA = 0.28

# Topic slides: KPI table across the top, the chart below left, the sentences to its right.
KPI_BOX = (MARGIN, Inches(1.2), CONTENT_WIDTH, Inches(1.35))
CHART_BOX = (MARGIN, Inches(2.75), Inches(8.2), Inches(4.3))
SENTENCES_BOX = (Inches(8.95), Inches(2.75), Inches(3.88), Inches(4.3))
# A chart is laid out at CHART_PX_PER_INCH and rendered CHART_SCALE times larger: 2,300 px
# wide, sharp on a projector and when zoomed. Its text is at least CHART_MIN_FONT_PX (20 px at
# 100 px an inch prints at 14.4 pt).
CHART_PX_PER_INCH = 100
CHART_SCALE = 2.8
CHART_MIN_FONT_PX = 20
# The scorecard: at most briefing.SCORECARD_ROWS indicators a slide, in one table across the slide.
SCORECARD_TOP = Inches(1.2)
SCORECARD_COLUMNS = (1.7, 4.9, 1.9, 2.4, 1.43)  # topic, indicator, value, target, status (inches)
SCORECARD_ROW_HEIGHT = Inches(0.42)
# Text sizes in points: nothing on a slide is smaller than 14 pt, readable from the back of a
# meeting room (the PDF uses the same sizes).
SIZES = {
    "title": 30, "footer": 14, "kpi_name": 14, "kpi_value": 26, "kpi_target": 14, "scorecard": 16,
    "sentences": 16, "cover_title": 40, "cover_scope": 28, "cover_period": 22, "cover_generated": 16,
}


# --------------------------------------------------------------------------- fitting text

def _width_em(text: str, latin: float = 0.6) -> float:
    """A text's width in ems at any size: a CJK character is one em, any other about ``latin``
    (0.6 in bold, 0.5 in regular weight: Noto Sans' average with spaces)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else latin for ch in text)


def kpi_value_size(kpis: Sequence[Kpi]) -> float:
    """The KPI values' size: SIZES["kpi_value"], smaller (to 18 pt) when the longest value would
    wrap in its column (“1,716 person-days”), which pushed the target line under the chart."""
    column_pt = KPI_BOX[2] / max(len(kpis), 1) / Pt(1) - 16   # less the cell's margins
    longest = max((_width_em(kpi.value_text) for kpi in kpis), default=0)
    return next((size for size in (SIZES["kpi_value"], 22, 20) if longest * size <= column_pt), 18)


def fitted_sentences(sentences: Sequence[str], lang: str) -> tuple[list[str], float]:
    """The sentences a topic slide's box holds, and their size: SIZES["sentences"], else 14 pt,
    else those that fit at 14 pt and a line saying the rest are in the notes."""
    width_pt = SENTENCES_BOX[2] / Pt(1) - 30    # the bullet's indent and the box's margins
    height_pt = SENTENCES_BOX[3] / Pt(1) - 14

    def height(lines: Sequence[str], size: float) -> float:
        rows = sum(max(1, math.ceil(_width_em(line, 0.5) * size / width_pt)) for line in lines)
        return rows * size * 1.25 + 8 * max(len(lines) - 1, 0)

    for size in (SIZES["sentences"], 14):
        if height(sentences, size) <= height_pt:
            return list(sentences), size
    rest = t("briefing.more_in_notes", lang)
    kept = [s for index, s in enumerate(sentences) if height([*sentences[:index + 1], rest], 14) <= height_pt]
    return [*kept, rest], 14


# --------------------------------------------------------------------------- charts

def chart_images(figures: Sequence[go.Figure], width_px: int, height_px: int,
                 scale: float = CHART_SCALE, image_format: str = "png") -> list[bytes]:
    """Every figure as an image of ``width_px`` × ``height_px`` layout pixels, all rendered by one
    Chromium that is started here and closed when the last figure is done.

    One ``kaleido.Kaleido`` per call rather than kaleido's process-wide sync server: that server
    is shared by every thread (two sessions exporting at once would mix their answers) and waits
    forever when Chromium cannot start, where this raises."""
    options = {"format": image_format, "width": width_px, "height": height_px, "scale": scale}

    async def render_all() -> list[bytes]:
        async with kaleido.Kaleido(n=1, mathjax=False) as renderer:  # MathJax would come from a CDN
            return [await renderer.calc_fig(figure, opts=options) for figure in figures]

    # In a thread of its own: the caller may already run an event loop (Playwright, Tornado),
    # and asyncio.run refuses to start a second one in the same thread.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, render_all()).result()


def chart_size_px() -> tuple[int, int]:
    """The layout size of a topic slide's chart, matching ``CHART_BOX``."""
    width, height = CHART_BOX[2], CHART_BOX[3]
    return round(width / Inches(1) * CHART_PX_PER_INCH), round(height / Inches(1) * CHART_PX_PER_INCH)


def projector_fonts(figure: go.Figure, minimum_px: int = CHART_MIN_FONT_PX) -> go.Figure:
    """A copy of ``figure`` whose every font is at least ``minimum_px`` (the screen's 13-14 px
    would print at 9-10 pt on a slide)."""
    spec = figure.to_plotly_json()

    def lift(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont") \
                        and isinstance(value, dict):
                    size = value.get("size")
                    if isinstance(size, (int, float)) and size < minimum_px:
                        value["size"] = minimum_px
                    elif isinstance(size, list):
                        value["size"] = [max(s, minimum_px) if isinstance(s, (int, float)) else s for s in size]
                lift(value)
        elif isinstance(node, list):
            for item in node:
                lift(item)

    lift(spec)
    layout = spec.setdefault("layout", {})
    font = layout.setdefault("font", {})
    font["size"] = max(font.get("size") or 0, minimum_px)
    return go.Figure(spec)


def render_charts(slides: Sequence[Slide]) -> list[bytes]:
    """The chart of every topic slide, in order, as the deck and the PDF place it."""
    return chart_images([projector_fonts(slide.figure) for slide in slides if isinstance(slide, TopicSlide)],
                        *chart_size_px())


def footer_text(text: str, number: int, total: int) -> str:
    return f"{text}    {number} / {total}"


# --------------------------------------------------------------------------- text

def _style_run(run, lang: str, size: float, bold: bool = False, colour: RGBColor = TEXT_COLOUR) -> None:
    """Font, size and colour of a run; the typeface is set for Latin, East Asian (``a:ea``,
    which PowerPoint uses for Chinese) and complex scripts, and the language is tagged."""
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    run.font.name = TEXT_FONT  # writes a:latin
    properties = run._r.get_or_add_rPr()
    properties.set("lang", LANGUAGE_TAGS[lang])
    for tag in ("a:cs", "a:ea"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
        typeface = OxmlElement(tag)
        typeface.set("typeface", TEXT_FONT)
        properties.get_or_add_latin().addnext(typeface)  # schema order: latin, ea, cs


def _bullet(paragraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    properties.set("marL", str(Inches(0.22)))
    properties.set("indent", str(-Inches(0.22)))
    bullet = OxmlElement("a:buChar")
    bullet.set("char", "•")
    properties.append(bullet)


def _write(frame, lines: Sequence[str], lang: str, size: float, bold: bool = False,
           colour: RGBColor = TEXT_COLOUR, align=PP_ALIGN.LEFT, bullets: bool = False,
           space_after: float = 0) -> None:
    """Replace a text frame's text with ``lines``, one paragraph each."""
    frame.clear()
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.space_after = Pt(space_after)
        if bullets:
            _bullet(paragraph)
        run = paragraph.add_run()
        run.text = line
        _style_run(run, lang, size, bold, colour)


def _text_box(slide, box, lines, lang, size, **style) -> None:
    _write(slide.shapes.add_textbox(*box).text_frame, lines, lang, size, **style)


def _title(slide, text: str, lang: str) -> None:
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.3), CONTENT_WIDTH, Inches(0.8)
    title.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _write(title.text_frame, [text], lang, SIZES["title"], bold=True)


def _footer(slide, text: str, number: int, total: int, lang: str) -> None:
    box = (MARGIN, Inches(7.0), CONTENT_WIDTH, Inches(0.4))
    _text_box(slide, box, [footer_text(text, number, total)], lang, SIZES["footer"], colour=MUTED_COLOUR,
              align=PP_ALIGN.RIGHT)


def _notes(slide, sentences: Sequence[str], definitions, lang: str) -> None:
    """Speaker notes: the talking points, then the exact definition of every indicator shown."""
    lines = [t("briefing.notes.talking_points", lang)]
    lines += [f"• {sentence}" for sentence in sentences] or [f"• {t('briefing.no_sentences', lang)}"]
    lines += ["", t("briefing.notes.definitions", lang)]
    lines += [t("briefing.notes.definition", lang, name=d.name, id=d.indicator_id, definition=d.text)
              for d in definitions]
    lines.append(t("briefing.notes.ranks", lang))
    _write(slide.notes_slide.notes_text_frame, lines, lang, 12)


# --------------------------------------------------------------------------- tables

def _tint(status: str | None) -> RGBColor:
    """The status colour blended onto white, as the overview tints its status cells."""
    colour = STATUS_COLOURS[status]
    channels = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return RGBColor(*(round(255 - (255 - c) * STATUS_TINT_ALPHA) for c in channels))


def _cell(table, row: int, column: int, text: str, lang: str, size: float, bold: bool = False,
          fill: RGBColor = WHITE, colour: RGBColor = TEXT_COLOUR, align=PP_ALIGN.LEFT) -> None:
    cell = table.cell(row, column)
    cell.fill.solid()
    cell.fill.fore_color.rgb = fill
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.margin_left = cell.margin_right = Inches(0.06)
    cell.margin_top = cell.margin_bottom = Inches(0.02)
    _write(cell.text_frame, [text], lang, size, bold, colour, align)


def _kpi_table(slide, kpis: Sequence[Kpi], lang: str) -> None:
    """One column per KPI: its name, its value (large) and its target with the status."""
    left, top, width, height = KPI_BOX
    table = slide.shapes.add_table(3, len(kpis), left, top, width, height).table
    table.first_row = False
    table.horz_banding = False
    for row, row_height in enumerate((Inches(0.4), Inches(0.6), Inches(0.35))):
        table.rows[row].height = row_height
    value_size = kpi_value_size(kpis)
    for column, kpi in enumerate(kpis):
        table.columns[column].width = Emu(width // len(kpis))
        _cell(table, 0, column, kpi.name, lang, SIZES["kpi_name"], bold=True, fill=HEADER_FILL, align=PP_ALIGN.CENTER)
        _cell(table, 1, column, kpi.value_text, lang, value_size, bold=True, align=PP_ALIGN.CENTER)
        _cell(table, 2, column, kpi.target_line, lang, SIZES["kpi_target"],
              fill=_tint(kpi.status) if kpi.status else WHITE,
              colour=MUTED_COLOUR, align=PP_ALIGN.CENTER)


def _scorecard_tables(slide, rows: Sequence[Kpi], lang: str) -> None:
    """The slide's indicators (at most ``briefing.SCORECARD_ROWS``) in one table across the
    slide; the topic cell spans the topic's rows, the status cell is tinted like the overview's."""
    size = SIZES["scorecard"]
    headers = [t(f"briefing.column.{name}", lang) for name in ("topic", "indicator", "value", "target", "status")]
    shape = slide.shapes.add_table(len(rows) + 1, len(headers), MARGIN, SCORECARD_TOP,
                                   Inches(sum(SCORECARD_COLUMNS)), SCORECARD_ROW_HEIGHT * (len(rows) + 1))
    table = shape.table
    for column, inches in enumerate(SCORECARD_COLUMNS):
        table.columns[column].width = Inches(inches)
    for row in table.rows:
        row.height = SCORECARD_ROW_HEIGHT
    for column, header in enumerate(headers):
        _cell(table, 0, column, header, lang, size, bold=True, fill=HEADER_FILL)
    for row, kpi in enumerate(rows, start=1):
        _cell(table, row, 1, kpi.name, lang, size)
        _cell(table, row, 2, kpi.value_text, lang, size, bold=True, align=PP_ALIGN.RIGHT)
        _cell(table, row, 3, kpi.target_text, lang, size, colour=MUTED_COLOUR)
        _cell(table, row, 4, kpi.status_text, lang, size, align=PP_ALIGN.CENTER,
              fill=_tint(kpi.status) if kpi.status else WHITE)
    for topic in TOPICS:
        topic_rows = [row for row, kpi in enumerate(rows, start=1) if kpi.topic == topic]
        if topic_rows:
            _cell(table, topic_rows[0], 0, t(f"topic.{topic}", lang), lang, size, bold=True, fill=HEADER_FILL)
            if len(topic_rows) > 1:
                table.cell(topic_rows[0], 0).merge(table.cell(topic_rows[-1], 0))


# --------------------------------------------------------------------------- slides

def _title_slide(prs, slide: TitleSlide, lang: str) -> None:
    page = prs.slides.add_slide(prs.slide_layouts[0])
    title, subtitle = page.shapes.title, page.placeholders[1]
    title.left, title.top, title.width, title.height = Inches(0.9), Inches(1.2), Inches(11.5), Inches(2.2)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = Inches(0.9), Inches(3.7), Inches(11.5), Inches(2.4)
    title.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM  # one line or two, it ends above the subtitle
    _write(title.text_frame, [slide.title], lang, SIZES["cover_title"], bold=True)
    _write(subtitle.text_frame, [slide.scope], lang, SIZES["cover_scope"], bold=True, space_after=10)
    for line, size in ((slide.period, SIZES["cover_period"]), (slide.generated, SIZES["cover_generated"])):
        paragraph = subtitle.text_frame.add_paragraph()
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.space_after = Pt(6)
        run = paragraph.add_run()
        run.text = line
        _style_run(run, lang, size, colour=MUTED_COLOUR)
    _write(page.notes_slide.notes_text_frame, [slide.note], lang, 12)


def _scorecard_slide(prs, slide: ScorecardSlide, lang: str) -> PptxSlide:
    page = prs.slides.add_slide(prs.slide_layouts[5])
    _title(page, slide.title, lang)
    _scorecard_tables(page, slide.rows, lang)
    _notes(page, [*slide.talking_points, *slide.sentences], slide.definitions, lang)
    return page


def _topic_slide(prs, slide: TopicSlide, image: bytes, lang: str) -> PptxSlide:
    page = prs.slides.add_slide(prs.slide_layouts[5])
    _title(page, slide.title, lang)
    _kpi_table(page, slide.kpis, lang)
    picture = page.shapes.add_picture(io.BytesIO(image), *CHART_BOX)
    picture.name = f"chart {slide.topic}"
    picture._element.nvPicPr.cNvPr.set("descr", slide.figure.layout.title.text or slide.title)
    sentences, size = fitted_sentences(list(slide.sentences) or [t("briefing.no_sentences", lang)], lang)
    _text_box(page, SENTENCES_BOX, sentences, lang, size, bullets=bool(slide.sentences), space_after=8)
    _notes(page, slide.sentences, slide.definitions, lang)
    return page


def build_deck(slides: Sequence[Slide], lang: str, out: str | Path | BinaryIO,
               images: Sequence[bytes] | None = None) -> None:
    """Write ``slides`` (from ``sinkview.briefing.slides.build_slides``) as a 16:9 ``.pptx`` to a path
    or a binary buffer; ``images`` are the charts from ``render_charts`` (rendered here, in one
    Chromium session, when not given: the PDF of the same slides can reuse them)."""
    images = iter(render_charts(slides) if images is None else images)
    heading = next((slide for slide in slides if isinstance(slide, TitleSlide)), None)
    footer = f"{heading.scope} · {heading.period}" if heading else ""

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    prs.core_properties.title = heading.title if heading else ""
    prs.core_properties.language = LANGUAGE_TAGS[lang]
    for number, slide in enumerate(slides, start=1):
        if isinstance(slide, TitleSlide):
            _title_slide(prs, slide, lang)
            continue
        page = (_scorecard_slide(prs, slide, lang) if isinstance(slide, ScorecardSlide)
                else _topic_slide(prs, slide, next(images), lang))
        _footer(page, footer, number, len(slides), lang)
    prs.save(out)
