"""The small widgets every page uses: KPI cards, charts with captions, tables with downloads.

Owns the KPI cards (value, unit, change against the previous period, the volume caveat), charts
with their one-line explanation and click-to-focus, tables with a CSV download, the empty state
and the data-quality line. Pages call these and lay out; no business rules live here.
"""

from __future__ import annotations


import pandas as pd
import streamlit as st

from sinkview.app.context import PageContext
from sinkview.app.export import safe_csv
from sinkview.i18n import format_number, indicator_name, t
from sinkview.metrics import periods, quality
from sinkview.metrics.declarations import indicator
from sinkview.metrics.targets import load_targets, status


def empty_state(context: PageContext) -> None:
    st.info(context.t("frame.empty_state"), icon=":material/upload_file:")
    st.page_link("pages/data.py", label=context.t("nav.data"), icon=":material/database:")


previous_period = periods.previous_period  # pages compare with it, as the KPI cards do


def kpi_cards(context: PageContext, indicator_ids: list[str], columns: int = 4) -> None:
    """One card per indicator: value, unit and change against the previous period."""
    topics = tuple(dict.fromkeys(i.split(".", 1)[0] for i in indicator_ids))
    now = (context.filters.start, context.filters.end)
    current, before = context.indicator_periods([now, previous_period(*now)], topics)
    targets = load_targets()
    caveat = volume_caveat(context) if any(map(quality.needs_caveat, indicator_ids)) else None
    width = min(columns, len(indicator_ids))
    slots: list = []
    for index, indicator_id in enumerate(indicator_ids):
        if index % width == 0:   # a row of cards at a time, so a card that wraps pushes its row down
            slots = st.columns(width)
        item = indicator(indicator_id)
        value, old = current.get(indicator_id), before.get(indicator_id)
        delta, unchanged = card_delta(indicator_id, value, old, context.t("frame.pp"))
        direction = targets[indicator_id].direction if indicator_id in targets else item.direction
        colour = "off" if unchanged else {"higher": "normal", "lower": "inverse"}.get(direction, "off")
        name = indicator_name(indicator_id, context.lang)
        with slots[index % width]:
            st.metric(name, format_number(value, item.unit, context.lang) + _unit_suffix(context, item.unit),
                      delta=delta, delta_color=colour, delta_arrow="off" if unchanged else "auto", border=True,
                      help=f"**{name}**：{context.t(f'definition.{indicator_id}')}\n\n{context.t('frame.delta_help')}")
            if caveat and quality.needs_caveat(indicator_id):
                st.caption(f":material/warning: {caveat}")


def card_delta(indicator_id: str, value, old, points: str) -> tuple[str | None, bool]:
    """A card's change against the previous period as shown (+3.2 pp, +1.25, +12), and whether it
    is nil once rounded so (then it carries no sign, arrow or colour); None without both values."""
    if value is None or old is None:
        return None, False
    item, change = indicator(indicator_id), value - old
    if item.unit == "ratio":
        shown, text = round(change * 100, 1), f"{{:+.1f}} {points}"
    elif item.kind == "number":
        shown, text = round(change, 2), "{:+,.2f}"
    else:
        shown, text = change, "{:+,}"
    if shown == 0:
        return text.replace("+", "").format(0), True
    return text.format(shown), False


def dashes_for_missing(frame: pd.DataFrame):
    """The frame as a table shows it: a number that does not apply (a rejection rate with no
    referral received) as "—" instead of None, the column still sorting as numbers."""
    missing = [column for column in frame.columns
               if pd.api.types.is_numeric_dtype(frame[column]) and frame[column].isna().any()]
    if not missing:
        return frame
    # A table draws every null as "None" whatever its format says: the gap becomes −∞ (sorting
    # first), drawn as "—".
    shown = frame.copy()
    for column in missing:
        shown[column] = shown[column].astype("float64").fillna(float("-inf"))
    return shown.style.format(lambda value: "—" if value == float("-inf") else f"{value:,.10g}", subset=missing)


