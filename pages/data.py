"""数据管理 · Data management: upload ledgers, check and preview them, then import or discard;
the import history with undo; a blank template per dataset.

Results used: data/import_history, data/undoable_imports (queries/data/). Checking and writing
are sinkview.ingest.importer's; upload state and the tables shown are sinkview.app.data_page's.
"""

from pathlib import Path

import streamlit as st

from sinkview.app import data_page, mapping_form
from sinkview.ingest import templates
from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.ingest.contract import DATASETS
from sinkview.i18n import dataset_description, dataset_label, format_number
from sinkview.ingest.importer import PREVIEW_ROWS

ctx = app_frame.page_context()


def show_uploads() -> None:
    """The uploader (for those who may upload) and every uploaded file waiting for a decision."""
    if not ctx.can_upload:
        st.info(ctx.t("data.upload_demo" if ctx.demo_mode else "data.upload_not_allowed"), icon=":material/lock:")
        return
    flash = st.session_state.pop(data_page.UPLOAD_FLASH_KEY, None)
    if flash:
        st.success(ctx.t(flash[0], **flash[1]))
    limit_mb = data_page.upload_limit_mb()
    st.html(widgets.uploader_words(ctx.lang, limit_mb))
    uploaded = st.file_uploader(ctx.t("data.uploader"), type=["csv", "xlsx"], accept_multiple_files=True,
                                key="sv_upload", max_upload_size=limit_mb)
    st.caption(ctx.t("data.upload_limit", limit_mb=limit_mb))
    for digest, state in data_page.pending_uploads(ctx, uploaded):
        with st.container(border=True):
            st.markdown(f"**:material/description: {data_page.markdown_text(state.file_name)}**")
            show_upload(digest, state)


def show_upload(digest: str, state: data_page.UploadState) -> None:
    """One file: what was done with it, or its check (dataset, preview, notes, errors) and the choices."""
    if state.result is not None:
        result = state.result
        st.success(ctx.t("data.imported", file=state.file_name, dataset=dataset_label(result.dataset, ctx.lang),
                         rows=format_number(result.rows_imported), new=format_number(result.rows_new),
                         replaced=format_number(result.rows_replaced), unchanged=format_number(result.rows_unchanged),
                         rejected=format_number(result.rows_rejected)))
        return
    if state.discarded:
        st.info(ctx.t("data.discarded", file=state.file_name))
        return
    validation, key = state.validation, digest[:16]
    if state.editing:
        with st.container(border=True):
            name = mapping_form.render_form(ctx, state.trial, state.head, key)
        if name is not None:
            data_page.save_mapping(ctx, digest, name)
    elif validation.mapping_name:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.info(ctx.t("mapping.used", name=validation.mapping_name), icon=":material/table_chart:")
            if ctx.can_upload and st.button(ctx.t("mapping.change"), key=f"sv_map_change_{key}", icon=":material/edit:"):
                data_page.change_mapping(ctx, digest)
    if validation.file_error is not None:
        st.error(data_page.notice_text(ctx, validation.file_error, validation.dataset))
    else:
        st.markdown(ctx.t("data.summary", dataset=dataset_label(validation.dataset.name, ctx.lang),
                          rows=format_number(validation.rows_total), valid=format_number(validation.rows_valid),
                          rejected=format_number(validation.rows_rejected)))
        with st.expander(ctx.t("data.preview", limit=PREVIEW_ROWS)):
            st.dataframe(data_page.preview_frame(validation, ctx.lang), hide_index=True, key=f"sv_preview_{key}")
        if validation.warnings:
            st.warning("\n".join(f"- {data_page.notice_text(ctx, notice)}" for notice in validation.warnings),
                       icon=":material/info:")
        if validation.error_count:
            st.error(ctx.t("data.errors", count=format_number(validation.error_count)))
            if validation.error_count > len(validation.errors):
                st.caption(ctx.t("data.errors_first", shown=format_number(len(validation.errors))))
            widgets.table(ctx, data_page.error_frame(validation, ctx.lang), f"{Path(state.file_name).stem}_errors",
                          key=f"sv_errors_{key}", widths=data_page.error_widths(ctx.lang))
        st.caption(ctx.t("data.not_written"))
    with st.container(horizontal=True):
        if validation.file_error is None:
            whole_file_ok = validation.ok and validation.rows_valid > 0
            if st.button(ctx.t("data.import"), key=f"sv_import_{key}", type="primary", disabled=not whole_file_ok,
                         help=None if whole_file_ok else ctx.t("data.import_help")):
                data_page.import_upload(ctx, digest, valid_rows_only=False)
            if validation.error_count and validation.rows_valid:
                if st.button(ctx.t("data.import_valid_only", rows=format_number(validation.rows_valid)),
                             key=f"sv_import_valid_{key}"):
                    data_page.import_upload(ctx, digest, valid_rows_only=True)
        if st.button(ctx.t("data.discard"), key=f"sv_discard_{key}"):
            data_page.discard_upload(digest)


