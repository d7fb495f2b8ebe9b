"""The briefing as a PDF: the same slides as the PowerPoint deck, printed by headless Chromium.

Owns the HTML of the slides (one 1280 × 720 CSS-pixel page each, which is the deck's
13.333 × 7.5 inches; text at 14 pt or more, as on the deck), and printing it with the Chromium
the set-up already installs (``--headless --print-to-pdf``; no LibreOffice). Charts are the
deck's own PNGs (``sinkview.briefing.deck.render_charts``), embedded in the page, and fonts are the
machine's Noto Sans CJK: the page asks nothing of any host. Nothing here computes a number.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from sinkview.briefing.slides import Kpi, ScorecardSlide, Slide, TitleSlide, TopicSlide
from sinkview.charts.theme import STATUS_COLOURS
from sinkview.briefing.deck import (
    CHART_BOX, KPI_BOX, MARGIN, SENTENCES_BOX, SIZES, STATUS_TINT_ALPHA, TEXT_FONT, fitted_sentences, footer_text,
    kpi_value_size, render_charts,
)
from sinkview.i18n import t
from sinkview.metrics.scorecard import TOPICS

PX_PER_INCH = 96  # CSS pixels: 1280 × 720 is the deck's 13.333 × 7.5 inches
PRINT_TIMEOUT_S = 120
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-extensions", "--disable-default-apps")


class PdfError(RuntimeError):
    """Chromium is missing or could not print the slides."""


def chromium_path() -> str:
    """Debian's Chromium, or ``$BROWSER_PATH`` (as kaleido finds it)."""
    found = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise PdfError("Chromium not found (install Debian's chromium or set BROWSER_PATH)")
    return found


def _px(emu: int) -> str:
    return f"{emu / 914400 * PX_PER_INCH:.1f}px"


def _pt(size: float) -> str:
    return f"{size}pt"


def _box(box) -> str:
    left, top, width, height = box
    return f"left:{_px(left)};top:{_px(top)};width:{_px(width)};height:{_px(height)}"


def _tint(status: str | None) -> str:
    if status is None:
        return "#FFFFFF"
    colour = STATUS_COLOURS[status]
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * STATUS_TINT_ALPHA):02X}" for c in channels)


def _e(text: str) -> str:
    return html.escape(str(text))


STYLE = f"""
@page {{ size: 1280px 720px; margin: 0; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: "{TEXT_FONT}", "Noto Sans CJK SC", sans-serif; color: #1F1F1F; }}
.slide {{ position: relative; width: 1280px; height: 720px; overflow: hidden; break-after: page; }}
.slide:last-child {{ break-after: auto; }}
.abs {{ position: absolute; }}
h1 {{ margin: 0; font-size: {_pt(SIZES['title'])}; font-weight: 700; line-height: 1.15; }}
.footer {{ font-size: {_pt(SIZES['footer'])}; color: #595959; text-align: right; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
td, th {{ border: 1px solid #BFBFBF; padding: 2px 8px; vertical-align: middle; overflow: hidden; }}
th {{ background: #EEEEEE; text-align: left; }}
.kpi td {{ text-align: center; }}
.sentences {{ font-size: {_pt(SIZES['sentences'])}; margin: 0; padding-left: 1.2em; }}
.sentences li {{ margin-bottom: 8pt; }}
"""


def _title_html(slide: TitleSlide) -> str:
    return f"""<section class="slide">
  <div class="abs" style="left:86px;top:115px;width:1104px;height:211px;display:flex;align-items:flex-end">
    <h1 style="font-size:{_pt(SIZES['cover_title'])}">{_e(slide.title)}</h1></div>
  <div class="abs" style="left:86px;top:355px;width:1104px">
    <div style="font-size:{_pt(SIZES['cover_scope'])};font-weight:700;margin-bottom:10pt">{_e(slide.scope)}</div>
    <div style="font-size:{_pt(SIZES['cover_period'])};color:#595959;margin-bottom:6pt">{_e(slide.period)}</div>
    <div style="font-size:{_pt(SIZES['cover_generated'])};color:#595959">{_e(slide.generated)}</div>
  </div>
</section>"""


def _heading(title: str) -> str:
    return (f'<div class="abs" style="left:{_px(MARGIN)};top:29px;width:{1280 - 2 * 48}px;height:77px;'
            f'display:flex;align-items:center"><h1>{_e(title)}</h1></div>')


def _footer(text: str, number: int, total: int) -> str:
    return (f'<div class="abs footer" style="left:{_px(MARGIN)};top:676px;width:{1280 - 2 * 48}px">'
            f'{_e(footer_text(text, number, total))}</div>')


