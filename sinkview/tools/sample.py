"""The sample county: a deterministic, seeded synthetic 清河县 and its six ledgers.

Owns the demo data: a fictional county with two medical communities (清河县第一医共体 led by
清河县人民医院, 清河县中医医共体 led by 清河县中医院), four county hospitals, three upper
hospitals, 19 township health centres and 250 administrative villages, with three years of
ledgers (2023-01-01 to 2025-12-31). ``sample_frames`` returns them as canonical frames (the
English column names and codes of the data contract); ``write_sample_files`` writes them the
way hospital systems really export them (Chinese headers, Chinese labels, GBK CSVs with title
and 合计 rows, an XLSX with a title row, mixed date forms), byte-identical for a given seed.
Several come in platform shape, as the data contract says real exports do: the referral
platform's list view (institutions by name or alias, patients by name, phone and record number,
timestamps, its own status words, no referral numbers), the HR system's movements (原单位,
现单位 by name, no record numbers), the statistics report keyed by 机构名称, and the rotation
register naming the sending hospital. The templates stay canonical.

Deliberate imperfections, so that the dashboard has something to find:
- 枫林乡卫生院 (第一医共体) hosts no expert from 2025-07-01; 大湖乡卫生院 (中医医共体) none in
  2025 Q4; 杨柳乡卫生院 (第一医共体) none from 2024-04-01 to 2024-07-31.
- 第一医共体's down/up referral ratio falls year on year; 中医医共体's rises.
- Blank villages: four villages have no clinic, five lose their only village doctor.
- 第一医共体 loses more grassroots staff than it gains; a few rotations are not downward.
- Referral patients are identified only by phone (the key is derived and hashed on import).

It knows nothing about importing, the store or the indicators.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

DEFAULT_SEED = 20251
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2025, 12, 31)
YEARS = (2023, 2024, 2025)
MONTHS = [(year, month) for year in YEARS for month in range(1, 13)]
QUARTERS = [(year, quarter) for year in YEARS for quarter in range(1, 5)]
EXPORTED = "2026年1月5日"  # the export date printed in title lines (fixed: files are reproducible)
XLSX_CREATED = datetime(2026, 1, 5, 9, 0, 0)

COUNTY = "清河县"
COUNTY_CODE = "439021"
LEGACY_CODE = "043028"  # villages of the former 双江区, still coded with a leading zero
FIRST = "清河县第一医共体"
TCM = "清河县中医医共体"
COMMUNITIES = (FIRST, TCM)

COLUMNS = {
    "institutions": ["inst_id", "inst_name", "tier", "parent_id", "community", "county",
                     "township", "latitude", "longitude", "population", "beds"],
    "expert_rotations": ["record_id", "expert_id", "expert_name", "home_inst_id",
                         "host_inst_id", "specialty", "title_level", "start_date", "end_date",
                         "activity", "patients_served", "trainees", "party_member"],
    "referrals": ["referral_id", "patient_key", "referral_date", "from_inst_id", "to_inst_id",
                  "direction", "icd10", "diagnosis", "status", "reason", "accepted_date"],
    "village_coverage": ["period", "village_code", "village_name", "township",
                         "township_center_id", "clinic_id", "population", "village_doctors",
                         "licensed_doctors", "contracted_residents", "hypertension_managed",
                         "diabetes_managed", "insurance_settlement", "telemedicine",
                         "party_group", "ecg_device", "latitude", "longitude", "distance_km"],
    "staff_movements": ["movement_id", "staff_id", "staff_name", "movement_type",
                        "from_inst_id", "to_inst_id", "start_date", "end_date", "title_level",
                        "specialty", "education", "party_member"],
    "service_volume": ["period", "inst_id", "outpatient_visits", "admissions", "tcm_visits",
                       "insurance_fund", "community"],
}
COUNT_COLUMNS = {
    "institutions": ["population", "beds"],
    "expert_rotations": ["patients_served", "trainees"],
    "village_coverage": ["population", "village_doctors", "licensed_doctors",
                         "contracted_residents", "hypertension_managed", "diabetes_managed"],
    "service_volume": ["outpatient_visits", "admissions", "tcm_visits"],
}

# --- the county's institutions ---------------------------------------------------------------

@dataclass(frozen=True)
class Hospital:
    """A county or upper hospital of the sample county."""
    inst_id: str
    name: str
    label: str  # the tier label the 机构名录 shows
    beds: int
    latitude: float
    longitude: float
    expert_prefix: str  # experts' 工号 start with it
    experts: int
    community: str | None = None
    specialties: str = "general"  # key of SPECIALTIES


UPPER_HOSPITALS = [
    Hospital("439000001", "江城市中心医院", "市级医院", 2200, 28.1962, 112.9721, "SZ", 14),
    Hospital("439000002", "江城市中医医院", "市级医院", 1300, 28.2137, 112.9853, "SZY", 14,
             specialties="tcm"),
    Hospital("439900001", "南岭省人民医院", "省级医院", 3600, 28.1908, 112.9464, "SR", 12),
]
UPPER_IDS = [hospital.inst_id for hospital in UPPER_HOSPITALS]
COUNTY_HOSPITALS = [
    Hospital("439021001", "清河县人民医院", "县人民医院", 900, 28.3021, 113.2049, "RM", 42, FIRST),
    Hospital("439021002", "清河县妇幼保健院", "县级医院", 260, 28.2968, 113.2137, "FY", 16, FIRST,
             "maternal"),
    Hospital("439021003", "清河县中医院", "县中医院", 650, 28.3093, 113.1982, "ZY", 36, TCM, "tcm"),
    Hospital("439021004", "清河县第二人民医院", "县级医院", 380, 28.2847, 113.2261, "EY", 22, TCM),
]
COUNTY_IDS = [hospital.inst_id for hospital in COUNTY_HOSPITALS]
LEADS = {FIRST: "439021001", TCM: "439021003"}
MATERNAL = "439021002"  # 妇幼保健院: takes the obstetric and paediatric referrals

# name, township code, community, is a central health centre, latitude, longitude
TOWNSHIPS = [
    ("城关镇", "101", FIRST, True, 28.3005, 113.2102),
    ("白沙镇", "102", FIRST, False, 28.3853, 113.1047),
    ("青山铺镇", "103", FIRST, False, 28.4522, 113.1684),
    ("枫林乡", "104", FIRST, False, 28.5713, 112.8721),
    ("石门镇", "105", FIRST, False, 28.4171, 112.9623),
    ("龙潭镇", "106", FIRST, True, 28.3364, 112.9052),
    ("黄桥镇", "107", FIRST, False, 28.2483, 113.0521),
    ("杨柳乡", "108", FIRST, False, 28.5121, 113.0214),
    ("桃花乡", "109", FIRST, False, 28.3562, 113.3523),
    ("双江口镇", "110", FIRST, False, 28.4724, 113.2961),
    ("金井镇", "111", TCM, True, 28.2052, 113.3184),
    ("高塘乡", "112", TCM, False, 28.1183, 113.4022),
    ("长乐镇", "113", TCM, True, 28.2471, 113.4683),
    ("新市镇", "114", TCM, False, 28.1664, 113.2365),
    ("大湖乡", "115", TCM, False, 28.0423, 113.1552),
    ("竹山乡", "116", TCM, False, 28.0891, 113.5514),
    ("梅溪镇", "117", TCM, False, 28.3013, 113.5451),
    ("花园镇", "118", TCM, False, 28.1502, 113.0903),
    ("观音桥镇", "119", TCM, False, 28.0584, 113.3127),
]
LEGACY_TOWNSHIPS = {"双江口镇", "竹山乡", "观音桥镇"}
VILLAGE_COUNT = 250
MIN_VILLAGES_PER_TOWNSHIP = 9

# The deliberate imperfections (see the module docstring).
EXPERT_GAPS = {
    "枫林乡": (date(2025, 7, 1), date(2025, 12, 31)),
    "大湖乡": (date(2025, 10, 1), date(2025, 12, 31)),
    "杨柳乡": (date(2024, 4, 1), date(2024, 7, 31)),
}
NO_CLINIC_VILLAGES = {("枫林乡", 7), ("枫林乡", 8), ("大湖乡", 8), ("桃花乡", 6)}
# (township, village index) -> index of the first quarter with no village doctor
AGEING_VILLAGES = {("枫林乡", 2): 6, ("杨柳乡", 4): 9, ("大湖乡", 3): 10, ("竹山乡", 5): 8,
                   ("石门镇", 1): 11}
# (township, village index) -> index of the first quarter with a (newly recruited) doctor
RECOVERING_VILLAGES = {("白沙镇", 3): 5}
NO_COORDINATE_VILLAGES = {("高塘乡", 2), ("石门镇", 6), ("梅溪镇", 0), ("青山铺镇", 4),
                          ("花园镇", 5)}

VILLAGE_HEADS = ["李家", "王家", "张家", "刘家", "陈家", "杨家", "周家", "罗家", "谭家", "彭家",
                 "石", "枫树", "龙", "凤", "竹", "桃", "柳", "梅", "松", "杉", "金", "银",
                 "白", "青", "红", "黄", "新", "长", "永", "太", "双", "三", "五", "高", "大",
                 "东", "西", "南", "北", "上", "中", "田", "荷", "莲", "茶", "桥", "岩"]
VILLAGE_TAILS = ["冲", "坪", "湾", "塘", "山", "岭", "桥", "港", "垅", "源", "溪", "田", "园",
                 "洲", "铺", "坡", "峰", "湖", "林", "坳", "岗", "庄"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
                "薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
               "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "华", "建国", "志强", "红",
               "建华", "文", "斌", "宇", "浩", "凯", "婷", "雪", "琳", "晨", "欣", "波", "辉",
               "鹏", "海燕", "丹", "萍", "玲", "红梅", "立新", "国平", "春生", "卫东", "思远",
               "子涵", "雨桐", "嘉怡", "俊杰", "晓东", "湘云", "德明", "永红", "小兰"]

# --- enumerations and their weights -------------------------------------------------------------

TITLES = ["senior", "intermediate", "junior", "none"]
EXPERT_TITLE_WEIGHTS = [0.38, 0.47, 0.13, 0.02]
SPECIALTIES = {
    "general": ["心血管内科", "呼吸内科", "消化内科", "神经内科", "内分泌科", "肾内科", "普外科",
                "骨科", "泌尿外科", "妇产科", "儿科", "急诊科", "重症医学科", "康复医学科",
                "全科医学科", "影像科", "麻醉科", "护理部"],
    "tcm": ["中医内科", "针灸推拿科", "康复医学科", "中医骨伤科", "心血管内科", "脾胃病科",
            "全科医学科", "治未病科", "护理部"],
    "maternal": ["妇产科", "儿科", "新生儿科", "护理部"],
}
ACTIVITIES = ["clinic", "ward_round", "surgery", "case_discussion", "training", "teleconsult",
              "other"]
VISIT_ACTIVITY_WEIGHTS = [0.40, 0.15, 0.08, 0.10, 0.17, 0.08, 0.02]
UPPER_ACTIVITY_WEIGHTS = [0.15, 0.05, 0.25, 0.20, 0.15, 0.20, 0.0]
ROTATION_SEASON = {1: 0.9, 2: 0.45, 3: 1.05, 4: 1.1, 5: 1.05, 6: 1.0, 7: 0.95, 8: 0.6,
                   9: 1.1, 10: 0.9, 11: 1.15, 12: 1.0}
ROTATION_GROWTH = {2023: 0.85, 2024: 1.0, 2025: 1.08}
VISITS_PER_TOWNSHIP_MONTH = 4.6

REFERRAL_SEASON = {1: 1.18, 2: 0.9, 3: 1.0, 4: 0.95, 5: 0.95, 6: 0.93, 7: 1.0, 8: 1.02,
                   9: 0.95, 10: 0.93, 11: 1.03, 12: 1.16}
UPWARD_PER_MONTH = {FIRST: 420, TCM: 330}
# down/up ratio at the first and at the last month: 第一医共体 falls, 中医医共体 rises
DOWN_UP_RATIO = {FIRST: (0.46, 0.24), TCM: (0.28, 0.38)}
UP_HOPS = (("village", "township", 0.28), ("township", "county", 0.52),
           ("county", "upper", 0.20))
DOWN_HOPS = (("county", "township", 0.62), ("upper", "county", 0.23),
             ("township", "village", 0.15))
UPPER_WEIGHTS = {FIRST: [0.55, 0.08, 0.37], TCM: [0.45, 0.25, 0.30]}
CROSS_COMMUNITY_SHARE = 0.04
IDENTITY_SHARE = 0.02
MOBILE_SHARE = 0.01

# ICD-10 code, Chinese name, weight; one list per kind of hop
DIAGNOSES = {
    "village_up": [("J06.9", "急性上呼吸道感染", 5), ("J18.9", "肺炎", 4), ("J20.9", "急性支气管炎", 3),
                   ("I10", "原发性高血压", 4), ("E11.9", "2型糖尿病", 3), ("K29.7", "胃炎", 2),
                   ("A09", "感染性腹泻", 2), ("M54.5", "腰痛", 2), ("R50.9", "发热", 1)],
    "township_up": [("I63.9", "脑梗死", 6), ("I21.9", "急性心肌梗死", 3), ("J18.9", "肺炎", 5),
                    ("J44.1", "慢性阻塞性肺病伴急性加重", 4), ("K80.2", "胆囊结石", 3),
                    ("K35.8", "急性阑尾炎", 3), ("S72.0", "股骨颈骨折", 3),
                    ("I50.9", "心力衰竭", 3), ("E11.9", "2型糖尿病", 2), ("I10", "原发性高血压", 2),
                    ("N18.5", "慢性肾脏病5期", 2), ("S06.0", "脑震荡", 1),
                    ("K92.2", "消化道出血", 2), ("I20.0", "不稳定型心绞痛", 2),
                    ("C34.9", "肺恶性肿瘤", 1)],
    "county_up": [("C34.9", "肺恶性肿瘤", 5), ("C16.9", "胃恶性肿瘤", 3), ("C22.0", "肝细胞癌", 3),
                  ("C50.9", "乳房恶性肿瘤", 2), ("C18.9", "结肠恶性肿瘤", 2),
                  ("I21.9", "急性心肌梗死", 3), ("I60.9", "蛛网膜下腔出血", 2),
                  ("N18.5", "慢性肾脏病5期", 2), ("S72.0", "股骨颈骨折", 1),
                  ("Q21.1", "房间隔缺损", 1), ("I63.9", "脑梗死", 2)],
    "upper_down": [("C34.9", "肺恶性肿瘤", 4), ("C16.9", "胃恶性肿瘤", 2), ("I63.9", "脑梗死", 3),
                   ("S72.0", "股骨颈骨折", 2), ("I21.9", "急性心肌梗死", 2),
                   ("N18.5", "慢性肾脏病5期", 2), ("C18.9", "结肠恶性肿瘤", 1)],
    "county_down": [("I69.3", "脑梗死后遗症", 6), ("I10", "原发性高血压", 4), ("E11.9", "2型糖尿病", 4),
                    ("J44.9", "慢性阻塞性肺病", 3), ("S72.0", "股骨颈骨折", 2),
                    ("I25.1", "动脉粥样硬化性心脏病", 3), ("J18.9", "肺炎", 2),
                    ("K80.2", "胆囊结石", 1), ("C34.9", "肺恶性肿瘤", 1)],
    "township_down": [("I10", "原发性高血压", 5), ("E11.9", "2型糖尿病", 4), ("I69.3", "脑梗死后遗症", 3),
                      ("J44.9", "慢性阻塞性肺病", 2), ("I25.1", "动脉粥样硬化性心脏病", 2)],
    "maternal": [("O14.1", "重度子痫前期", 2), ("O60.1", "早产", 2), ("O42.9", "胎膜早破", 2),
                 ("P59.9", "新生儿黄疸", 2), ("J18.9", "肺炎", 3), ("O80.0", "单胎顺产", 1)],
}
REASONS = {
    "up": ["病情危重需上级医院救治", "需手术治疗", "诊断不明需进一步检查", "超出本院诊疗能力",
           "需专科治疗", "患者及家属要求"],
    "down": ["病情稳定转基层康复", "术后康复", "慢病管理", "恢复期治疗", "放化疗间歇期随访"],
}
STATUSES = ["completed", "accepted", "pending", "rejected", "cancelled"]
ACCEPT_DAY_WEIGHTS = {"up": [0.45, 0.30, 0.12, 0.07, 0.04, 0.02],
                      "down": [0.20, 0.30, 0.20, 0.15, 0.10, 0.05]}

EDUCATIONS = ["doctorate", "master", "bachelor", "college", "secondary"]
EDUCATION_WEIGHTS = {"county": [0.02, 0.20, 0.60, 0.15, 0.03],
                     "township": [0.0, 0.02, 0.35, 0.45, 0.18],
                     "village": [0.0, 0.0, 0.03, 0.35, 0.62]}
STAFF_TITLE_WEIGHTS = {"county": [0.22, 0.38, 0.34, 0.06], "township": [0.05, 0.30, 0.50, 0.15],
                       "village": [0.0, 0.03, 0.37, 0.60]}
STAFF_SPECIALTIES = ["临床医学", "临床医学", "护理", "护理", "中医学", "药学", "医学检验",
                     "医学影像", "公共卫生", "全科医学", "康复治疗"]
STAFF_POOL_SIZE = {"county": 80, "township": 24, "village": 2}
RECRUIT_MONTH_WEIGHTS = [0.04, 0.02, 0.05, 0.05, 0.05, 0.08, 0.22, 0.20, 0.12, 0.06, 0.06, 0.05]
# yearly rates per institution: (recruit, departure) by kind and community
RECRUIT_DEPARTURE_RATES = {
    ("township", FIRST): (1.4, 2.6), ("township", TCM): (2.4, 1.9),
    ("village", FIRST): (0.04, 0.07), ("village", TCM): (0.07, 0.05),
}
COUNTY_RECRUIT_DEPARTURE = {"lead": (30, 14), "member": (12, 6)}
TOWNSHIP_TO_COUNTY_TRANSFERS = {FIRST: 1.0, TCM: 0.4}  # per township and year

VISIT_SEASON = {1: 1.12, 2: 0.82, 3: 1.02, 4: 0.98, 5: 0.97, 6: 0.95, 7: 1.0, 8: 1.0,
                9: 0.97, 10: 0.92, 11: 1.03, 12: 1.12}
COUNTY_VOLUME = {  # monthly outpatient visits, admissions per visit, TCM share
    "439021001": (36000, 0.065, 0.07), "439021002": (21000, 0.045, 0.04),
    "439021003": (30000, 0.055, 0.38), "439021004": (22000, 0.055, 0.08),
}
UPPER_VOLUME = {FIRST: (6000, 720), TCM: (4800, 560)}  # monthly visits, admissions
UPPER_TCM_SHARE = [0.03, 0.60, 0.03]
FUND_PER_ADMISSION = {"upper": 14000, "county": 4800, "township": 1500}
FUND_PER_VISIT = {"upper": 180, "county": 45, "township": 28, "village": 12}

# --- Chinese renderings used in the written files ------------------------------------------------

ACTIVITY_LABELS = {"clinic": "坐诊", "ward_round": "教学查房", "surgery": "手术带教",
                   "case_discussion": "疑难病例讨论", "training": "培训", "teleconsult": "远程会诊",
                   "other": "其他"}
DIRECTION_LABELS = {"up": "上转", "down": "下转"}
STATUS_LABELS = {"completed": "已完成", "accepted": "已接收", "pending": "待接收",
                 "rejected": "已拒绝", "cancelled": "已取消"}
CHINESE_QUARTERS = "一二三四"


# --- small helpers -------------------------------------------------------------------------------

def _rng(seed: int, stream: int) -> np.random.Generator:
    """An independent generator per dataset, so changing one dataset leaves the others alone."""
    return np.random.default_rng([seed, stream])


def _pick(rng: np.random.Generator, items: list, weights=None):
    """One item, with optional (unnormalised) weights."""
    if weights is None:
        return items[int(rng.integers(len(items)))]
    return items[_weighted_index(rng, list(accumulate(weights)))]


def _weighted_index(rng: np.random.Generator, cumulative: list[float]) -> int:
    """An index drawn in proportion to the weights whose running totals are ``cumulative``."""
    return bisect_right(cumulative, rng.random() * cumulative[-1])


def _person_name(rng: np.random.Generator) -> str:
    return _pick(rng, SURNAMES) + _pick(rng, GIVEN_NAMES)


@cache
def _month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [first + timedelta(days=offset) for offset in range((following - first).days)]


@cache
def _workdays(year: int, month: int) -> list[date]:
    return [day for day in _month_days(year, month) if day.weekday() < 5]


def _quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Road distance, approximated as 1.35 times the great-circle distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 1.35 * 2 * 6371.0 * math.asin(math.sqrt(a))


def identity_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a PRC resident identity number."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights))
    return "10X98765432"[total % 11]


def _fake_identity_number(rng: np.random.Generator) -> str:
    birth = date(1938, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 80)))
    first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    return first17 + identity_check_digit(first17)


def _fake_mobile(rng: np.random.Generator) -> str:
    return f"1{int(rng.integers(3, 10))}{int(rng.integers(0, 10**9)):09d}"


def _frame(dataset: str, records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=COLUMNS[dataset])
    for column in COUNT_COLUMNS.get(dataset, []):
        frame[column] = frame[column].astype("Int64")
    if "party_member" in frame:
        frame["party_member"] = frame["party_member"].astype("boolean")
    return frame


# --- the county ----------------------------------------------------------------------------------

@dataclass
class Township:
    name: str
    code: str
    community: str
    central: bool
    latitude: float
    longitude: float
    villages: list[Village] = field(default_factory=list)

    @property
    def code_prefix(self) -> str:
        """The county part of its codes: 043028 for the townships of the former 双江区."""
        return LEGACY_CODE if self.name in LEGACY_TOWNSHIPS else COUNTY_CODE

    @property
    def inst_id(self) -> str:
        return self.code_prefix + self.code

    @property
    def inst_name(self) -> str:
        return f"{COUNTY}{self.name}{'中心卫生院' if self.central else '卫生院'}"


@dataclass
class Village:
    code: str
    name: str
    township: Township
    index: int
    population: int
    has_clinic: bool
    latitude: float | None
    longitude: float | None
    distance_km: float

    @property
    def clinic_id(self) -> str | None:
        return self.code + "01" if self.has_clinic else None


@dataclass
class Expert:
    expert_id: str
    name: str
    home_inst_id: str
    specialty: str
    title_level: str
    party_member: bool


@dataclass
class County:
    townships: list[Township]
    experts: dict[str, list[Expert]]  # home inst_id -> experts

    @property
    def villages(self) -> list[Village]:
        return [village for township in self.townships for village in township.villages]

    def townships_of(self, community: str) -> list[Township]:
        return [township for township in self.townships if township.community == community]

    def county_hospitals_of(self, community: str) -> list[str]:
        return [h.inst_id for h in COUNTY_HOSPITALS if h.community == community]


def _village_counts(rng: np.random.Generator) -> list[int]:
    spare = VILLAGE_COUNT - MIN_VILLAGES_PER_TOWNSHIP * len(TOWNSHIPS)
    weights = np.array([1.6 if central else 1.0 for _, _, _, central, _, _ in TOWNSHIPS])
    extra = rng.multinomial(spare, weights / weights.sum())
    return [MIN_VILLAGES_PER_TOWNSHIP + int(count) for count in extra]


def _village_names(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = _pick(rng, VILLAGE_HEADS) + _pick(rng, VILLAGE_TAILS) + "村"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _make_village(rng: np.random.Generator, township: Township, index: int, name: str) -> Village:
    key = (township.name, index)
    lat = township.latitude + float(rng.normal(0, 0.035))
    lon = township.longitude + float(rng.normal(0, 0.04))
    distance = min(25.0, max(1.0, _distance_km(township.latitude, township.longitude, lat, lon)))
    located = key not in NO_COORDINATE_VILLAGES
    return Village(
        code=f"{township.code_prefix}{township.code}{index + 1:03d}",
        name=name,
        township=township,
        index=index,
        population=int(rng.triangular(600, 1500, 3500)),
        has_clinic=key not in NO_CLINIC_VILLAGES,
        latitude=round(lat, 6) if located else None,
        longitude=round(lon, 6) if located else None,
        distance_km=round(distance, 1),
    )


def _make_experts(rng: np.random.Generator) -> dict[str, list[Expert]]:
    experts: dict[str, list[Expert]] = {}
    for hospital in UPPER_HOSPITALS + COUNTY_HOSPITALS:
        numbers = rng.choice(np.arange(1000, 10000), hospital.experts, replace=False)
        experts[hospital.inst_id] = [
            Expert(f"{hospital.expert_prefix}{number}", _person_name(rng), hospital.inst_id,
                   _pick(rng, SPECIALTIES[hospital.specialties]),
                   _pick(rng, TITLES, EXPERT_TITLE_WEIGHTS), bool(rng.random() < 0.42))
            for number in sorted(int(n) for n in numbers)
        ]
    return experts


def _build_county(rng: np.random.Generator) -> County:
    townships = [Township(*row) for row in TOWNSHIPS]
    taken: set[str] = set()
    for township, count in zip(townships, _village_counts(rng)):
        names = _village_names(rng, count, taken)
        township.villages = [_make_village(rng, township, i, name) for i, name in enumerate(names)]
    return County(townships, _make_experts(rng))


def _institution_records(county: County) -> list[dict]:
    records = [dict(inst_id=h.inst_id, inst_name=h.name, tier="upper_hospital", parent_id=None,
                    community=None, county=None, township=None, latitude=h.latitude,
                    longitude=h.longitude, population=None, beds=h.beds)
               for h in UPPER_HOSPITALS]
    for h in COUNTY_HOSPITALS:
        lead = LEADS[h.community]
        records.append(dict(inst_id=h.inst_id, inst_name=h.name, tier="county_hospital",
                            parent_id=None if h.inst_id == lead else lead, community=h.community,
                            county=COUNTY, township="城关镇", latitude=h.latitude,
                            longitude=h.longitude, population=None, beds=h.beds))
    for township in county.townships:
        records.append(dict(inst_id=township.inst_id, inst_name=township.inst_name,
                            tier="township_center", parent_id=LEADS[township.community],
                            community=township.community, county=COUNTY,
                            township=township.name, latitude=township.latitude,
                            longitude=township.longitude,
                            population=sum(v.population for v in township.villages),
                            beds=(80 if township.central else 30) + len(township.villages)))
    for village in county.villages:
        if village.has_clinic:
            records.append(dict(inst_id=village.clinic_id, inst_name=f"{village.name}卫生室",
                                tier="village_clinic", parent_id=village.township.inst_id,
                                community=village.township.community, county=COUNTY,
                                township=village.township.name, latitude=village.latitude,
                                longitude=village.longitude, population=village.population,
                                beds=None))
    return records


def _tier_labels(county: County) -> dict[str, str]:
    """The Chinese tier label the 机构名录 shows for each institution."""
    labels = {h.inst_id: h.label for h in UPPER_HOSPITALS + COUNTY_HOSPITALS}
    labels.update({t.inst_id: "中心卫生院" if t.central else "乡镇卫生院" for t in county.townships})
    labels.update({v.clinic_id: "村卫生室" for v in county.villages if v.has_clinic})
    return labels


# --- village coverage ----------------------------------------------------------------------------

# flag: (share adopted at the first quarter, share adopted by the last quarter)
ADOPTION = {"insurance_settlement": (0.55, 0.93), "telemedicine": (0.18, 0.68),
            "party_group": (0.62, 0.96), "ecg_device": (0.08, 0.58)}


def _adoption_quarter(rng: np.random.Generator, first_share: float, last_share: float) -> int:
    """The quarter index from which a clinic has a facility (len(QUARTERS) = never)."""
    draw = rng.random()
    if draw < first_share:
        return 0
    if draw < last_share:
        return 1 + int((draw - first_share) / (last_share - first_share) * (len(QUARTERS) - 1))
    return len(QUARTERS)


def _doctor_series(rng: np.random.Generator, village: Village) -> list[int]:
    """Village doctors per quarter: mostly stable, a few retire, some villages age out."""
    key = (village.township.name, village.index)
    if not village.has_clinic:
        return [0] * len(QUARTERS)
    if key in AGEING_VILLAGES:
        return [1 if q < AGEING_VILLAGES[key] else 0 for q in range(len(QUARTERS))]
    if key in RECOVERING_VILLAGES:
        return [0 if q < RECOVERING_VILLAGES[key] else 1 for q in range(len(QUARTERS))]
    doctors = int(_pick(rng, [1, 2, 3], [0.45, 0.40, 0.15]))
    series = []
    for _ in QUARTERS:
        if doctors > 1 and rng.random() < 0.012:
            doctors -= 1
        elif doctors < 3 and rng.random() < 0.01:
            doctors += 1
        series.append(doctors)
    return series


def _licensed_series(rng: np.random.Generator, doctors: list[int]) -> list[int]:
    """Licensed (assistant) physicians: a slowly rising share of the village doctors."""
    licensed = int(rng.binomial(doctors[0], 0.3))
    series = []
    for count in doctors:
        if licensed < count and rng.random() < 0.06:
            licensed += 1
        licensed = min(licensed, count)
        series.append(licensed)
    return series


def _village_rows(rng: np.random.Generator, village: Village) -> list[dict]:
    doctors = _doctor_series(rng, village)
    licensed = _licensed_series(rng, doctors)
    adopted = {flag: _adoption_quarter(rng, *shares) for flag, shares in ADOPTION.items()}
    signing = rng.uniform(0.40, 0.60)
    hypertension, diabetes = rng.uniform(0.085, 0.12), rng.uniform(0.025, 0.04)
    population = village.population
    rows = []
    for q, (year, quarter) in enumerate(QUARTERS):
        if q:
            population = max(600, round(population * (1 + rng.normal(-0.002, 0.001))))
        rate = min(0.75, signing + 0.012 * q + rng.normal(0, 0.005))
        rows.append(dict(
            period=_quarter_label(year, quarter), village_code=village.code,
            village_name=village.name, township=village.township.name,
            township_center_id=village.township.inst_id, clinic_id=village.clinic_id,
            population=population, village_doctors=doctors[q], licensed_doctors=licensed[q],
            contracted_residents=round(population * rate),
            hypertension_managed=round(population * hypertension * (0.9 + 0.01 * q)),
            diabetes_managed=round(population * diabetes * (0.9 + 0.01 * q)),
            **{flag: village.has_clinic and q >= start for flag, start in adopted.items()},
            latitude=village.latitude, longitude=village.longitude,
            distance_km=village.distance_km,
        ))
    return rows


def _village_coverage(county: County, rng: np.random.Generator) -> pd.DataFrame:
    records = [row for village in county.villages for row in _village_rows(rng, village)]
    frame = _frame("village_coverage", records)
    return frame.sort_values(["period", "village_code"], ignore_index=True)


def _staffed_clinics(coverage: pd.DataFrame) -> dict[str, dict[str, tuple[int, int]]]:
    """Per quarter label: the clinics that have a doctor, with (population, doctors)."""
    staffed = coverage[coverage["clinic_id"].notna() & (coverage["village_doctors"] > 0)]
    result: dict[str, dict[str, tuple[int, int]]] = {}
    columns = ["period", "clinic_id", "population", "village_doctors"]
    for period, clinic_id, population, doctors in staffed[columns].itertuples(index=False):
        result.setdefault(period, {})[clinic_id] = (int(population), int(doctors))
    return result


# --- expert rotations ----------------------------------------------------------------------------

def _in_gap(township: Township, start: date, end: date) -> bool:
    gap = EXPERT_GAPS.get(township.name)
    return gap is not None and start <= gap[1] and end >= gap[0]


def _number_by_year(rows: list[dict], id_column: str, date_column: str, prefix: str) -> None:
    """Give sorted rows ledger numbers such as XC202300001, restarting every year."""
    per_year: dict[int, int] = {}
    for row in rows:
        year = row[date_column].year
        per_year[year] = per_year.get(year, 0) + 1
        row[id_column] = f"{prefix}{year}{per_year[year]:05d}"


def _rotation(expert: Expert, host: str, start: date, days: int, activity: str,
              patients: int | None, trainees: int | None) -> dict:
    return dict(expert_id=expert.expert_id, expert_name=expert.name,
                home_inst_id=expert.home_inst_id, host_inst_id=host,
                specialty=expert.specialty, title_level=expert.title_level, start_date=start,
                end_date=min(start + timedelta(days=days - 1), LAST_DAY), activity=activity,
                patients_served=patients, trainees=trainees, party_member=expert.party_member)


def _visit_load(rng: np.random.Generator, activity: str,
                days: int) -> tuple[int | None, int | None]:
    """Patients served and trainees for a short visit of a given activity."""
    if activity == "training":
        return None, int(rng.integers(10, 61))
    if activity == "surgery":
        return int(rng.integers(1, 4)), int(rng.integers(2, 6))
    if activity == "ward_round":
        return int(rng.integers(8, 26)), int(rng.integers(3, 11))
    if activity == "case_discussion":
        return int(rng.integers(1, 6)), int(rng.integers(5, 21))
    if activity == "teleconsult":
        return int(rng.integers(1, 8)), None
    if activity == "clinic":
        return int(rng.integers(15, 61)) * days, None
    return None, None


def _home_expert(rng: np.random.Generator, county: County, community: str,
                 senior_only: bool = False) -> Expert:
    hospitals = county.county_hospitals_of(community)
    home = _pick(rng, hospitals, [0.75 if h == LEADS[community] else 0.25 for h in hospitals])
    pool = [e for e in county.experts[home]
            if not senior_only or e.title_level in ("senior", "intermediate")]
    return _pick(rng, pool)


def _long_stints(rng: np.random.Generator, county: County, township: Township) -> list[dict]:
    """Resident experts (派驻, 90-183 days) one after another, with gaps between them; a stint
    still running at the end of the ledger is recorded up to its last day."""
    stints = []
    start = FIRST_DAY + timedelta(days=int(rng.integers(0, 45)))
    while start <= LAST_DAY:
        days = int(rng.integers(90, 184))
        end = start + timedelta(days=days - 1)
        if _in_gap(township, start, end):
            start = EXPERT_GAPS[township.name][1] + timedelta(days=int(rng.integers(1, 20)))
            continue
        expert = _home_expert(rng, county, township.community, senior_only=True)
        workdays = days * 5 // 7
        stints.append(_rotation(expert, township.inst_id, start, days, "clinic",
                                workdays * int(rng.integers(4, 10)), int(rng.integers(10, 41))))
        start = end + timedelta(days=int(rng.integers(1, 76)))
    return stints


def _short_visits(rng: np.random.Generator, county: County, township: Township) -> list[dict]:
    """Day visits (坐诊, 查房, 培训 ...) with Spring Festival and August lulls."""
    visits = []
    for year, month in MONTHS:
        expected = VISITS_PER_TOWNSHIP_MONTH * ROTATION_SEASON[month] * ROTATION_GROWTH[year]
        workdays = _workdays(year, month)
        for _ in range(int(rng.poisson(expected))):
            day = _pick(rng, workdays)
            days = 1 if rng.random() < 0.85 else int(rng.integers(2, 4))
            if _in_gap(township, day, day + timedelta(days=days - 1)):
                continue
            activity = _pick(rng, ACTIVITIES, VISIT_ACTIVITY_WEIGHTS)
            patients, trainees = _visit_load(rng, activity, days)
            expert = _home_expert(rng, county, township.community)
            visits.append(_rotation(expert, township.inst_id, day, days, activity, patients,
                                    trainees))
    return visits


def _upper_to_county(rng: np.random.Generator, county: County) -> list[dict]:
    """City and provincial experts at the county hospitals, plus six-month 对口支援 stints."""
    rows = []
    for hospital in COUNTY_IDS:
        lead = hospital in LEADS.values()
        partner = UPPER_IDS[1] if hospital == LEADS[TCM] else UPPER_IDS[0]
        weights = [0.2, 0.5, 0.3] if partner == UPPER_IDS[1] else [0.5, 0.2, 0.3]
        for year, month in MONTHS:
            for _ in range(int(rng.poisson((1.4 if lead else 0.8) * ROTATION_SEASON[month]))):
                home = _pick(rng, UPPER_IDS, weights)
                activity = _pick(rng, ACTIVITIES, UPPER_ACTIVITY_WEIGHTS)
                days = 1 if rng.random() < 0.8 else int(rng.integers(2, 6))
                patients, trainees = _visit_load(rng, activity, days)
                rows.append(_rotation(_pick(rng, county.experts[home]), hospital,
                                      _pick(rng, _workdays(year, month)), days, activity,
                                      patients, trainees))
            if lead and month in (3, 9):
                expert = _pick(rng, [e for e in county.experts[partner]
                                     if e.title_level == "senior"])
                start = _pick(rng, _workdays(year, month))
                days = int(rng.integers(150, 184))
                rows.append(_rotation(expert, hospital, start, days, "clinic",
                                      days * int(rng.integers(5, 12)), int(rng.integers(20, 60))))
    return rows


def _county_to_villages(rng: np.random.Generator, county: County) -> list[dict]:
    """County experts' rounds (巡诊) and training at village clinics."""
    rows = []
    for community in COMMUNITIES:
        clinics = [v.clinic_id for t in county.townships_of(community) for v in t.villages
                   if v.has_clinic]
        for year, month in MONTHS:
            for _ in range(int(rng.poisson(2.0 * ROTATION_SEASON[month]))):
                activity = _pick(rng, ["clinic", "training"], [0.7, 0.3])
                patients, trainees = _visit_load(rng, activity, 1)
                rows.append(_rotation(_home_expert(rng, county, community), _pick(rng, clinics),
                                      _pick(rng, _workdays(year, month)), 1, activity,
                                      patients, trainees))
    return rows


