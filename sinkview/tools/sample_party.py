"""The sample county's party ledgers (党组织名录, 党建活动台账), seeded like the other six.

Owns the party organisations of 清河县's two medical communities (a 总院党委 each, branches at
the county hospitals and every township health centre, 党小组 and 联合党支部 for the village
clinics) and three years of their activities (三会一课, 主题党日, 义诊, fusion projects, ...).
Clinics are covered from the quarter in which the village ledger first reports a party
organisation (``party_group``), so the two ledgers agree at every quarter's end.

Deliberate imperfections, so that the party page has something to find:
- the clinics whose village never reports a party organisation stay uncovered;
- 竹山乡's joint branch sits at the health centre and lists its three clinics by name (founded
  when the last of them reports a party organisation, so the village ledger reports two earlier);
- 清河县人民医院公共卫生党支部 is founded on 2025-06-16 (in the middle of a month and a year);
- 清河县第二人民医院医技党支部 is dissolved on 2024-10-20 (merged into the hospital's branch);
- the branches of 枫林乡, 大湖乡 and 杨柳乡 (the townships experts skip) skip months of 三会一课;
- the committees and party groups report no member count (members are counted in the branches),
  and 高塘乡's branch reports none either;
- theme days and free clinics go to villages, to township health centres and to the county seat.

It knows nothing about importing, the store or the indicators.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sinkview.tools import sample
from sinkview.tools.sample import COUNTY, COUNTY_HOSPITALS, FIRST, LEADS, QUARTERS, TCM, YEARS, County

STREAM = 6  # the party ledgers' own random stream (sample._rng), leaving the others unchanged
ORGANISATION_FILE = "07_党组织名录.csv"
ACTIVITY_FILE = "08_党建活动台账.csv"

ORGANISATION_COLUMNS = ["org_id", "org_name", "level", "parent_org_id", "inst_id", "covered_inst_ids",
                        "members", "secretary", "established_date", "dissolved_date"]
ACTIVITY_COLUMNS = ["activity_id", "org_id", "activity_date", "activity_type", "topic", "location_inst_id",
                    "participants", "party_participants", "residents_served", "project_id"]

COMMUNITY_CODES = {FIRST: "QHY1", TCM: "QHY2"}
# hospital id -> branches sitting there: (suffix of the org code, name, members)
HOSPITAL_BRANCHES = {
    "439021001": [("01", "内科党支部", 46), ("02", "外科党支部", 41), ("03", "医技党支部", 28),
                  ("04", "机关党支部", 23)],
    "439021002": [("05", "党支部", 19)],
    "439021003": [("01", "中医内科党支部", 38), ("02", "针灸康复党支部", 24), ("03", "机关党支部", 21)],
    "439021004": [("04", "党支部", 17), ("05", "医技党支部", 9)],
}
FOUNDED_MID_YEAR = ("439021001", "06", "公共卫生党支部", 12, date(2025, 6, 16))
DISSOLVED = ("439021004", "05", date(2024, 10, 20))  # merged into the hospital's branch
NAMED_JOINT_BRANCH_TOWNSHIP = "竹山乡"
NO_MEMBER_COUNT_TOWNSHIP = "高塘乡"
WEAK_TOWNSHIPS = set(sample.EXPERT_GAPS)  # their branches skip months
HOLD_PROBABILITY = {"weak": 0.62, "joint": 0.8, "usual": 0.94}

CHINESE_NUMBERS = "〇一二三四五六七八九十"
LEVEL_LABELS = {"committee": "总院党委", "branch": "党支部", "joint_branch": "联合党支部", "group": "党小组"}
ACTIVITY_LABELS = {
    "member_meeting": "支部党员大会", "committee_meeting": "支委会", "group_meeting": "党小组会",
    "party_lecture": "党课", "theme_day": "主题党日", "free_clinic": "义诊",
    "fusion_project": "党建业务融合项目", "joint_building": "联建共建", "study": "理论学习",
    "review": "组织生活会",
}
LECTURE_TOPICS = ["学习贯彻党的二十大精神", "以党建引领紧密型县域医共体建设", "医德医风与廉洁行医",
                  "全心全意为人民健康服务", "基层党组织标准化规范化建设"]
THEME_DAY_TOPICS = ["“党旗映初心·义诊进乡村”主题党日", "“我为群众办实事”主题党日",
                    "慢病随访进家门主题党日", "家庭医生签约宣传主题党日"]
FREE_CLINIC_TOPICS = ["党员专家进村义诊", "健康义诊暨慢病筛查", "党员志愿服务·老年人健康体检"]
# project code, community, hospital branch suffix, topic, first month, last month
FUSION_PROJECTS = [
    ("RH2023-01", FIRST, "01", "胸痛救治单元建到乡镇卫生院", (2023, 4), (2025, 12)),
    ("RH2024-02", FIRST, "02", "党员专家带教基层手术能力提升", (2024, 3), (2025, 9)),
    ("RH2024-03", FIRST, "03", "远程心电与影像诊断下沉", (2024, 9), (2025, 12)),
    ("RH2023-04", TCM, "01", "中医适宜技术进村卫生室", (2023, 6), (2025, 12)),
    ("RH2025-05", TCM, "02", "康复服务延伸到乡镇", (2025, 2), (2025, 11)),
]


def _secretary(rng: np.random.Generator) -> str:
    return sample._person_name(rng)


def _quarter_day(rng: np.random.Generator, quarter_index: int) -> date:
    """A working day in the middle month of a quarter (QUARTERS[quarter_index])."""
    year, quarter = QUARTERS[quarter_index]
    return sample._pick(rng, sample._workdays(year, quarter * 3 - 1))


def _clinic_adoption(coverage: pd.DataFrame) -> dict[str, int | None]:
    """Per clinic: the index of the first quarter its village reports a party organisation, or
    None when it never does."""
    order = {sample._quarter_label(*quarter): index for index, quarter in enumerate(QUARTERS)}
    clinics = coverage.dropna(subset=["clinic_id"])
    first = {}
    for clinic_id, period, flagged in clinics[["clinic_id", "period", "party_group"]].itertuples(index=False):
        first.setdefault(clinic_id, None)
        if flagged:
            index = order[period]
            first[clinic_id] = index if first[clinic_id] is None else min(first[clinic_id], index)
    return first


def _organisations(county: County, coverage: pd.DataFrame, rng: np.random.Generator) -> list[dict]:
    adoption = _clinic_adoption(coverage)
    names = {v.clinic_id: f"{v.name}卫生室" for v in county.villages if v.has_clinic}
    rows = []

    def add(org_id, name, level, parent, inst_id, members, covered=(), established=None, dissolved=None,
            covered_by_name=False):
        rows.append(dict(org_id=org_id, org_name=name, level=level, parent_org_id=parent, inst_id=inst_id,
                         covered_inst_ids=list(covered), members=members, secretary=_secretary(rng),
                         established_date=established, dissolved_date=dissolved,
                         covered_by_name=covered_by_name))

    for community in (FIRST, TCM):
        code = COMMUNITY_CODES[community]
        committee = f"{code}-00"
        add(committee, f"{community}总院党委", "committee", None, LEADS[community], None)
        for hospital in (h for h in COUNTY_HOSPITALS if h.community == community):
            for suffix, name, members in HOSPITAL_BRANCHES[hospital.inst_id]:
                dissolved = DISSOLVED[2] if (hospital.inst_id, suffix) == DISSOLVED[:2] else None
                add(f"{code}-{suffix}", hospital.name + name, "branch", committee, hospital.inst_id, members,
                    dissolved=dissolved)
            if hospital.inst_id == FOUNDED_MID_YEAR[0]:
                _, suffix, name, members, founded = FOUNDED_MID_YEAR
                add(f"{code}-{suffix}", hospital.name + name, "branch", committee, hospital.inst_id, members,
                    established=founded)
        for township in county.townships_of(community):
            branch = f"{code}-{township.code}"
            members = None if township.name == NO_MEMBER_COUNT_TOWNSHIP else int(
                rng.integers(12, 24) if township.central else rng.integers(6, 15))
            add(branch, f"{township.inst_name}党支部", "branch", committee, township.inst_id, members)
            later: dict[int, list[str]] = {}
            for village in township.villages:
                if not village.has_clinic or adoption.get(village.clinic_id) is None:
                    continue  # never covered
                quarter = adoption[village.clinic_id]
                if quarter == 0:
                    add(f"{code}-{township.code}-{village.index + 1:02d}", f"{names[village.clinic_id]}党小组",
                        "group", branch, village.clinic_id, None)
                else:
                    later.setdefault(quarter, []).append(village.clinic_id)
            joint_branches = 0
            groups = sorted(later.items())
            if township.name == NAMED_JOINT_BRANCH_TOWNSHIP:
                # its first three clinics to adopt share one joint branch at the health centre,
                # founded when the last of them reports a party organisation
                ordered = [(quarter, clinic) for quarter, clinics in groups for clinic in clinics]
                named, rest = ordered[:3], ordered[3:]
                add(f"{code}-{township.code}-L0", f"{township.name}村卫生室联合党支部", "joint_branch", committee,
                    township.inst_id, int(rng.integers(3, 6)), covered=[clinic for _, clinic in named],
                    established=_quarter_day(rng, named[-1][0]), covered_by_name=True)
                groups = sorted({quarter: [c for q, c in rest if q == quarter] for quarter, _ in rest}.items())
            for number, (quarter, clinics) in enumerate(groups, start=1):
                founded = _quarter_day(rng, quarter)
                org_id = f"{code}-{township.code}-L{number}"
                if len(clinics) == 1:
                    add(org_id, f"{names[clinics[0]]}党小组", "group", branch, clinics[0], None, established=founded)
                else:
                    joint_branches += 1
                    add(org_id, f"{township.name}第{CHINESE_NUMBERS[joint_branches]}联合党支部", "joint_branch",
                        committee, clinics[0],
                        int(rng.integers(3, 7)), covered=clinics[1:], established=founded)
    return rows


def _active(org: dict, first: date, last: date) -> bool:
    return ((org["established_date"] is None or org["established_date"] <= first)
            and (org["dissolved_date"] is None or org["dissolved_date"] > last))


def _activity(org: dict, day: date, activity_type: str, rng: np.random.Generator, topic: str | None = None,
              location: str | None = None, residents: int | None = None, project: str | None = None,
              everyone: bool = False) -> dict:
    members = org["members"]
    if members:
        party = int(rng.binomial(members, 0.88)) if everyone else int(rng.integers(2, max(3, members // 2) + 1))
        party = max(1, min(party, members))
    else:
        party = int(rng.integers(3, 9))
    others = int(rng.integers(0, 4)) if activity_type in ("theme_day", "free_clinic", "fusion_project") else 0
    return dict(activity_id=None, org_id=org["org_id"], activity_date=day, activity_type=activity_type,
                topic=topic, location_inst_id=location, participants=party + others, party_participants=party,
                residents_served=residents, project_id=project)


def _activities(county: County, organisations: list[dict], rng: np.random.Generator) -> list[dict]:
    township_of = {t.inst_id: t for t in county.townships}
    clinics_of = {t.inst_id: [v.clinic_id for v in t.villages if v.has_clinic] for t in county.townships}
    centres_of = {c: [t.inst_id for t in county.townships_of(c)] for c in (FIRST, TCM)}
    community_of = {h.inst_id: h.community for h in COUNTY_HOSPITALS}
    community_of.update({t.inst_id: t.community for t in county.townships})
    for v in county.villages:
        if v.has_clinic:
            community_of[v.clinic_id] = v.township.community
    centre_of = {t.inst_id: t.inst_id for t in county.townships}
    centre_of.update({v.clinic_id: v.township.inst_id for v in county.villages if v.has_clinic})
    rows = []
    for year, month in ((y, m) for y in YEARS for m in range(1, 13)):
        workdays = sample._workdays(year, month)
        first, last = date(year, month, 1), sample._month_days(year, month)[-1]
        for org in organisations:
            if not (_active(org, first, first) or _active(org, last, last)):
                continue
            days = [d for d in workdays if _active(org, d, d)]
            if not days:
                continue

            def day() -> date:
                return sample._pick(rng, days)

            level, inst = org["level"], org["inst_id"]
            community = community_of[inst]
            if level == "committee":
                rows.append(_activity(org, day(), "committee_meeting", rng, "党委会"))
                if month % 3 == 0:
                    rows.append(_activity(org, day(), "study", rng, "党委理论学习中心组学习"))
                    rows.append(_activity(org, day(), "joint_building", rng, "医共体党建联盟联建活动",
                                          location=sample._pick(rng, centres_of[community])))
                continue
            if level == "group":
                if rng.random() < 0.8:
                    rows.append(_activity(org, day(), "group_meeting", rng, "党小组学习"))
                continue
            township = township_of.get(centre_of.get(inst))
            strength = ("joint" if level == "joint_branch" else
                        "weak" if township is not None and township.name in WEAK_TOWNSHIPS else "usual")
            if rng.random() < HOLD_PROBABILITY[strength]:
                rows.append(_activity(org, day(), "committee_meeting", rng, "支部委员会会议"))
                if month % 3 == 0:
                    rows.append(_activity(org, day(), "member_meeting", rng, "支部党员大会", everyone=True))
                    rows.append(_activity(org, day(), "party_lecture", rng, sample._pick(rng, LECTURE_TOPICS),
                                          everyone=True))
            if month == 1:
                rows.append(_activity(org, day(), "review", rng, "年度组织生活会和民主评议党员", everyone=True))
            at_hospital = township is None  # a county hospital's branch
            theme_chance = 0.35 if strength == "weak" else 0.6
            if rng.random() < theme_chance:
                if at_hospital:
                    location = inst if rng.random() < 0.45 else _grassroots_place(rng, county, community)
                else:
                    centre = township.inst_id if township else inst
                    places = clinics_of.get(centre) or [centre]
                    location = sample._pick(rng, places) if rng.random() < 0.7 else centre
                rows.append(_activity(org, day(), "theme_day", rng, sample._pick(rng, THEME_DAY_TOPICS),
                                      location=location, residents=int(rng.integers(30, 160))))
            if at_hospital and rng.random() < 0.4:
                residents = None if rng.random() < 0.06 else int(rng.integers(40, 260))
                rows.append(_activity(org, day(), "free_clinic", rng, sample._pick(rng, FREE_CLINIC_TOPICS),
                                      location=_grassroots_place(rng, county, community), residents=residents))
            elif not at_hospital and rng.random() < 0.2:
                centre = township.inst_id if township else inst
                rows.append(_activity(org, day(), "free_clinic", rng, sample._pick(rng, FREE_CLINIC_TOPICS),
                                      location=sample._pick(rng, clinics_of.get(centre) or [centre]),
                                      residents=int(rng.integers(20, 120))))
        rows.extend(_fusion_activities(county, organisations, year, month, rng))
    rows.sort(key=lambda row: (row["activity_date"], row["org_id"], row["activity_type"]))
    sample._number_by_year(rows, "activity_id", "activity_date", "HD")
    return rows


def _grassroots_place(rng: np.random.Generator, county: County, community: str) -> str:
    """A township health centre (40%) or a village clinic (60%) of the community."""
    township = sample._pick(rng, county.townships_of(community))
    clinics = [v.clinic_id for v in township.villages if v.has_clinic]
    return township.inst_id if rng.random() < 0.4 or not clinics else sample._pick(rng, clinics)


def _fusion_activities(county: County, organisations: list[dict], year: int, month: int,
                       rng: np.random.Generator) -> list[dict]:
    by_id = {org["org_id"]: org for org in organisations}
    rows = []
    for project, community, suffix, topic, begins, ends in FUSION_PROJECTS:
        if not begins <= (year, month) <= ends or rng.random() < 0.3:
            continue
        org = by_id[f"{COMMUNITY_CODES[community]}-{suffix}"]
        day = sample._pick(rng, sample._workdays(year, month))
        place = sample._pick(rng, county.townships_of(community)).inst_id
        rows.append(_activity(org, day, "fusion_project", rng, topic, location=place,
                              residents=int(rng.integers(10, 80)), project=project))
    return rows


def party_frames(seed: int = sample.DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The two party ledgers with the contract's canonical columns and codes (the list of
    covered institutions as a list of codes)."""
    county, frames = sample._generate(seed)
    return _frames(county, frames, seed)