def show_mappings() -> None:
    """The saved column mappings; editors rename and delete them."""
    flash = st.session_state.pop("sv_mapping_flash", None)
    if flash:
        st.success(ctx.t(flash[0], **flash[1]))
    mapping_form.render_saved_mappings(ctx)


def show_history() -> None:
    """Every import, and the undo of each dataset's latest (county-wide: not for a scoped user)."""
    flash = st.session_state.pop(data_page.FLASH_KEY, None)
    if flash:
        st.success(ctx.t(flash[0], **flash[1]))
    if ctx.community_scope is not None:
        st.info(ctx.t("data.history_county_wide"))
        return
    history = ctx.query("data/import_history")
    if history.empty:
        st.info(ctx.t("data.history_empty"))
        return
    widgets.table(ctx, data_page.history_frame(history, ctx.lang), ctx.t("data.history_file_name"), key="sv_history")
    undoable = ctx.query("data/undoable_imports")
    if ctx.can_undo and not undoable.empty:
        st.subheader(ctx.t("data.undo_title"), anchor=False)
        st.caption(ctx.t("data.undo_intro"))
        for undoable_import in undoable.itertuples():
            show_undo(undoable_import)


def show_undo(row) -> None:
    """The undo of a dataset's latest import, confirmed by a second click."""
    if st.session_state.get(data_page.UNDO_CONFIRM_KEY) != row.import_id:
        if st.button(ctx.t("data.undo_button", dataset=dataset_label(row.dataset, ctx.lang), file=row.file_name,
                           when=data_page.minute(row.imported_at)), key=f"sv_undo_{row.dataset}", icon=":material/undo:"):
            st.session_state[data_page.UNDO_CONFIRM_KEY] = row.import_id
            st.rerun()
        return
    st.warning(ctx.t("data.undo_confirm", file=row.file_name, rows=format_number(row.rows_changed),
                     dataset=dataset_label(row.dataset, ctx.lang)))
    with st.container(horizontal=True):
        if st.button(ctx.t("data.undo_confirm_button"), key=f"sv_undo_confirm_{row.dataset}", type="primary"):
            data_page.undo(ctx, row.import_id, row.file_name)
        if st.button(ctx.t("data.cancel"), key=f"sv_undo_cancel_{row.dataset}"):
            st.session_state.pop(data_page.UNDO_CONFIRM_KEY, None)
            st.rerun()


def show_templates() -> None:
    """A blank template of the chosen dataset (XLSX with notes, CSV, CSV notes) and its columns."""
    st.caption(ctx.t("data.templates_intro"))
    name = st.selectbox(ctx.t("data.template_dataset"), list(DATASETS), key="sv_template_dataset",
                        format_func=lambda dataset: dataset_label(dataset, ctx.lang))
    dataset, label = DATASETS[name], dataset_label(name, ctx.lang)
    st.caption(dataset_description(name, ctx.lang))
    template_name = ctx.t("data.template.file_template", dataset=label)
    notes_name = ctx.t("data.template.file_notes", dataset=label)
    with st.container(horizontal=True):
        st.download_button(ctx.t("data.template_xlsx"), templates.template_xlsx(name, ctx.lang),
                           f"{template_name}.xlsx", key="sv_template_xlsx", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:")
        st.download_button(ctx.t("data.template_csv"), templates.template_csv(name), f"{template_name}.csv",
                           mime="text/csv", key="sv_template_csv", on_click="ignore", icon=":material/download:")
        st.download_button(ctx.t("data.template_notes_csv"), templates.explanation_csv(name, ctx.lang),
                           f"{notes_name}.csv", mime="text/csv", key="sv_template_notes", on_click="ignore",
                           icon=":material/download:")
    st.table(templates.explanation_frame(dataset, ctx.lang), hide_index=True)


st.title(ctx.t("nav.data"), anchor=False)
st.caption(ctx.t("data.intro"))
sections = {"data.tab_upload": show_uploads, "data.tab_history": show_history, "data.tab_mappings": show_mappings,
            "data.tab_templates": show_templates}
for tab, (label_key, show) in zip(st.tabs([ctx.t(key) for key in sections]), sections.items()):
    with tab, data_page.page_boundary(ctx, label_key):
        show()
