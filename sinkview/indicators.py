"""The indicator registry: every indicator of the spec, its SQL and its target.

Owns which indicators exist (in the order of metrics.md), how to compute them for a period and
a community (one file per id in ``queries/indicators/``), the editable targets in
``data/targets.csv`` and the met / near / missed rule. It does not format or chart values.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from sinkview import DATA_DIR, QUERIES_DIR

INDICATOR_QUERIES = QUERIES_DIR / "indicators"
DEFAULT_TARGETS = DATA_DIR / "targets.csv"

# Tolerances of the "near" status (targets.md): 5 percentage points for a ratio, 10 % of the
# target otherwise. A target of 0 has no 10 %, so for a non-ratio we take 1 unit instead.
RATIO_TOLERANCE = 0.05
RELATIVE_TOLERANCE = 0.10
ZERO_TARGET_TOLERANCE = 1


@dataclass(frozen=True)
class Indicator:
    id: str
    topic: str      # rotation | referral | village | talent | volume | party
    name_zh: str
    name_en: str
    unit: str       # days (person-days) | calendar_days | count | persons | ratio | times | per_10k | per_1000
    direction: str  # higher | lower | neutral (the shipped default; targets.csv may change it)
    kind: str       # ratio (a fraction in [0, 1]) | count (an integer) | number


INDICATORS: tuple[Indicator, ...] = (
    Indicator("rotation.expert_days", "rotation", "专家下沉人日", "Expert person-days", "days", "higher", "count"),
    Indicator("rotation.visits", "rotation", "下沉人次", "Expert visits", "count", "higher", "count"),
    Indicator("rotation.experts", "rotation", "下沉专家数", "Experts sent down", "persons", "higher", "count"),
    Indicator("rotation.township_coverage", "rotation", "卫生院专家覆盖率", "Township centres with an expert", "ratio", "higher", "ratio"),
    Indicator("rotation.senior_share", "rotation", "高级职称人日占比", "Senior share of expert-days", "ratio", "higher", "ratio"),
    Indicator("rotation.patients_served", "rotation", "下沉诊疗人次", "Patients seen by experts", "count", "higher", "count"),
    Indicator("rotation.resident_experts", "rotation", "常驻专家数", "Resident experts (90+ days)", "persons", "higher", "count"),
    Indicator("rotation.stationed_per_10k", "rotation", "每万常住人口派驻中级及以上医师数", "Stationed mid/senior doctors per 10,000 residents", "per_10k", "higher", "number"),
    Indicator("referral.up", "referral", "上转人次", "Upward referrals", "count", "neutral", "count"),
    Indicator("referral.down", "referral", "下转人次", "Downward referrals", "count", "higher", "count"),
    Indicator("referral.lateral", "referral", "平级转诊人次", "Lateral referrals", "count", "neutral", "count"),
    Indicator("referral.down_up_ratio", "referral", "下转/上转比", "Down/up referral ratio", "times", "higher", "number"),
    Indicator("referral.out_of_county_share", "referral", "县外转诊占比", "Out-of-county share of upward referrals", "ratio", "lower", "ratio"),
    Indicator("referral.rejection_rate", "referral", "拒收率", "Referral rejection rate", "ratio", "lower", "ratio"),
    Indicator("referral.patients", "referral", "转诊患者数", "Referred patients", "persons", "neutral", "count"),
    Indicator("referral.median_accept_days", "referral", "转诊接收天数中位数", "Median days to acceptance", "calendar_days", "lower", "number"),
    Indicator("village.villages", "village", "行政村数", "Administrative villages", "count", "neutral", "count"),
    Indicator("village.clinic_coverage", "village", "村卫生室覆盖率", "Village clinic coverage", "ratio", "higher", "ratio"),
    Indicator("village.blank_villages", "village", "空白村数", "Blank villages", "count", "lower", "count"),
    Indicator("village.doctors_per_1000", "village", "每千人口村医数", "Village doctors per 1,000 residents", "per_1000", "higher", "number"),
    Indicator("village.licensed_share", "village", "执业(助理)医师占比", "Licensed (assistant) physician share", "ratio", "higher", "ratio"),
    Indicator("village.signing_rate", "village", "家庭医生签约率", "Family-doctor contracting rate", "ratio", "higher", "ratio"),
    Indicator("village.insurance_rate", "village", "医保结算开通率", "Clinics with insurance settlement", "ratio", "higher", "ratio"),
    Indicator("village.telemedicine_rate", "village", "远程医疗覆盖率", "Clinics with telemedicine", "ratio", "higher", "ratio"),
    Indicator("village.party_coverage", "village", "党组织覆盖率", "Party-organisation coverage", "ratio", "higher", "ratio"),
    Indicator("village.ecg_coverage", "village", "村卫生室心电设备覆盖率", "Clinics with a linked ECG device", "ratio", "higher", "ratio"),
    Indicator("village.population", "village", "常住人口", "Resident population", "persons", "neutral", "count"),
    Indicator("talent.dispatched_down", "talent", "下沉派驻人次", "Staff dispatched down", "count", "higher", "count"),
    Indicator("talent.trained_up", "talent", "上挂进修人次", "Staff trained up", "count", "higher", "count"),
    Indicator("talent.senior_dispatch_share", "talent", "高级职称下派占比", "Senior share of dispatches", "ratio", "higher", "ratio"),
    Indicator("talent.party_dispatch_share", "talent", "党员下派占比", "Party-member share of dispatches", "ratio", "higher", "ratio"),
    Indicator("talent.grassroots_inflow", "talent", "基层人才流入", "Grassroots inflow", "count", "higher", "count"),
    Indicator("talent.grassroots_outflow", "talent", "基层人才流出", "Grassroots outflow", "count", "lower", "count"),
    Indicator("talent.net_grassroots", "talent", "基层人才净流入", "Net grassroots inflow", "count", "higher", "count"),
    Indicator("volume.grassroots_visit_share", "volume", "县域内基层诊疗量占比", "Grassroots share of in-county visits", "ratio", "higher", "ratio"),
    Indicator("volume.in_county_admission_share", "volume", "县域内住院人次占比", "In-county share of admissions", "ratio", "higher", "ratio"),
    Indicator("volume.tcm_visit_share", "volume", "县域内中医诊疗量占比", "TCM share of in-county visits", "ratio", "higher", "ratio"),
    Indicator("volume.in_county_fund_share", "volume", "医保基金县域内支出占比", "In-county share of insurance fund", "ratio", "higher", "ratio"),
    Indicator("volume.grassroots_fund_share", "volume", "县域内基层医保基金支出占比", "Grassroots share of in-county insurance fund", "ratio", "higher", "ratio"),
    Indicator("party.organisations", "party", "党组织数", "Party organisations", "count", "neutral", "count"),
    Indicator("party.members", "party", "党员人数", "Party members", "persons", "neutral", "count"),
    Indicator("party.institution_coverage", "party", "成员单位党组织覆盖率", "Institution party coverage", "ratio", "higher", "ratio"),
    Indicator("party.clinic_coverage", "party", "村卫生室党组织覆盖率", "Clinic party coverage", "ratio", "higher", "ratio"),
    Indicator("party.meeting_regularity", "party", "“三会一课”月度开展率", "Monthly meeting regularity", "ratio", "higher", "ratio"),
    Indicator("party.member_turnout", "party", "党员大会与党课参会率", "Member turnout", "ratio", "higher", "ratio"),
    Indicator("party.theme_days", "party", "主题党日次数", "Party theme days", "count", "higher", "count"),
    Indicator("party.free_clinics", "party", "党员义诊与志愿服务次数", "Party free clinics", "count", "higher", "count"),
    Indicator("party.residents_served", "party", "义诊服务群众人次", "Residents served", "count", "higher", "count"),
    Indicator("party.grassroots_service_share", "party", "基层开展占比", "Service at the grassroots", "ratio", "higher", "ratio"),
    Indicator("party.fusion_projects", "party", "党建业务融合项目数", "Fusion projects", "count", "higher", "count"),
    Indicator("party.expert_days_share", "party", "党员专家下沉人日占比", "Party share of expert-days", "ratio", "higher", "ratio"),
)

_BY_ID = {item.id: item for item in INDICATORS}


def indicator(indicator_id: str) -> Indicator:
    """The registered indicator ``indicator_id`` (KeyError when there is none)."""
    return _BY_ID[indicator_id]


TOPICS = ("rotation", "referral", "village", "talent", "volume", "party")


@functools.cache
def topic_sql(topic: str) -> str:
    """The SQL of one topic's indicators, read once from ``queries/indicators/<topic>.sql``.

    One query per topic returns one row with a column per indicator id: the indicators of a
    topic share their scan (counted stints, effective referrals, the village snapshot ...),
    so a period costs five scans rather than one per indicator."""
    return (INDICATOR_QUERIES / f"{topic}.sql").read_text(encoding="utf-8")


def compute_indicators(
    cursor: duckdb.DuckDBPyConnection, start: date, end: date, community: str | None
) -> dict[str, float | int | None]:
    """Every indicator for the period ``[start, end]`` and a community (None: all), by id."""
    params = {"start": start, "end": end, "community": community}
    values: dict[str, float | int | None] = {}
    for topic in TOPICS:
        result = cursor.execute(topic_sql(topic), params)
        names = [column[0] for column in result.description]
        values.update(zip(names, result.fetchall()[0]))
    return {item.id: values[item.id] for item in INDICATORS}


@dataclass(frozen=True)
class Target:
    indicator: str
    target: float | None  # None: no policy sets one, the direction alone is shown
    direction: str        # higher | lower | neutral
    source: str
    confidence: str


def load_targets(path: str | Path | None = None) -> dict[str, Target]:
    """The targets in ``path`` (default ``data/targets.csv``), by indicator id."""
    raw = Path(path or DEFAULT_TARGETS).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # re-saved by Excel on Chinese Windows
    targets = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        if row["indicator"] not in _BY_ID or row["direction"] not in ("higher", "lower", "neutral"):
            raise ValueError(f"targets line {line}: unknown indicator or direction: {row}")
        targets[row["indicator"]] = Target(
            indicator=row["indicator"],
            target=float(row["target"]) if row["target"].strip() else None,
            direction=row["direction"],
            source=row["source"],
            confidence=row["confidence"],
        )
    return targets


def status(value: float | int | None, target: Target) -> str | None:
    """'met', 'near' or 'missed' for ``value`` against ``target``; None without a value,
    a target or a direction."""
    if value is None or target.target is None or target.direction == "neutral":
        return None
    shortfall = target.target - value if target.direction == "higher" else value - target.target
    if shortfall <= 0:
        return "met"
    if indicator(target.indicator).kind == "ratio":
        tolerance = RATIO_TOLERANCE
    elif target.target == 0:
        tolerance = ZERO_TARGET_TOLERANCE
    else:
        tolerance = abs(target.target) * RELATIVE_TOLERANCE
    if shortfall <= tolerance or math.isclose(shortfall, tolerance):
        return "near"
    return "missed"
