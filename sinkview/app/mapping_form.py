"""The column-mapping form of the data page: for a file whose headers were not recognised, the
ledger's fields (required first), each with a choice of the file's columns pre-filled with the
best guesses, saved under a name for the next file of the same shape; and the list of saved
mappings that editors rename and delete.

Owns the form's widgets and the trial mapping they describe. Reading a file with a mapping is
``sinkview.ingest.reader``'s, storing one ``sinkview.ingest.mappings``'.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from sinkview.ingest import mappings
from sinkview.ingest.contract import DATASETS
from sinkview.i18n import column_label, dataset_label, format_number
from sinkview.ingest.reader import ColumnMapping, closest_dataset, header_signature, likely_header_row

# File-level problems a mapping can solve: the header was not (fully) recognised.
MAPPABLE = frozenset({"file_no_header", "file_no_header_for", "file_resembles", "file_missing_columns",
                      "file_no_patient_identity", "mapping_does_not_fit"})
NOT_MAPPED = ""   # the choice "this field is not in my file"
DELETE_CONFIRM_KEY = "sv_mapping_delete_pending"


@dataclass
class TrialMapping:
    """What the form shows: a dataset, the header row (0-based in the file's first rows) and
    the header chosen for each field."""

    dataset: str
    header_row: int
    fields: dict[str, str | None]

    def as_mapping(self, head: list[list[str]]) -> ColumnMapping:
        header = tuple(str(cell) for cell in head[self.header_row]) if head else ()
        return ColumnMapping(self.dataset, {f: h for f, h in self.fields.items() if h}, header)


def _key(upload_key: str, *parts) -> str:
    return "_".join(["sv_map", upload_key, *map(str, parts)])


def first_guess(head: list[list[str]], dataset_name: str | None, mapping: ColumnMapping | None = None) -> TrialMapping:
    """The form's starting point: a saved mapping as it was, or the ledger the file most
    resembles, its likely header row and the guessed column of each field."""
    if mapping is not None:
        signature = mapping.signature
        row = next((i for i, cells in enumerate(head) if header_signature(cells) == signature), None)
        if row is None:
            row = likely_header_row(head, DATASETS[mapping.dataset])
        fields = {f: mapping.fields.get(f) for f in mappings.fields_in_order(DATASETS[mapping.dataset])}
        return TrialMapping(mapping.dataset, row, fields)
    if dataset_name is None:
        guess = closest_dataset(head)
        dataset_name = guess[0].name if guess else next(iter(DATASETS))
    dataset = DATASETS[dataset_name]
    row = likely_header_row(head, dataset)
    return TrialMapping(dataset_name, row, mappings.guess_fields(dataset, head[row] if head else []))


def trial_from_widgets(trial: TrialMapping, head: list[list[str]], upload_key: str) -> TrialMapping:
    """The trial as the user has set the form: another ledger or header row starts from new
    guesses; otherwise each field takes the column chosen in its widget."""
    state = st.session_state
    dataset = state.get(_key(upload_key, "dataset"), trial.dataset)
    row = int(state.get(_key(upload_key, "row"), trial.header_row + 1)) - 1
    row = min(max(row, 0), max(len(head) - 1, 0))
    if dataset != trial.dataset or row != trial.header_row:
        return TrialMapping(dataset, row, mappings.guess_fields(DATASETS[dataset], head[row] if head else []))
    fields = {}
    for field in mappings.fields_in_order(DATASETS[dataset]):
        chosen = state.get(_key(upload_key, dataset, row, field), trial.fields.get(field) or NOT_MAPPED)
        fields[field] = chosen or None
    return TrialMapping(dataset, row, fields)


def render_form(ctx, trial: TrialMapping, head: list[list[str]], upload_key: str) -> str | None:
    """The form itself; returns the name to save the mapping under when the user asks."""
    st.markdown(f"**:material/table_chart: {ctx.t('mapping.title')}**")
    st.caption(ctx.t("mapping.intro"))
    names = list(DATASETS)
    with st.container(horizontal=True):
        st.selectbox(ctx.t("mapping.dataset"), names, index=names.index(trial.dataset), key=_key(upload_key, "dataset"),
                     format_func=lambda name: dataset_label(name, ctx.lang))
        st.number_input(ctx.t("mapping.header_row"), min_value=1, max_value=max(len(head), 1),
                        value=trial.header_row + 1, step=1, key=_key(upload_key, "row"))
    header = [str(cell).strip() for cell in (head[trial.header_row] if head else []) if str(cell).strip()]
    options = [NOT_MAPPED, *dict.fromkeys(header)]
    dataset = DATASETS[trial.dataset]
    grid = st.columns(3)
    for position, field in enumerate(mappings.fields_in_order(dataset)):
        column = dataset.column(field)
        label = column_label(trial.dataset, field, ctx.lang)
        if column.required:
            label = ctx.t("mapping.required_field", field=label)
        chosen = trial.fields.get(field) or NOT_MAPPED
        with grid[position % 3]:
            st.selectbox(label, options, index=options.index(chosen) if chosen in options else 0,
                         key=_key(upload_key, trial.dataset, trial.header_row, field),
                         format_func=lambda cell: cell or ctx.t("mapping.not_mapped"))
    used = [h for h in trial.fields.values() if h]
    if len(used) != len(set(used)):
        st.warning(ctx.t("mapping.column_twice"), icon=":material/warning:")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.text_input(ctx.t("mapping.save_name"), key=_key(upload_key, "name"),
                             placeholder=ctx.t("mapping.save_placeholder"))
        if st.button(ctx.t("mapping.save"), key=_key(upload_key, "save"), icon=":material/save:"):
            return name
    return None


def render_saved_mappings(ctx) -> None:
    """The saved mappings; editors rename and delete them."""
    with ctx.store.read() as con:
        saved = mappings.listing(con)
    if saved.empty:
        st.info(ctx.t("mapping.none_saved"))
        return
    shown = saved.assign(dataset=saved["dataset"].map(lambda name: dataset_label(name, ctx.lang)),
                         fields=saved["fields"].map(format_number),
                         updated_at=saved["updated_at"].map(lambda v: f"{v:%Y-%m-%d %H:%M}"))
    st.dataframe(shown.rename(columns={c: ctx.t(f"mapping.col.{c}") for c in shown.columns}), hide_index=True,
                 key="sv_mappings_table")
    if not ctx.can_upload:
        return
    chosen = st.selectbox(ctx.t("mapping.choose"), saved["name"].tolist(), key="sv_mapping_chosen")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        new_name = st.text_input(ctx.t("mapping.new_name"), value=chosen, key=f"sv_mapping_new_name_{chosen}")
        if st.button(ctx.t("mapping.rename"), key="sv_mapping_rename", icon=":material/edit:"):
            _change(ctx, lambda con: mappings.rename(con, chosen, new_name), "mapping.renamed", old=chosen, new=new_name)
        if st.session_state.get(DELETE_CONFIRM_KEY) != chosen:
            if st.button(ctx.t("mapping.delete"), key="sv_mapping_delete", icon=":material/delete:"):
                st.session_state[DELETE_CONFIRM_KEY] = chosen
                st.rerun()
        elif st.button(ctx.t("mapping.delete_confirm", name=chosen), key="sv_mapping_delete_confirm", type="primary"):
            st.session_state.pop(DELETE_CONFIRM_KEY, None)
            _change(ctx, lambda con: mappings.delete(con, chosen), "mapping.deleted", name=chosen)


def _change(ctx, action, done_key: str, **params) -> None:
    """``action(connection)`` in one write of the store; then say so, or why not."""
    try:
        with ctx.store.write(f"{done_key} {params}") as con:
            action(con)
    except mappings.MappingRefused as refusal:
        st.error(ctx.t(refusal.code, **refusal.params))
        return
    ctx.audit("mapping", ctx.t(done_key, **params))
    st.session_state["sv_mapping_flash"] = (done_key, params)
    st.rerun()
