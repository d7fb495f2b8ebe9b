"""Import messages in words: a file-level notice or a row error's reason, in the user's
language, with codes (datasets, columns, enumeration values) shown as the user names them.

The command line and the data page both print through here, so a message reads the same in
both. It does not decide what is an error (``sinkview.ingest.importer`` does).
"""

from __future__ import annotations

from sinkview.ingest.contract import DATASETS, DOMAINS, Dataset
from sinkview.i18n import column_label, dataset_label, enum_label, t


# Reasons whose detail lists institutions (suggested names, candidate codes, items of a list).
LISTED_DETAILS = ("unknown_inst_suggest", "ambiguous_inst", "unknown_inst_in_list", "ambiguous_inst_in_list")


def notice_text(code: str, params: dict, lang: str, dataset: Dataset | None = None, with_codes: bool = False) -> str:
    """A file-level message (file_*, warn_*, mapping_*): dataset and column codes as labels
    (``with_codes``: the dataset's code too, as the command line's --dataset takes it)."""
    params = dict(params)
    named = DATASETS.get(params.get("dataset") or "") or dataset
    if named is not None and "dataset" in params:
        label = dataset_label(named.name, lang)
        params["dataset"] = f"{label} ({named.name})" if with_codes else label
    for key in ("columns", "missing"):
        if named is not None and key in params and code in ("file_missing_columns", "file_resembles"):
            params[key] = [column_label(named.name, name, lang) for name in params[key]]
    return t(code, lang, **params)


def reason_text(dataset: Dataset | None, code: str, detail: str | None, value: str | None, lang: str) -> str:
    """A row error's reason, naming the value and, where one exists, the fix."""
    return t(f"reason.{code}", lang, detail=_detail_text(dataset, code, detail, lang), value=value or "")


def _detail_text(dataset: Dataset | None, code: str, detail: str | None, lang: str) -> str | list[str] | None:
    """An error's detail in words: enumeration codes become labels; a list of institutions
    (stored joined by 、) is joined as the language joins a list."""
    if code in LISTED_DETAILS and detail:
        return detail.split("、")
    if code == "wrong_tier":
        return enum_label("tier", detail, lang)
    if code == "bad_enum" and detail in DOMAINS:
        # The accepted values as the user may write them: the Chinese labels, or the codes.
        return [enum_label(detail, value, lang) if lang == "zh" else value for value in DOMAINS[detail]]
    if code == "required_unless" and dataset is not None:
        rule = next(r for r in dataset.rules if r.kind == "required_unless" and r.value == detail)
        return enum_label(dataset.column(rule.other).domain, detail, lang)
    return detail
