"""The base models the indicator aggregates read, and how each model's rows meet a period.

Owns, per named model: the relation (a staging macro of ``queries/staging/``, where its rules
are written once), how its rows fall in a period — an event date in it, an interval
overlapping it (with the days clipped to it), a snapshot as of its end (ASOF join), or a state
that does not depend on the period — and which columns name the communities and townships a
row belongs to (a referral or movement between two communities belongs to both). The
evaluator composes these; it knows no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

EVENT, OVERLAP, AS_OF, STATE = "event", "overlap", "as_of", "state"


@dataclass(frozen=True)
class BaseModel:
    name: str
    relation: str                  # the staging macro call (as_of models take $as_of_dates)
    time: str                      # event | overlap | as_of | state
    date_columns: tuple[str, ...]  # event: (date,); overlap: (first day, last day); else ()
    communities: tuple[str, ...]   # columns naming the communities a row belongs to
    townships: tuple[str, ...]     # columns naming the townships a row belongs to
    clipped: str | None = None     # overlap: the column the days clipped to the period get
    institutions: tuple[str, ...] = ()  # columns naming the institutions a row may be filtered on


MODELS: dict[str, BaseModel] = {model.name: model for model in (
    BaseModel("referrals", "ranked_referrals()", EVENT, ("referral_date",),
              ("from_community", "to_community"), ("from_township", "to_township"),
              institutions=("from_inst_id", "to_inst_id")),
    BaseModel("stints", "downward_stints()", OVERLAP, ("start_date", "end_date"),
              ("host_community",), ("host_township",), clipped="days_in_period"),
    BaseModel("township_centres", "township_centres_in_scope(null, null)", STATE, (),
              ("community",), ("township",)),
    BaseModel("villages", "village_snapshot_at($as_of_dates)", AS_OF, (),
              ("centre_community",), ("township",)),
    BaseModel("movements", "tiered_movements()", EVENT, ("start_date",),
              ("from_community", "to_community"), ("from_township", "to_township")),
    BaseModel("volume", "monthly_volume()", EVENT, ("period",),
              ("owner_community",), ("township",)),
)}


# The date each ledger is stored in order of (sorted in the import's commit and by the province
# generator), so that DuckDB's min/max statistics per row group skip what a period excludes.
LEDGER_DATES = {
    "referrals": "referral_date",
    "expert_rotations": "start_date",
    "staff_movements": "start_date",
    "village_coverage": "snapshot_date",
    "service_volume": "period",
}


def date_order(dataset: str) -> str:
    """`` order by <date>`` for a dated ledger (rows inserted in it stay clustered); else ''."""
    column = LEDGER_DATES.get(dataset)
    return f" order by {column}" if column else ""
