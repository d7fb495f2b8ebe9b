"""The data page's workings (``pages/data.py``): uploads waiting for a decision, their checks as
tables a clerk reads, the import, discard and undo actions, and the page's safety net.

Each distinct uploaded file (by content hash) is checked once per data version and kept in the
session until it is imported or discarded. Checking and writing belong to ``sinkview.ingest.importer``;
the page lays things out.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import threading
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from sinkview.app import mapping_form
from sinkview.ingest import mappings, messages
from sinkview.ingest.contract import DATASETS, STORED_AS, Dataset
from sinkview.i18n import column_label, dataset_label, enum_label, format_number, t
from sinkview.ingest.importer import (ImportRefused, ImportResult, Notice, Validation, commit_validation,
                             undo_import, validate_upload)
from sinkview.metrics import cells
from sinkview.ingest.reader import ROW_NUMBER, STREAM_BYTES, UnreadableFile, head_rows
from sinkview.app.context import PageContext, data_version
from sinkview.tools.sample_loader import SAMPLE_USER

LOG = logging.getLogger(__name__)
UPLOADS_KEY = "sv_data_uploads"        # content hash -> UploadState, for files in the uploader
UNDO_CONFIRM_KEY = "sv_data_undo_confirm"
FLASH_KEY = "sv_data_flash"            # (message key, params) shown once after an undo
UPLOAD_FLASH_KEY = "sv_upload_flash"   # (message key, params) shown once after saving a mapping
BYTES_PER_MB = 1024 * 1024
DATASET_ORDER = {name: position for position, name in enumerate(DATASETS)}


@dataclass
class UploadState:
    """One uploaded file in this session: its check, or what the user decided.

    ``trial`` is the column mapping being set in the form (``editing``) for a file whose
    headers were not recognised, or whose saved mapping the user changes."""

    file_name: str
    validation: Validation | None = None
    checked_at_version: int | None = None   # the data version the check was made against
    checked_with: object = None             # the trial mapping the check used
    result: ImportResult | None = None
    discarded: bool = False
    head: list[list[str]] | None = None     # the file's first rows, for the mapping form
    editing: bool = False
    trial: mapping_form.TrialMapping | None = None

    @property
    def settled(self) -> bool:
        return self.result is not None or self.discarded


def upload_limit_mb() -> int:
    """The largest file accepted, in MB: ``server.maxUploadSize`` (.streamlit/config.toml)."""
    return int(st.get_option("server.maxUploadSize"))


@contextmanager
def page_boundary(ctx: PageContext, action: str):
    """Show a translated message instead of a traceback; log failures without any cell value."""
    try:
        yield
    except ImportRefused as refusal:
        st.error(ctx.t(refusal.code, **refusal.params))
    except Exception as failure:  # the page boundary: whatever happened, no traceback on screen
        _log_failure(action, failure)
        st.error(ctx.t("data.unexpected"))


def _log_failure(action: str, failure: Exception) -> None:
    """The failure's type and code path; never its message, which may quote a cell value."""
    LOG.error("data page: %s failed with %s\n%s", action, type(failure).__name__,
              "".join(traceback.format_tb(failure.__traceback__)))


# --------------------------------------------------------------------------- uploads

def pending_uploads(ctx: PageContext, uploaded_files) -> list[tuple[str, UploadState]]:
    """Each distinct file in the uploader with its state, in the order to import them.

    A file is checked when it is new or when the data changed since its check (an import can
    make its institution references valid); files removed from the uploader are forgotten."""
    known: dict[str, UploadState] = st.session_state.get(UPLOADS_KEY, {})
    current: dict[str, UploadState] = {}
    version = data_version(ctx.store)   # the store as it is now, whoever changed it
    for upload in uploaded_files or []:
        raw = upload.getvalue()
        digest = hashlib.sha256(raw).hexdigest()
        state = current.get(digest) or known.get(digest) or UploadState(upload.name)
        if not state.settled:
            _check_as_set(ctx, state, raw, digest, version)
        current[digest] = state
    st.session_state[UPLOADS_KEY] = current
    return sorted(current.items(), key=lambda item: _display_order(item[1]))


def _display_order(state: UploadState) -> tuple[int, str]:
    """Unreadable files first, then in the contract's order (institutions before the rest)."""
    dataset = state.validation.dataset if state.validation else None
    return (DATASET_ORDER.get(dataset.name, len(DATASET_ORDER)) if dataset else -1, state.file_name)


def size_refusal(size_bytes: int, limit_mb: int) -> Notice | None:
    """Why a file is refused for its size, if it is (the uploader enforces the limit too)."""
    if size_bytes <= limit_mb * BYTES_PER_MB:
        return None
    return Notice("file_too_large", {"size_mb": f"{size_bytes / BYTES_PER_MB:.1f}", "limit_mb": limit_mb})