def _frames(county: County, frames: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    rng = sample._rng(seed, STREAM)
    organisations = _organisations(county, frames["village_coverage"], rng)
    activities = _activities(county, organisations, rng)
    organisation_frame = pd.DataFrame.from_records(organisations, columns=[*ORGANISATION_COLUMNS, "covered_by_name"])
    organisation_frame["members"] = organisation_frame["members"].astype("Int64")
    activity_frame = pd.DataFrame.from_records(activities, columns=ACTIVITY_COLUMNS)
    for column in ("participants", "party_participants", "residents_served"):
        activity_frame[column] = activity_frame[column].astype("Int64")
    return {"party_organisations": organisation_frame, "party_activities": activity_frame}


# --- writing the ledgers as the party office keeps them ------------------------------------------

def _text(value) -> str:
    return sample._text(value)


def _organisation_file(frame: pd.DataFrame, names: dict[str, str]) -> bytes:
    header = ["党组织编码", "党组织名称", "组织类型", "上级党组织编码", "所在机构编码", "覆盖机构",
              "党员人数", "书记", "成立日期", "撤销日期"]
    rows = []
    for org in frame.to_dict("records"):
        covered = org["covered_inst_ids"]
        if org["covered_by_name"]:
            listed = "、".join(names[code] for code in covered)
        else:
            listed = "；".join(covered)
        rows.append([org["org_id"], org["org_name"], LEVEL_LABELS[org["level"]], _text(org["parent_org_id"]),
                     org["inst_id"], listed, sample._count(org["members"]), org["secretary"],
                     sample._chinese_date(org["established_date"]), sample._slash_date(org["dissolved_date"])])
    titles = (f"{COUNTY}医共体党组织名录", f"导出日期：{sample.EXPORTED}")
    return sample._csv_bytes(header, rows, "gb18030", titles)


def _activity_file(frame: pd.DataFrame, names: dict[str, str]) -> bytes:
    header = ["活动编号", "党组织编码", "活动日期", "活动类型", "活动主题", "开展机构", "参加人数",
              "参加党员人数", "服务群众人次", "融合项目编号"]
    rows = [[row["activity_id"], row["org_id"], sample._slash_date(row["activity_date"]),
             ACTIVITY_LABELS[row["activity_type"]], _text(row["topic"]),
             names.get(row["location_inst_id"], "") if isinstance(row["location_inst_id"], str) else "",
             sample._count(row["participants"]), sample._count(row["party_participants"]),
             sample._count(row["residents_served"]), _text(row["project_id"])]
            for row in frame.to_dict("records")]
    titles = (f"{COUNTY}医共体党建活动台账（2023—2025年）", f"导出日期：{sample.EXPORTED}")
    return sample._csv_bytes(header, rows, "utf-8-sig", titles, ["合计", f"{len(frame)}"])


def write_party_files(out_dir: Path, county: County, frames: dict[str, pd.DataFrame],
                      seed: int = sample.DEFAULT_SEED) -> list[Path]:
    """Write the two party ledgers beside the other sample files (numbered after them, so they
    load after the institutions list): the organisation list as GB18030 with codes (one joint
    branch lists its clinics by name), the activities as UTF-8 naming the places."""
    party = _frames(county, frames, seed)
    institutions = frames["institutions"]
    names = dict(zip(institutions["inst_id"], institutions["inst_name"]))
    out_dir = Path(out_dir)
    contents = {ORGANISATION_FILE: _organisation_file(party["party_organisations"], names),
                ACTIVITY_FILE: _activity_file(party["party_activities"], names)}
    for name, data in contents.items():
        (out_dir / name).write_bytes(data)
    return [out_dir / name for name in contents]


def store_rows(seed: int = sample.DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The two ledgers exactly as the store holds them (for loading without the importer)."""
    party = party_frames(seed)
    return {"party_organisations": party["party_organisations"][ORGANISATION_COLUMNS],
            "party_activities": party["party_activities"]}