def uploader_words(lang: str, limit_mb: int) -> str:
    """A style sheet putting the file uploader's own words (Streamlit writes "Upload" and "1GB per
    file • CSV, XLSX" in English, with no setting for them) in the user's language."""
    def css_text(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    button = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
    hint = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    return (f"<style>{button}, {hint} {{font-size: 0}}"
            f"{button}::after {{content: {css_text(t('data.uploader_button', lang))}; font-size: 1rem}}"
            f"{hint}::after {{content: {css_text(t('data.uploader_hint', lang, limit_mb=limit_mb))}; "
            "font-size: 0.875rem}</style>")


def volume_caveat(context: PageContext) -> str | None:
    """"based on incomplete reporting (82%)" when the service-volume reports of the page's scope
    and period are incomplete (data-quality.md): volume.* figures carry it wherever shown."""
    return quality.caveat_from_frame(context.query(quality.COMPLETENESS_QUERY), context.lang)


def quality_line(context: PageContext) -> None:
    """One line when a monthly report is missing or a data-quality rule is violated in the page's
    scope and period, linking to the data-quality page (data-quality.md, "Where it shows")."""
    settings = quality.settings_or_spec()
    checks = quality.checks_from_frame(context.query(quality.CHECKS_QUERY, **settings))
    if not quality.anything_to_report(checks):
        return
    text, link = st.columns([4, 1], vertical_alignment="center")
    text.markdown(":material/fact_check: " + context.t(
        "quality.overview_line", completeness=format_number(checks[quality.COMPLETENESS], "ratio", context.lang),
        missing=checks["quality.volume_missing"],
        violations=quality.validation_violations(checks)))
    link.page_link("pages/quality.py", label=context.t("quality.overview_link"), icon=":material/arrow_forward:",
                   query_params=context.url_params())


def _unit_suffix(context: PageContext, unit: str) -> str:
    """A short unit after a card's number; none where the name already says it (每千人口…)."""
    if unit in ("ratio", "count", "per_1000", "per_10k"):
        return ""
    # A non-breaking hyphen: a card too narrow for "1,716 person-days" wraps before the unit,
    # not inside it (the browser finds the glyph in a fallback font; exports keep the plain one).
    return " " + context.t(f"unit.{unit}").replace("-", "\u2011")


def status_of(indicator_id: str, value) -> str | None:
    targets = load_targets()
    return status(value, targets[indicator_id]) if indicator_id in targets else None


def chart(context: PageContext, figure, caption_key: str, key: str, selectable: bool = False) -> list[dict]:
    """A Plotly chart, full width, with its one-line explanation; returns the selected points."""
    event = st.plotly_chart(
        figure, width="stretch", key=key, theme=None,  # our theme (fonts, contrast), not Streamlit's
        on_select="rerun" if selectable else "ignore",
        selection_mode=("points",) if selectable else ("points", "box", "lasso"),
        config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
    )
    st.caption(context.t(caption_key))
    if selectable and event is not None:
        return list(event.get("selection", {}).get("points", []))
    return []


def narrow_to_clicked(points: list[dict], chart_key: str, selected_key: str, current: str | None) -> None:
    """Focus the page on the township (``customdata[0]``) of a newly clicked point: keep it under
    ``selected_key`` and rerun. The same selection seen again (Streamlit returns it on every
    rerun) is not a new click."""
    signature = repr(points)
    if not points or st.session_state.get(f"{chart_key}_handled") == signature:
        return
    st.session_state[f"{chart_key}_handled"] = signature
    clicked = next((p["customdata"][0] for p in points
                    if p.get("customdata") and isinstance(p["customdata"][0], str)), None)
    if clicked and clicked != current:
        st.session_state[selected_key] = clicked
        st.rerun()


def table(context: PageContext, frame: pd.DataFrame, name: str, key: str, widths: dict[str, int] | None = None) -> None:
    """A table with a CSV download that Excel opens (UTF-8 with BOM) and that is formula-safe;
    ``widths`` fixes some columns' widths (px), leaving the rest the room."""
    config = {column: st.column_config.Column(width=width) for column, width in (widths or {}).items()}
    st.dataframe(dashes_for_missing(frame), hide_index=True, width="stretch", key=f"{key}_table",
                 column_config=config or None)
    detail = f"{name}.csv, {len(frame)} rows, {context.filters.period}, {context.filters.community or '*'}"
    st.download_button(context.t("frame.download_csv"), data=safe_csv(frame), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_download", icon=":material/download:",
                       on_click=context.audit, args=("export", detail))