def _check_as_set(ctx: PageContext, state: UploadState, raw: bytes, digest: str, version: int) -> None:
    """Check the file again when the data or the mapping form changed. A file whose headers
    were not recognised opens the form, pre-filled, and is checked with its guesses at once."""
    if state.head is None:
        try:
            state.head = head_rows(raw)
        except UnreadableFile:
            state.head = []
    if state.editing:
        state.trial = mapping_form.trial_from_widgets(state.trial, state.head, digest[:16])
    mapping = state.trial.as_mapping(state.head) if state.editing else None
    if state.checked_at_version == version and state.checked_with == mapping:
        return
    state.validation = _check(ctx, raw, state.file_name, digest, mapping)
    state.checked_at_version, state.checked_with = version, mapping
    error = state.validation.file_error
    if not state.editing and error is not None and error.code in mapping_form.MAPPABLE:
        dataset = error.params.get("dataset") or (state.validation.dataset.name if state.validation.dataset else None)
        if start_mapping(state, dataset):
            _check_as_set(ctx, state, raw, digest, version)


def start_mapping(state: UploadState, dataset_name: str | None, saved=None) -> bool:
    """Open the mapping form for a file: from a saved mapping, or from first guesses."""
    if not state.head:
        return False
    state.editing = True
    state.trial = mapping_form.first_guess(state.head, dataset_name, saved)
    return True


def _check(ctx: PageContext, raw: bytes, file_name: str, digest: str, mapping=None) -> Validation:
    refusal = size_refusal(len(raw), upload_limit_mb())
    if refusal is not None:
        return Validation(file_name, digest, file_error=refusal)
    try:
        if len(raw) > STREAM_BYTES:   # checked from a scratch file in bounded memory, with progress
            return _check_large(ctx, raw, file_name, mapping)
        with st.spinner(ctx.t("data.checking", file=file_name)):
            with ctx.store.read() as con:
                return validate_upload(con, raw, file_name, mapping=mapping)
    except Exception as failure:  # shown as this file's error; the page goes on
        _log_failure("checking an upload", failure)
        return Validation(file_name, digest, file_error=Notice("data.unexpected"))