def _not_downward(rng: np.random.Generator, county: County) -> list[dict]:
    """A few rows that clerks put in the wrong ledger: township staff at the county hospital
    (really 进修), county-to-county and county-to-city visits. The importer warns on them."""
    rows = []
    for township_name, day in (("白沙镇", date(2023, 5, 16)), ("新市镇", date(2024, 3, 12)),
                               ("金井镇", date(2025, 4, 8))):
        township = next(t for t in county.townships if t.name == township_name)
        doctor = Expert(f"WS{township.code}{int(rng.integers(10, 100))}", _person_name(rng),
                        township.inst_id, "全科医学科", "junior", bool(rng.random() < 0.3))
        rows.append(_rotation(doctor, LEADS[township.community], day, 1, "training", None, 1))
    county_pairs = (("439021001", "439021004", date(2023, 11, 7)),
                    ("439021003", "439021002", date(2024, 9, 24)),
                    ("439021001", "439000001", date(2025, 6, 17)))
    for home, host, day in county_pairs:
        rows.append(_rotation(_pick(rng, county.experts[home]), host, day, 1,
                              "case_discussion", 2, 6))
    return rows


def _expert_rotations(county: County, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for township in county.townships:
        rows += _long_stints(rng, county, township)
        rows += _short_visits(rng, county, township)
    rows += _upper_to_county(rng, county) + _county_to_villages(rng, county)
    rows += _not_downward(rng, county)
    rows.sort(key=lambda r: (r["start_date"], r["host_inst_id"], r["expert_id"]))
    _number_by_year(rows, "record_id", "start_date", "XC")
    return _frame("expert_rotations", rows)


# --- referrals -----------------------------------------------------------------------------------

def _diagnosis(rng: np.random.Generator, pool: str) -> tuple[str, str]:
    entries = DIAGNOSES[pool]
    code, name, _ = _pick(rng, entries, [weight for _, _, weight in entries])
    return code, name


def _status(rng: np.random.Generator, day: date, direction: str) -> str:
    """Mostly completed; pending and accepted-not-arrived only near the end of the ledger."""
    recent = day >= date(2025, 12, 1)
    rejected = 0.03 if direction == "up" else 0.06
    weights = [1.0, 0.2 if recent else 0.03, 0.35 if day >= date(2025, 12, 15) else 0.0,
               rejected, 0.025]
    weights[0] = 1.0 - sum(weights[1:])
    return _pick(rng, STATUSES, weights)


def _outcome(rng: np.random.Generator, day: date, direction: str) -> tuple[str, date | None]:
    """Status and accepted date: mostly within 0-5 days, now and then later or not recorded;
    a patient who would arrive after the ledger closes is still pending."""
    status = _status(rng, day, direction)
    if status not in ("completed", "accepted") or (status == "completed" and rng.random() < 0.05):
        return status, None
    if rng.random() < 0.02:
        delay = int(rng.integers(6, 21))
    else:
        delay = int(_pick(rng, list(range(6)), ACCEPT_DAY_WEIGHTS[direction]))
    accepted = day + timedelta(days=delay)
    return ("pending", None) if accepted > LAST_DAY else (status, accepted)


class _Patients:
    """Pseudonymous patient keys; downward referrals often bring back an earlier upward patient."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.recent_up: dict[str, list[str]] = {community: [] for community in COMMUNITIES}
        self.next_number = 1

    def new(self) -> str:
        key = f"P{self.next_number:06d}"
        self.next_number += int(self.rng.integers(1, 4))
        return key

    def for_referral(self, community: str, direction: str) -> str:
        recent = self.recent_up[community]
        if direction == "down" and recent and self.rng.random() < 0.65:
            return _pick(self.rng, recent[-2000:])
        if direction == "up" and recent and self.rng.random() < 0.12:
            key = _pick(self.rng, recent[-4000:])
        else:
            key = self.new()
        if direction == "up":
            recent.append(key)
        return key

    def as_written(self, key: str) -> str:
        """What the clerk typed: now and then an identity or mobile number instead of the code."""
        draw = self.rng.random()
        if draw < IDENTITY_SHARE:
            return _fake_identity_number(self.rng)
        if draw < IDENTITY_SHARE + MOBILE_SHARE:
            return _fake_mobile(self.rng)
        return key


def _county_end(rng: np.random.Generator, county: County, community: str) -> str:
    hospitals = county.county_hospitals_of(community)
    return _pick(rng, hospitals, [0.82 if h == LEADS[community] else 0.18 for h in hospitals])


@dataclass
class _ReferralMonth:
    """What one month's referrals of one community draw from."""
    year: int
    month: int
    community: str
    clinics: list[str]  # staffed clinics of the community
    clinic_cumulative: list[float]  # running totals of their populations
    clinic_township: dict[str, Township]


def _referral_ends(rng: np.random.Generator, county: County, plan: _ReferralMonth,
                   hop: tuple[str, str]) -> tuple[str, str]:
    """From and to institutions of one referral along a hop such as ('township', 'county')."""
    community = plan.community
    clinic = plan.clinics[_weighted_index(rng, plan.clinic_cumulative)]
    cross = hop == ("township", "county") and rng.random() < CROSS_COMMUNITY_SHARE

    def end(role: str) -> str:
        if role == "village":
            return clinic
        if role == "township":
            return plan.clinic_township[clinic].inst_id
        if role == "county":
            return _county_end(rng, county, (TCM if community == FIRST else FIRST) if cross
                               else community)
        return _pick(rng, UPPER_IDS, UPPER_WEIGHTS[community])

    return end(hop[0]), end(hop[1])


def _diagnosis_pool(direction: str, hop: tuple[str, str], from_id: str, to_id: str) -> str:
    return "maternal" if MATERNAL in (from_id, to_id) else f"{hop[0]}_{direction}"


def _monthly_referrals(rng: np.random.Generator, county: County, plan: _ReferralMonth,
                       month_index: int, patients: _Patients) -> list[dict]:
    first, last = DOWN_UP_RATIO[plan.community]
    ratio = first + (last - first) * month_index / (len(MONTHS) - 1)
    expected_up = (UPWARD_PER_MONTH[plan.community] * REFERRAL_SEASON[plan.month]
                   * (1 + 0.03 * (plan.year - YEARS[0])))
    days = _month_days(plan.year, plan.month)
    rows = []
    for direction, hops, count in (("up", UP_HOPS, rng.poisson(expected_up)),
                                   ("down", DOWN_HOPS, rng.poisson(expected_up * ratio))):
        for _ in range(int(count)):
            hop = _pick(rng, [h[:2] for h in hops], [h[2] for h in hops])
            from_id, to_id = _referral_ends(rng, county, plan, hop)
            day = _pick(rng, days)
            icd10, diagnosis = _diagnosis(rng, _diagnosis_pool(direction, hop, from_id, to_id))
            status, accepted = _outcome(rng, day, direction)
            key = patients.for_referral(plan.community, direction)
            rows.append(dict(patient_key=patients.as_written(key), referral_date=day,
                             from_inst_id=from_id, to_inst_id=to_id, direction=direction,
                             icd10=icd10, diagnosis=diagnosis, status=status,
                             reason=_pick(rng, REASONS[direction]),
                             accepted_date=accepted))
    return rows


def _referrals(county: County, staffed: dict[str, dict[str, tuple[int, int]]],
               rng: np.random.Generator) -> pd.DataFrame:
    clinic_township = {v.clinic_id: v.township for v in county.villages if v.has_clinic}
    patients = _Patients(rng)
    rows = []
    for month_index, (year, month) in enumerate(MONTHS):
        clinics = staffed[_quarter_label(year, (month - 1) // 3 + 1)]
        for community in COMMUNITIES:
            own = [c for c in clinics if clinic_township[c].community == community]
            cumulative = list(accumulate(clinics[c][0] for c in own))
            plan = _ReferralMonth(year, month, community, own, cumulative, clinic_township)
            rows += _monthly_referrals(rng, county, plan, month_index, patients)
    rows.sort(key=lambda r: (r["referral_date"], r["from_inst_id"], r["to_inst_id"]))
    per_day: dict[date, int] = {}
    for row in rows:
        day = row["referral_date"]
        per_day[day] = per_day.get(day, 0) + 1
        row["referral_id"] = f"ZZ{day:%Y%m%d}{per_day[day]:04d}"
    return _frame("referrals", rows)


# --- staff movements -----------------------------------------------------------------------------

def _tier_kind(inst_id: str, county: County) -> str:
    if inst_id in COUNTY_IDS:
        return "county"
    if inst_id in {t.inst_id for t in county.townships}:
        return "township"
    return "village"


@dataclass
class _Staff:
    staff_id: str
    name: str
    title_level: str
    specialty: str
    education: str
    party_member: bool


class _Roster:
    """Who works where, created lazily per institution; recruits join, departures leave."""

    def __init__(self, county: County, rng: np.random.Generator):
        self.county = county
        self.rng = rng
        self.pools: dict[str, list[_Staff]] = {}
        self.serial = 0

    def _create(self, inst_id: str, newcomer: bool) -> _Staff:
        kind = _tier_kind(inst_id, self.county)
        self.serial += int(self.rng.integers(1, 7))
        prefix = {"county": "GH", "township": "WS", "village": "CY"}[kind]
        titles = [0.0, 0.05, 0.55, 0.40] if newcomer else STAFF_TITLE_WEIGHTS[kind]
        specialty = "乡村医生" if kind == "village" else _pick(self.rng, STAFF_SPECIALTIES)
        return _Staff(f"{prefix}{self.serial:06d}", _person_name(self.rng),
                      _pick(self.rng, TITLES, titles), specialty,
                      _pick(self.rng, EDUCATIONS, EDUCATION_WEIGHTS[kind]),
                      bool(self.rng.random() < (0.15 if newcomer else 0.38)))

    def pool(self, inst_id: str) -> list[_Staff]:
        if inst_id not in self.pools:
            size = STAFF_POOL_SIZE[_tier_kind(inst_id, self.county)]
            self.pools[inst_id] = [self._create(inst_id, False) for _ in range(size)]
        return self.pools[inst_id]

    def pick(self, inst_id: str, senior: bool = False) -> _Staff:
        pool = self.pool(inst_id)
        if senior:
            pool = [s for s in pool if s.title_level in ("senior", "intermediate")] or pool
        return _pick(self.rng, pool)

    def recruit(self, inst_id: str) -> _Staff:
        staff = self._create(inst_id, True)
        self.pool(inst_id).append(staff)
        return staff

    def leave(self, inst_id: str) -> _Staff:
        pool = self.pool(inst_id)
        if not pool:  # everyone counted has gone: the leaver is someone the roster never met
            pool.append(self._create(inst_id, False))
        return pool.pop(int(self.rng.integers(len(pool))))

    def move(self, from_id: str, to_id: str) -> _Staff:
        staff = self.leave(from_id)
        self.pool(to_id).append(staff)
        return staff


def _movement(staff: _Staff, movement_type: str, from_id: str | None, to_id: str | None,
              start: date, days: int | None = None) -> dict:
    return dict(staff_id=staff.staff_id, staff_name=staff.name, movement_type=movement_type,
                from_inst_id=from_id, to_inst_id=to_id, start_date=start,
                end_date=start + timedelta(days=days - 1) if days else None,
                title_level=staff.title_level, specialty=staff.specialty,
                education=staff.education, party_member=staff.party_member)


def _event_days(rng: np.random.Generator, year: int, rate: float,
                month_weights: list[float] | None = None) -> list[date]:
    """Poisson(rate) working days in a year, sorted."""
    days = []
    for _ in range(int(rng.poisson(rate))):
        month = _pick(rng, list(range(1, 13)), month_weights)
        days.append(_pick(rng, _workdays(year, month)))
    return sorted(days)


def _recruits_and_departures(rng: np.random.Generator, county: County, roster: _Roster,
                             year: int) -> list[dict]:
    rated = [(inst_id, COUNTY_RECRUIT_DEPARTURE["lead" if inst_id in LEADS.values() else "member"])
             for inst_id in COUNTY_IDS]
    for township in county.townships:
        rated.append((township.inst_id, RECRUIT_DEPARTURE_RATES[("township", township.community)]))
        rated += [(v.clinic_id, RECRUIT_DEPARTURE_RATES[("village", township.community)])
                  for v in township.villages if v.has_clinic]
    rows = []
    for inst_id, (recruits, departures) in rated:
        for day in _event_days(rng, year, recruits, RECRUIT_MONTH_WEIGHTS):
            rows.append(_movement(roster.recruit(inst_id), "recruit", None, inst_id, day))
        for day in _event_days(rng, year, departures):
            rows.append(_movement(roster.leave(inst_id), "departure", inst_id, None, day))
    return rows


def _ageing_departures(county: County, roster: _Roster) -> list[dict]:
    """The last doctor of each ageing village retires in the quarter it becomes blank."""
    rows = []
    for village in county.villages:
        quarter = AGEING_VILLAGES.get((village.township.name, village.index))
        if quarter is not None:
            year, q = QUARTERS[quarter - 1]
            day = date(year, 3 * q, 28)
            rows.append(_movement(roster.leave(village.clinic_id), "departure",
                                  village.clinic_id, None, day))
    return rows


def _transfers(rng: np.random.Generator, county: County, roster: _Roster, year: int) -> list[dict]:
    rows = []
    for township in county.townships:
        community = township.community
        for day in _event_days(rng, year, TOWNSHIP_TO_COUNTY_TRANSFERS[community]):
            target = _county_end(rng, county, community)
            rows.append(_movement(roster.move(township.inst_id, target), "transfer",
                                  township.inst_id, target, day))
        for day in _event_days(rng, year, 0.3):
            source = _county_end(rng, county, community)
            rows.append(_movement(roster.move(source, township.inst_id), "transfer", source,
                                  township.inst_id, day))
        for day in _event_days(rng, year, 0.5):
            target = _pick(rng, [t for t in county.townships_of(community) if t is not township])
            rows.append(_movement(roster.move(township.inst_id, target.inst_id), "transfer",
                                  township.inst_id, target.inst_id, day))
    for day in _event_days(rng, year, 2.0):
        source, target = (COUNTY_IDS[i] for i in rng.choice(len(COUNTY_IDS), 2, replace=False))
        rows.append(_movement(roster.move(source, target), "transfer", source, target, day))
    return rows


def _temporary_moves(rng: np.random.Generator, county: County, roster: _Roster,
                     year: int) -> list[dict]:
    """Dispatches down, training up and rotations, each with a planned end date."""
    rows = []
    for township in county.townships:
        own = township.inst_id
        for day in _event_days(rng, year, 5.0):
            home = _county_end(rng, county, township.community)
            rows.append(_movement(roster.pick(home, senior=True), "dispatch_down", home, own,
                                  day, int(rng.integers(180, 366))))
        for day in _event_days(rng, year, 4.0):
            target = _county_end(rng, county, township.community)
            rows.append(_movement(roster.pick(own), "training_up", own, target, day,
                                  int(rng.integers(90, 181))))
        for day in _event_days(rng, year, 2.0):
            home = _county_end(rng, county, township.community)
            rows.append(_movement(roster.pick(home), "rotation", home, own, day, 90))
        for day in _event_days(rng, year, 1.0):
            target = _pick(rng, [t for t in county.townships_of(township.community)
                                 if t is not township])
            rows.append(_movement(roster.pick(own), "rotation", own, target.inst_id, day, 90))
        for village in township.villages:
            if village.has_clinic:
                for day in _event_days(rng, year, 0.15):
                    rows.append(_movement(roster.pick(village.clinic_id), "training_up",
                                          village.clinic_id, own, day, int(rng.integers(30, 91))))
                for day in _event_days(rng, year, 0.03):
                    rows.append(_movement(roster.pick(own), "dispatch_down", own,
                                          village.clinic_id, day, int(rng.integers(90, 366))))
    for hospital in COUNTY_IDS:
        for day in _event_days(rng, year, 8.0 if hospital in LEADS.values() else 4.0):
            target = _pick(rng, UPPER_IDS, [0.5, 0.2, 0.3])
            rows.append(_movement(roster.pick(hospital), "training_up", hospital, target, day,
                                  int(rng.integers(180, 366))))
    return rows


def _staff_movements(county: County, rng: np.random.Generator) -> pd.DataFrame:
    roster = _Roster(county, rng)
    rows = []
    for year in YEARS:
        rows += _temporary_moves(rng, county, roster, year)
        rows += _transfers(rng, county, roster, year)
        rows += _recruits_and_departures(rng, county, roster, year)
    rows += _ageing_departures(county, roster)
    rows.sort(key=lambda r: (r["start_date"], r["staff_id"], r["movement_type"]))
    _number_by_year(rows, "movement_id", "start_date", "RC")
    return _frame("staff_movements", rows)


# --- service volume ------------------------------------------------------------------------------

def _volume_row(period: str, inst_id: str, visits: float, admissions: float | None,
                tcm_share: float, fund: float, community: str | None = None) -> dict:
    visits = round(visits)
    return dict(period=period, inst_id=inst_id, outpatient_visits=visits,
                admissions=None if admissions is None else round(admissions),
                tcm_visits=min(visits, round(visits * tcm_share)),
                insurance_fund=round(fund, 2), community=community)


def _monthly_volume(rng: np.random.Generator, county: County, month_index: int,
                    clinics: dict[str, tuple[int, int]]) -> list[dict]:
    year, month = MONTHS[month_index]
    period = f"{year}-{month:02d}"
    season = VISIT_SEASON[month]

    def noisy(value: float) -> float:
        return value * season * rng.normal(1.0, 0.04)

    rows = []
    years_in = month_index / 12
    for inst_id, (base, per_visit, tcm_share) in COUNTY_VOLUME.items():
        trend = 1 + (0.04 if inst_id in county.county_hospitals_of(FIRST) else 0.02) * years_in
        visits = noisy(base * trend)
        admissions = visits * per_visit * rng.normal(1.0, 0.03)
        fund = admissions * FUND_PER_ADMISSION["county"] + visits * FUND_PER_VISIT["county"]
        rows.append(_volume_row(period, inst_id, visits, admissions, tcm_share, fund))
    for township in county.townships:
        population = sum(v.population for v in township.villages)
        trend = 1 + (0.04 if township.community == TCM else 0.0) * years_in
        visits = noisy(min(6000, max(2000, population * 0.14 * (1.3 if township.central else 1.0)))
                       * trend)
        admissions = visits * 0.03 * rng.normal(1.0, 0.05)
        fund = admissions * FUND_PER_ADMISSION["township"] + visits * FUND_PER_VISIT["township"]
        tcm_share = 0.22 if township.community == TCM else 0.12
        rows.append(_volume_row(period, township.inst_id, visits, admissions, tcm_share, fund))
    for clinic_id, (population, doctors) in clinics.items():
        visits = noisy(population * 0.15 * (1.0, 1.3, 1.5)[min(doctors, 3) - 1])
        rows.append(_volume_row(period, clinic_id, visits, None, 0.06,
                                visits * FUND_PER_VISIT["village"]))
    for community in COMMUNITIES:
        visits_total, admissions_total = UPPER_VOLUME[community]
        for inst_id, share, tcm_share in zip(UPPER_IDS, UPPER_WEIGHTS[community],
                                             UPPER_TCM_SHARE):
            visits = noisy(visits_total * share)
            admissions = noisy(admissions_total * share)
            fund = admissions * FUND_PER_ADMISSION["upper"] + visits * FUND_PER_VISIT["upper"]
            rows.append(_volume_row(period, inst_id, visits, admissions, tcm_share, fund,
                                    community))
    return rows


def _service_volume(county: County, staffed: dict[str, dict[str, tuple[int, int]]],
                    rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for month_index, (year, month) in enumerate(MONTHS):
        clinics = staffed[_quarter_label(year, (month - 1) // 3 + 1)]
        rows += _monthly_volume(rng, county, month_index, clinics)
    return _frame("service_volume", rows)


# --- the frames ----------------------------------------------------------------------------------

def _generate(seed: int) -> tuple[County, dict[str, pd.DataFrame]]:
    county = _build_county(_rng(seed, 0))
    coverage = _village_coverage(county, _rng(seed, 1))
    staffed = _staffed_clinics(coverage)
    frames = {
        "institutions": _frame("institutions", _institution_records(county)),
        "expert_rotations": _expert_rotations(county, _rng(seed, 2)),
        "referrals": _referrals(county, staffed, _rng(seed, 3)),
        "village_coverage": coverage,
        "staff_movements": _staff_movements(county, _rng(seed, 4)),
        "service_volume": _service_volume(county, staffed, _rng(seed, 5)),
    }
    return county, frames


def sample_frames(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The sample county's six datasets with the data contract's canonical columns and codes."""
    return _generate(seed)[1]


# --- writing the ledgers as clerks produce them --------------------------------------------------

def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value) -> str:
    return "" if _missing(value) else str(value)


def _count(value) -> str:
    return "" if _missing(value) else str(int(value))


def _decimal(places: int):
    return lambda value: "" if _missing(value) else f"{value:.{places}f}"


def _yes_no(value) -> str:
    return "" if _missing(value) else ("是" if value else "否")


def _slash_date(value) -> str:
    return "" if _missing(value) else f"{value.year}/{value.month}/{value.day}"


def _chinese_date(value) -> str:
    return "" if _missing(value) else f"{value.year}年{value.month}月{value.day}日"


def _chinese_quarter(period: str) -> str:
    year, quarter = period.split("-Q")
    return f"{year}年第{CHINESE_QUARTERS[int(quarter) - 1]}季度"


def _thousands(value) -> str:
    return "" if _missing(value) else f"{value:,.2f}"


def _csv_bytes(header: list[str], rows: list[list[str]], encoding: str,
               titles: tuple[str, ...] = (), total: list[str] | None = None) -> bytes:
    """A CSV as Excel on Chinese Windows saves it: title lines padded to the table's width,
    CRLF line ends, an optional 合计 row last."""
    width = len(header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for title in titles:
        writer.writerow([title] + [""] * (width - 1))
    writer.writerow(header)
    writer.writerows(rows)
    if total is not None:
        writer.writerow(total + [""] * (width - len(total)))
    return buffer.getvalue().encode(encoding)


def _render(frame: pd.DataFrame, layout: list[tuple[str, str, callable]]) -> list[list[str]]:
    """Rows of text, one cell per (header, column, formatter) of the layout."""
    columns = [frame[column].tolist() for _, column, _ in layout]
    formatters = [formatter for _, _, formatter in layout]
    return [[fmt(value) for fmt, value in zip(formatters, row)] for row in zip(*columns)]


# Other names the county hospitals go by on the referral platform (机构别名).
INSTITUTION_ALIASES = {"清河县人民医院": ("县人民医院", "县一院"), "清河县中医院": ("县中医院",)}


def _institutions_file(frame: pd.DataFrame, tier_labels: dict[str, str]) -> bytes:
    labelled = frame.assign(tier=frame["inst_id"].map(tier_labels),
                            aliases=frame["inst_name"].map(lambda name: "；".join(INSTITUTION_ALIASES.get(name, ()))))
    layout = [("机构编码", "inst_id", _text), ("机构名称", "inst_name", _text),
              ("机构层级", "tier", _text), ("上级机构编码", "parent_id", _text),
              ("所属医共体", "community", _text), ("县区", "county", _text),
              ("乡镇", "township", _text), ("纬度", "latitude", _decimal(6)),
              ("经度", "longitude", _decimal(6)), ("服务人口", "population", _count),
              ("床位数", "beds", _count), ("机构别名", "aliases", _text)]
    return _csv_bytes([h for h, _, _ in layout], _render(labelled, layout), "utf-8-sig")


# The referral platform's own status words (data contract, referrals.status).
PLATFORM_STATUS_WORDS = {"completed": ("转诊完成", "接诊完成"), "accepted": ("已接诊",),
                         "pending": ("待接诊", "待处理"), "rejected": ("已退回",),
                         "cancelled": ("已关闭", "已撤回")}
PLATFORM_DEPARTMENTS = ["全科", "内科", "外科", "心内科", "呼吸内科", "骨科", "妇产科", "儿科", "中医科", "康复科"]


def _stable(*parts, modulo: int) -> int:
    """A number in [0, modulo) fixed by ``parts``: platform details that need no random stream."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % modulo


def _platform_phone(patient_key: str) -> str:
    """The patient's phone as the platform lists it: the key itself when it is a mobile
    number, else a fixed synthetic one (one phone per patient, so patients stay distinct)."""
    if len(patient_key) == 11 and patient_key.isdigit() and patient_key[0] == "1":
        return patient_key
    return f"1{3 + _stable('phone', patient_key, modulo=7)}{_stable('digits', patient_key, modulo=10**9):09d}"


def _platform_person(seed: str) -> str:
    return SURNAMES[_stable("surname", seed, modulo=len(SURNAMES))] + GIVEN_NAMES[_stable("given", seed, modulo=len(GIVEN_NAMES))]


def _timestamp(day, seed: str) -> str:
    if _missing(day):
        return ""
    second = _stable("time", seed, modulo=9 * 3600)
    return f"{day.isoformat()} {8 + second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


def _platform_name(inst_id: str, names: dict[str, str], seed: str) -> str:
    """How the platform names an institution: its name, or now and then an alias."""
    aliases = INSTITUTION_ALIASES.get(names[inst_id], ())
    choice = _stable("alias", seed, inst_id, modulo=len(aliases) + 2)
    return aliases[choice] if choice < len(aliases) else names[inst_id]


def _referrals_file(frame: pd.DataFrame, names: dict[str, str]) -> bytes:
    """双向转诊 as a referral platform exports its list view: institutions by name, patients by
    name, phone and outpatient/inpatient number (no patient key, no referral number),
    timestamps, the platform's status words, columns the contract does not use."""
    rows = []
    for r in frame.itertuples(index=False):
        seed = r.referral_id
        words = PLATFORM_STATUS_WORDS[r.status]
        submitted = _timestamp(r.referral_date, seed)
        accepted = _timestamp(r.accepted_date, seed + "a")
        rows.append([
            words[_stable("status", seed, modulo=len(words))], accepted or submitted, DIRECTION_LABELS[r.direction],
            f"{'ZY' if _stable('ward', seed, modulo=3) == 0 else 'MZ'}{_stable('record', r.patient_key, modulo=10**8):08d}",
            _platform_person(r.patient_key), "男女"[_stable("sex", r.patient_key, modulo=2)],
            str(18 + _stable("age", r.patient_key, modulo=70)), _platform_phone(r.patient_key),
            _platform_name(r.from_inst_id, names, seed), PLATFORM_DEPARTMENTS[_stable("from", seed, modulo=len(PLATFORM_DEPARTMENTS))],
            _platform_person(seed + "doctor"), submitted, submitted, _platform_name(r.to_inst_id, names, seed),
            PLATFORM_DEPARTMENTS[_stable("to", seed, modulo=len(PLATFORM_DEPARTMENTS))],
            _platform_person(seed + "receiver") if accepted else "", _text(r.icd10), _text(r.diagnosis),
            _text(r.reason), accepted])
    header = ["转诊状态", "当前状态时间", "转诊类型", "门诊/住院号", "姓名", "性别", "年龄", "联系电话", "转出机构",
              "转出科室", "转诊医生", "申请转诊日期", "提交时间", "转入机构", "转入科室", "接诊医生", "诊断编码",
              "诊断名称", "转诊原因", "接诊时间"]
    return _csv_bytes(header, rows, "gbk")


def _village_file(frame: pd.DataFrame) -> bytes:
    labelled = frame.assign(period=frame["period"].map(_chinese_quarter))
    layout = [("统计期", "period", _text), ("行政村代码", "village_code", _text),
              ("行政村", "village_name", _text), ("乡镇", "township", _text),
              ("所属卫生院编码", "township_center_id", _text), ("村卫生室编码", "clinic_id", _text),
              ("常住人口", "population", _count), ("村医人数", "village_doctors", _count),
              ("执业（助理）医师数", "licensed_doctors", _count),
              ("家庭医生签约人数", "contracted_residents", _count),
              ("高血压规范管理人数", "hypertension_managed", _count),
              ("糖尿病规范管理人数", "diabetes_managed", _count),
              ("医保结算", "insurance_settlement", _yes_no), ("远程医疗", "telemedicine", _yes_no),
              ("党组织覆盖", "party_group", _yes_no), ("心电设备", "ecg_device", _yes_no),
              ("纬度", "latitude", _decimal(6)), ("经度", "longitude", _decimal(6)),
              ("距卫生院距离(km)", "distance_km", _decimal(1))]
    return _csv_bytes([h for h, _, _ in layout], _render(labelled, layout), "gbk")


def _staff_file(frame: pd.DataFrame, names: dict[str, str]) -> bytes:
    """人才流动 as the HR system exports it: units by name (原单位/现单位), no record numbers;
    personnel moves (recruit, departure, transfer) dated 2025年3月5日 by the personnel office,
    temporary moves dated 2025-03-05 by the medical affairs office."""
    personnel = frame["movement_type"].isin(["recruit", "departure", "transfer"]).tolist()

    def dates(column: str) -> list[str]:
        return [_chinese_date(day) if by_personnel else _text(day)
                for day, by_personnel in zip(frame[column].tolist(), personnel)]

    dated = frame.assign(start_date=dates("start_date"), end_date=dates("end_date"),
                         from_inst_id=frame["from_inst_id"].map(names), to_inst_id=frame["to_inst_id"].map(names))
    layout = [("工号", "staff_id", _text),
              ("姓名", "staff_name", _text), ("变动类型", "movement_type", _text),
              ("原单位", "from_inst_id", _text), ("现单位", "to_inst_id", _text),
              ("开始日期", "start_date", _text), ("结束日期", "end_date", _text),
              ("职称", "title_level", _text), ("专业", "specialty", _text),
              ("学历", "education", _text),
              ("是否党员", "party_member", lambda v: "" if _missing(v) else "YN"[not v])]
    return _csv_bytes([h for h, _, _ in layout], _render(dated, layout), "utf-8")


def _volume_file(frame: pd.DataFrame, names: dict[str, str]) -> bytes:
    """卫生统计月报 as the statistics system exports it: institutions by name (机构名称)."""
    frame = frame.assign(inst_id=frame["inst_id"].map(names))
    layout = [("统计月份", "period", _text), ("机构名称", "inst_id", _text),
              ("门急诊人次", "outpatient_visits", _count), ("出院人次", "admissions", _count),
              ("中医诊疗人次", "tcm_visits", _count),
              ("医保基金支出(元)", "insurance_fund", _thousands),
              ("患者所属医共体", "community", _text)]
    total = ["合计", "", str(int(frame["outpatient_visits"].sum())),
             str(int(frame["admissions"].sum())), str(int(frame["tcm_visits"].sum())),
             _thousands(float(frame["insurance_fund"].sum()))]
    title = f"{COUNTY}医共体成员单位服务量月报（2023年1月—2025年12月）"
    return _csv_bytes([h for h, _, _ in layout], _render(frame, layout), "gb18030", (title,),
                      total)


def _title_label(expert_id: str, title_level: str, specialty: str) -> str:
    """The title as the ledger shows it: specific (主任医师, 主治医师 ...) for county experts,
    the generic level (高级, 中级 ...) for the upper hospitals' experts."""
    if _missing(title_level):
        return ""
    if expert_id.startswith(tuple(h.expert_prefix for h in UPPER_HOSPITALS)):
        return {"senior": "高级", "intermediate": "中级", "junior": "初级", "none": "无"}[title_level]
    nurse = specialty == "护理部"
    if title_level == "senior":
        chief = int(expert_id[-1]) % 3 == 0
        return ("主任" if chief else "副主任") + ("护师" if nurse else "医师")
    return {"intermediate": "主管护师" if nurse else "主治医师",
            "junior": "护师" if nurse else "住院医师", "none": "无"}[title_level]


def _write_rotations_xlsx(frame: pd.DataFrame, path: Path, names: dict[str, str]) -> None:
    """专家下沉台账: a merged title row above the header, the sending hospital by name and the
    host by code, IDs as text cells, native dates except a few typed as ``2025.3.5``."""
    frame = frame.assign(home_inst_id=frame["home_inst_id"].map(names))
    headers = ["记录编号", "专家工号", "专家姓名", "派出医院", "接收机构编码", "专科", "职称",
               "开始日期", "结束日期", "帮扶形式", "诊疗人次", "培训人次", "是否党员"]
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": "专家下沉台账", "author": "清河县卫生健康局",
                             "created": XLSX_CREATED})
    sheet = workbook.add_worksheet("专家下沉台账")
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{COUNTY}2023—2025年专家下沉帮扶工作台账",
                      title_format)
    sheet.write_row(1, 0, headers, header_format)
    for offset, row in enumerate(frame.itertuples(index=False)):
        r = offset + 2
        for c, value in enumerate((row.record_id, row.expert_id, row.expert_name,
                                   row.home_inst_id, row.host_inst_id, row.specialty,
                                   _title_label(row.expert_id, row.title_level, row.specialty))):
            sheet.write_string(r, c, value)
        for c, day in ((7, row.start_date), (8, row.end_date)):
            if offset % 23 == 5:
                sheet.write_string(r, c, f"{day.year}.{day.month}.{day.day}")
            else:
                sheet.write_datetime(r, c, datetime(day.year, day.month, day.day), date_format)
        sheet.write_string(r, 9, ACTIVITY_LABELS[row.activity])
        for c, value in ((10, row.patients_served), (11, row.trainees)):
            if not _missing(value):
                sheet.write_number(r, c, int(value))
        if not _missing(row.party_member):
            sheet.write_string(r, 12, _yes_no(row.party_member))
    sheet.set_column(0, 4, 15)
    sheet.set_column(5, 9, 12)
    sheet.freeze_panes(2, 0)
    workbook.close()


def write_sample_files(out_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the six ledgers and the two party ledgers (``sinkview.tools.sample_party``) to ``out_dir``,
    numbered in load order (institutions first, party organisations before their activities)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    county, frames = _generate(seed)
    names = dict(zip(frames["institutions"]["inst_id"], frames["institutions"]["inst_name"]))
    contents = {
        "01_机构名录.csv": _institutions_file(frames["institutions"], _tier_labels(county)),
        "03_双向转诊台账.csv": _referrals_file(frames["referrals"], names),
        "04_村卫生室覆盖.csv": _village_file(frames["village_coverage"]),
        "05_人才流动台账.csv": _staff_file(frames["staff_movements"], names),
        "06_服务量月报.csv": _volume_file(frames["service_volume"], names),
    }
    for name, data in contents.items():
        (out_dir / name).write_bytes(data)
    _write_rotations_xlsx(frames["expert_rotations"], out_dir / "02_专家下沉台账.xlsx", names)
    from sinkview.tools.sample_party import write_party_files  # 07 and 08: the party ledgers

    party = write_party_files(out_dir, county, frames, seed)
    return sorted([*(out_dir / name for name in [*contents, "02_专家下沉台账.xlsx"]), *party])