def _scorecard_html(slide: ScorecardSlide, lang: str) -> str:
    headers = [t(f"briefing.column.{name}", lang) for name in ("topic", "indicator", "value", "target", "status")]
    widths = ("14%", "40%", "16%", "18%", "12%")
    size = _pt(SIZES["scorecard"])
    rows = []
    for topic in TOPICS:
        own = [kpi for kpi in slide.rows if kpi.topic == topic]
        for index, kpi in enumerate(own):
            topic_cell = (f'<th rowspan="{len(own)}">{_e(t(f"topic.{topic}", lang))}</th>' if index == 0 else "")
            rows.append(f"<tr>{topic_cell}<td>{_e(kpi.name)}</td>"
                        f'<td style="text-align:right;font-weight:700">{_e(kpi.value_text)}</td>'
                        f'<td style="color:#595959">{_e(kpi.target_text)}</td>'
                        f'<td style="text-align:center;background:{_tint(kpi.status)}">{_e(kpi.status_text)}</td></tr>')
    head = "".join(f'<th style="width:{w}">{_e(h)}</th>' for h, w in zip(headers, widths))
    sentences = "".join(f"<li>{_e(s)}</li>" for s in slide.sentences)
    return f"""<section class="slide">{_heading(slide.title)}
  <div class="abs" style="left:{_px(MARGIN)};top:115px;width:{1280 - 2 * 48}px">
    <table style="font-size:{size}"><tr style="height:40px">{head}</tr>
    {"".join(rows).replace("<tr>", '<tr style="height:40px">')}</table>
    {f'<ul class="sentences" style="margin-top:12pt">{sentences}</ul>' if sentences else ''}
  </div>
__FOOTER__</section>"""


def _kpi_html(kpis: Sequence[Kpi]) -> str:
    names = "".join(f'<td style="background:#EEEEEE;font-weight:700;font-size:{_pt(SIZES["kpi_name"])}">'
                    f"{_e(k.name)}</td>" for k in kpis)
    value_size = _pt(kpi_value_size(kpis))
    values = "".join(f'<td style="font-weight:700;font-size:{value_size}">{_e(k.value_text)}</td>' for k in kpis)
    targets = "".join(f'<td style="color:#595959;font-size:{_pt(SIZES["kpi_target"])};background:{_tint(k.status)}">'
                      f"{_e(k.target_line) or '&nbsp;'}</td>" for k in kpis)
    return f'<table class="kpi"><tr>{names}</tr><tr>{values}</tr><tr>{targets}</tr></table>'


def _topic_html(slide: TopicSlide, image: bytes, lang: str) -> str:
    picture = base64.b64encode(image).decode("ascii")
    sentences, size = fitted_sentences(list(slide.sentences) or [t("briefing.no_sentences", lang)], lang)
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences)
    return f"""<section class="slide">{_heading(slide.title)}
  <div class="abs" style="{_box(KPI_BOX)}">{_kpi_html(slide.kpis)}</div>
  <img class="abs" style="{_box(CHART_BOX)};object-fit:contain" alt="{_e(slide.title)}"
       src="data:image/png;base64,{picture}">
  <div class="abs" style="{_box(SENTENCES_BOX)}"><ul class="sentences" style="font-size:{_pt(size)}">{items}</ul></div>
__FOOTER__</section>"""


def slides_html(slides: Sequence[Slide], images: Sequence[bytes], lang: str) -> str:
    """The whole document: one ``section.slide`` per slide, in order."""
    charts = iter(images)
    heading = next((slide for slide in slides if isinstance(slide, TitleSlide)), None)
    footer = f"{heading.scope} · {heading.period}" if heading else ""
    pages = []
    for number, slide in enumerate(slides, start=1):
        if isinstance(slide, TitleSlide):
            pages.append(_title_html(slide))
            continue
        page = (_scorecard_html(slide, lang) if isinstance(slide, ScorecardSlide)
                else _topic_html(slide, next(charts), lang))
        pages.append(page.replace("__FOOTER__", _footer(footer, number, len(slides))))
    title = _e(heading.title) if heading else ""
    return (f'<!doctype html><html lang="{ "zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>{''.join(pages)}</body></html>")


def print_pdf(document: str) -> bytes:
    """Print an HTML document with headless Chromium; returns the PDF's bytes."""
    with tempfile.TemporaryDirectory(prefix="sinkview-pdf-") as folder:
        page, out = Path(folder) / "slides.html", Path(folder) / "slides.pdf"
        page.write_text(document, encoding="utf-8")
        command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={folder}/profile",
                   f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT_S,
                                  env={**os.environ, "HOME": folder})
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {PRINT_TIMEOUT_S} s") from None
        if not out.exists() or out.stat().st_size == 0:
            raise PdfError(f"Chromium printed nothing (exit {done.returncode}): "
                           f"{done.stderr.decode('utf-8', 'replace').strip()[-300:]}")
        return out.read_bytes()


def build_pdf(slides: Sequence[Slide], lang: str, out: str | Path | BinaryIO,
              images: Sequence[bytes] | None = None) -> None:
    """Write ``slides`` as a PDF, one page per slide, to a path or a binary buffer; ``images``
    are the charts already rendered for the deck (rendered here when not given)."""
    pdf = print_pdf(slides_html(slides, render_charts(slides) if images is None else images, lang))
    if hasattr(out, "write"):
        out.write(pdf)
    else:
        Path(out).write_bytes(pdf)