def _check_large(ctx: PageContext, raw: bytes, file_name: str, mapping) -> Validation:
    bar = st.progress(0.0, text=ctx.t("data.progress.start", file=file_name))
    expected = max(raw.count(b"\n"), 1)   # lines: the rows to read, near enough for a bar

    run = get_script_run_ctx()

    def show(stage: str, rows: int) -> None:
        # Reading is the first 60 % of the bar, checking the rest. Updates during a long
        # statement come from a second thread, which the page's run lends its context.
        add_script_run_ctx(threading.current_thread(), run)
        done = min(rows / expected, 1.0)
        share = 0.6 * done if stage == "read" else 1.0 if stage == "validated" else 0.6 + 0.4 * done
        bar.progress(share, text=ctx.t(f"data.progress.{stage}", file=file_name, rows=format_number(rows)))

    with tempfile.TemporaryDirectory(prefix="sinkview-upload-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(raw)
        with ctx.store.read() as con:
            validation = validate_upload(con, path, file_name, mapping=mapping, progress=show)
    bar.empty()
    return validation


def import_upload(ctx: PageContext, digest: str, valid_rows_only: bool) -> None:
    """Write a checked file (on the user's confirmation), remember the result, refresh."""
    state = st.session_state[UPLOADS_KEY][digest]
    with page_boundary(ctx, "import"), st.spinner(ctx.t("data.importing", file=state.file_name)):
        with ctx.store.write(f"import {state.file_name}") as con:
            result = commit_validation(con, state.validation, valid_rows_only, who=ctx.user)
        refresh_cells(ctx)
        ctx.audit("import", f"{state.file_name}: {result.dataset}, import {result.import_id}, "
                            f"{result.rows_imported} rows, {result.rows_changed} changed, "
                            f"{result.rows_rejected} rejected{', valid rows only' if valid_rows_only else ''}")
        state.result, state.validation = result, None
        _data_changed()


def save_mapping(ctx: PageContext, digest: str, name: str) -> None:
    """Save the form's mapping under ``name``; the file is then read with it as a saved one."""
    state = st.session_state[UPLOADS_KEY][digest]
    with page_boundary(ctx, "save mapping"):
        try:
            with ctx.store.write(f"save mapping {name}") as con:
                saved = mappings.save(con, name, state.trial.as_mapping(state.head), who=ctx.user)
        except mappings.MappingRefused as refusal:
            st.error(ctx.t(refusal.code, **refusal.params))
            return
        ctx.audit("mapping", f"{saved.name}: {saved.dataset}")
        state.editing, state.checked_at_version = False, None
        st.session_state[UPLOAD_FLASH_KEY] = ("mapping.saved", {"name": saved.name})
        st.rerun()


def change_mapping(ctx: PageContext, digest: str) -> None:
    """Open the form on the saved mapping a file was read with."""
    state = st.session_state[UPLOADS_KEY][digest]
    with ctx.store.read() as con:
        saved = mappings.find(con, state.validation.mapping_name)
    start_mapping(state, saved.dataset if saved else None, saved)
    state.checked_at_version = None
    st.rerun()


def discard_upload(digest: str) -> None:
    state = st.session_state[UPLOADS_KEY][digest]
    state.discarded, state.validation = True, None
    st.rerun()


def undo(ctx: PageContext, import_id: int, file_name: str) -> None:
    """Revert one import (the latest of its dataset) and say so after the refresh."""
    st.session_state.pop(UNDO_CONFIRM_KEY, None)
    with page_boundary(ctx, "undo"):
        with ctx.store.write(f"undo import {import_id}") as con:
            dataset = undo_import(con, import_id)
        refresh_cells(ctx)
        ctx.audit("undo", f"import {import_id} ({file_name}, {dataset})")
        st.session_state[FLASH_KEY] = ("data.undone", {"file": file_name, "dataset": dataset_label(dataset, ctx.lang)})
        _data_changed()


def refresh_cells(ctx: PageContext) -> None:
    """Recompute the stored quarterly and yearly indicators after the ledgers changed."""
    with st.spinner(ctx.t("data.cells.refreshing")):
        cells.refresh_store(ctx.store)


def _data_changed() -> None:
    # Cached results are keyed by the data version already; clearing frees their memory.
    st.cache_data.clear()
    st.rerun()


# --------------------------------------------------------------------------- what is shown

def notice_text(ctx: PageContext, notice: Notice, dataset: Dataset | None = None) -> str:
    """A file-level message; datasets and missing columns named as the user knows them."""
    return messages.notice_text(notice.code, notice.params, ctx.lang, dataset)


def markdown_text(text: str) -> str:
    """User text (a file name) shown literally inside Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def preview_frame(validation: Validation, lang: str) -> pd.DataFrame:
    """The first normalised rows, under display names, enumerations as labels."""
    dataset = validation.dataset
    frame = validation.preview()
    names = {ROW_NUMBER: _row_label(lang)}
    for column in dataset.columns:
        stored = STORED_AS.get((dataset.name, column.name), column.name)
        if column.type == "enum" and stored in frame:
            frame[stored] = frame[stored].map(lambda code, d=column.domain: enum_label(d, code, lang),
                                              na_action="ignore")
        names[stored] = column_label(dataset.name, column.name, lang)
    return blank_missing(frame).rename(columns=names)


def blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty cells shown empty, as in the user's file (a table would print None)."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        textual = pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
        if textual or values.isna().all():   # numbers keep their type (and a blank of their own)
            shown[column] = [value if isinstance(value, str) else "" if pd.isna(value) else str(value)
                             for value in values]   # one type per column (a date as 2025-03-05)
    return shown


def error_frame(validation: Validation, lang: str) -> pd.DataFrame:
    """Every error: the row as the user sees it, the column as headed in the file, the value, why."""
    errors = validation.errors

    @cache
    def reason(code: str, detail: str | None, value: str | None) -> str:
        return messages.reason_text(validation.dataset, code, detail, value, lang)

    return pd.DataFrame({
        _row_label(lang): errors["row"].astype("int64"),
        t("data.col.column", lang): errors["column"],
        t("data.col.value", lang): errors["value"].fillna(""),
        t("data.col.reason", lang): [reason(c, None if pd.isna(d) else d, None if pd.isna(v) else v)
                                     for c, d, v in zip(errors["reason"], errors["detail"], errors["value"])],
    })


def error_widths(lang: str) -> dict[str, int]:
    """The error table's columns (px): the narrow ones fixed, so that the reason, with its
    suggested names, has the room (a table left to size itself gives every column the same)."""
    return {_row_label(lang): 60, t("data.col.column", lang): 130, t("data.col.value", lang): 180,
            t("data.col.reason", lang): 760}


def _row_label(lang: str) -> str:
    return t("data.col.row", lang)


def history_frame(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The import log under display names, datasets by name, times to the minute."""
    shown = history.copy()
    shown["dataset"] = shown["dataset"].map(lambda name: dataset_label(name, lang))
    # the bundled sample's imports, by name rather than by account
    shown["imported_by"] = shown["imported_by"].replace({SAMPLE_USER: t("data.sample_user", lang)})
    for column in ("imported_at", "undone_at"):
        shown[column] = [minute(value) for value in shown[column]]
    return blank_missing(shown).rename(columns={c: t(f"data.col.{c}", lang) for c in shown.columns})


def minute(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
