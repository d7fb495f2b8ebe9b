"""The command line end to end: ``python -m sinkview load`` then ``metrics --json``, compared with
values worked out by hand below (data-contract.md "Command line", metrics.md).

The six ledgers are small and come in the forms clerks produce: a GBK CSV with title rows and a
合计 row, an XLSX with native dates, a UTF-8 CSV with a BOM, a tab-separated GB18030 file and a
semicolon file. Every expected number is derived in the comments next to it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

PROJECT = Path(__file__).resolve().parent.parent
METRICS_SPEC = Path("/work/shared/spec/metrics.md")
Q3 = ("2025-07-01", "2025-09-30")

# --------------------------------------------------------------------------- helpers


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sinkview", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def make_env(secrets: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SINKVIEW_DB", "SINKVIEW_LANG")}
    env.update({"SINKVIEW_SECRETS_DIR": str(secrets), "PYTHONIOENCODING": "utf-8", "SINKVIEW_LANG": "zh"})
    return env


def csv_text(header: list[str], rows: list[list[str]], sep: str = ",", title: list[str] = (),
             footer: list[str] = ()) -> str:
    lines = [*title, sep.join(header), *(sep.join(r) for r in rows), *footer]
    return "\n".join(lines) + "\n"


def xlsx_bytes(rows: list[list], sheet: str = "Sheet1") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = book.add_format({"num_format": "yyyy/m/d"})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every table of the store, in full, read without sinkview."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        return {t: con.execute(f'select * from "{t}" order by all').fetchall() for t in tables}
    finally:
        con.close()


def spec_indicator_ids() -> list[str]:
    """Every indicator id defined in metrics.md (first cell of each table row)."""
    return re.findall(r"^\| ((?:rotation|referral|village|talent|volume|party)\.[a-z0-9_]+) \|",
                      METRICS_SPEC.read_text(encoding="utf-8"), flags=re.M)


def identity_number(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


# --------------------------------------------------------------------------- the county's ledgers
#
# Ranks: U1 4 (upper, no community); C1 3, C2 3 (county); T1 T2 T3 2 (township); V1 V2 V3 1.
# Community 甲: C1 T1 T2 V1 V2.  Community 乙: C2 T3 V3.

INSTITUTIONS = [
    # 机构编码, 机构名称, 机构层级, 上级机构编码, 医共体
    ["U1", "市第一人民医院", "市级医院", "", ""],
    ["C1", "甲县人民医院", "县人民医院", "", "甲"],
    ["T1", "城关镇卫生院", "乡镇卫生院", "C1", "甲"],
    ["T2", "东乡卫生院", "中心卫生院", "C1", "甲"],
    ["V1", "李家村卫生室", "村卫生室", "T1", "甲"],
    ["V2", "张家村卫生室", "村卫生室", "T2", "甲"],
    ["C2", "乙县中医院", "county_hospital", "", "乙"],
    ["T3", "西乡卫生院", "township_center", "C2", "乙"],
    ["V3", "赵家村卫生室", "village_clinic", "T3", "乙"],
]

# Expert rotations (XLSX, native dates). Q3 = 2025-07-01..2025-09-30.
#   id  expert home host title         start       end         patients  in Q3?
#   R1  E1     C1   T1   主任医师 sen. 2025-06-21  2025-07-10  30        20 long, 10 days in Q3
#   R2  E2     C1   T1   主治医师 int. 2025-07-01  2025-09-30  200       92 long, 92 in Q3 (resident)
#   R3  E1     C1   V1   主任医师 sen. 2025-08-05  (empty)     12        1 day
#   R4  E3     U1   C2   副主任医师    2025-09-20  2025-10-19  (empty)   30 long, 11 in Q3
#   R5  E4     T1   C1   主任医师      2025-08-01  2025-08-10  50        upward: not counted (warning)
#   R6  E5     C2   T3   副主任医师    2025-05-01  2025-08-31  70        123 long, 62 in Q3 (resident)
#   R7  E6     U1   V1   住院医师 jun. 2025-07-15  2025-10-31  40        109 long, 78 in Q3 (resident)
#   R8  E7     C2   T3   主治医师      2025-10-01  2025-10-05  9         after Q3
ROTATION_HEADER = ["记录编号", "专家工号", "专家姓名", "派出机构编码", "接收机构编码", "专科", "职称",
                   "开始日期", "结束日期", "活动类型", "诊疗人次", "培训人次", "是否党员"]
D = dt.date
ROTATIONS = [
    ["R1", "E1", "张一", "C1", "T1", "心内科", "主任医师", D(2025, 6, 21), D(2025, 7, 10), "坐诊", 30, 2, "是"],
    ["R2", "E2", "李二", "C1", "T1", "普外科", "主治医师", D(2025, 7, 1), D(2025, 9, 30), "手术带教", 200, 10, "否"],
    ["R3", "E1", "张一", "C1", "V1", "心内科", "主任医师", D(2025, 8, 5), "", "门诊", 12, 0, "是"],
    ["R4", "E3", "王三", "U1", "C2", "神经内科", "副主任医师", D(2025, 9, 20), D(2025, 10, 19), "教学查房", "", 5, "否"],
    ["R5", "E4", "赵四", "T1", "C1", "全科", "主任医师", D(2025, 8, 1), D(2025, 8, 10), "培训", 50, 0, "否"],
    ["R6", "E5", "钱五", "C2", "T3", "中医科", "副主任医师", D(2025, 5, 1), D(2025, 8, 31), "坐诊", 70, 3, "是"],
    ["R7", "E6", "孙六", "U1", "V1", "儿科", "住院医师", D(2025, 7, 15), D(2025, 10, 31), "远程会诊", 40, 0, "否"],
    ["R8", "E7", "周七", "C2", "T3", "骨科", "主治医师", D(2025, 10, 1), D(2025, 10, 5), "坐诊", 9, 0, "否"],
]

# Referrals (UTF-8 with BOM). P01 is a mobile number and P03 an identity number: both are
# pseudonymised on import, consistently, so they still count as one patient each.
P01 = "13812345678"
P03 = identity_number("43028119750612345")
#   id   patient date        from to  ranks   status          accepted     days
#   Z1   P01     2025-07-03  V1   T1  1->2 up  已完成            2025-07-05   2
#   Z2   P02     2025-07-10  T1   C1  2->3 up  已接收            2025-07-11   1
#   Z3   P03     2025-08-01  C1   U1  3->4 up  (empty=completed) 2025-08-08   7   out of county
#   Z4   P01     2025-08-20  C1   T1  3->2 down 已就诊           2025-08-24   4
#   Z5   P04     2025-09-02  T3   C2  2->3 up  拒收 (rejected)   -
#   Z6   P05     2025-09-05  U1   C2  4->3 down 已接收           2025-09-11   6
#   Z7   P06     2025-09-10  T1   T3  2->2 lateral completed     2025-09-13   3
#   Z8   P02     2025-09-15  C2   U1  3->4 up  撤销 (cancelled)  -
#   Z9   P07     2025-10-02  T1   C1  after Q3
#   Z10  P08     2025-06-30  T2   C1  before Q3
REFERRAL_HEADER = ["转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码", "转诊方向", "诊断编码",
                   "诊断名称", "转诊状态", "转诊原因", "接收日期"]
REFERRALS = [
    ["Z1", P01, "2025-07-03", "V1", "T1", "上转", "I10", "高血压", "已完成", "", "2025-07-05"],
    ["Z2", "P02", "2025/7/10", "T1", "C1", "上转", "E11.9", "2型糖尿病", "已接收", "", "2025/7/11"],
    ["Z3", P03, "2025年8月1日", "C1", "U1", "", "I63.9", "脑梗死", "", "", "2025年8月8日"],
    ["Z4", P01, "20250820", "C1", "T1", "下转", "I10", "高血压", "已就诊", "康复", "20250824"],
    ["Z5", "P04", "2025-09-02", "T3", "C2", "上转", "J18.9", "肺炎", "拒收", "", ""],
    ["Z6", "P05", "2025-09-05", "U1", "C2", "下转", "S72.0", "股骨颈骨折", "已接收", "", "2025-09-11"],
    ["Z7", "P06", "2025-09-10", "T1", "T3", "", "K35", "阑尾炎", "已完成", "", "2025-09-13"],
    ["Z8", "P02", "2025-09-15", "C2", "U1", "上转", "E11.9", "2型糖尿病", "撤销", "", ""],
    ["Z9", "P07", "2025-10-02", "T1", "C1", "上转", "I10", "高血压", "已完成", "", "2025-10-03"],
    ["Z10", "P08", "2025-06-30", "T2", "C1", "上转", "I10", "高血压", "已完成", "", "2025-07-01"],
]

# Village coverage (UTF-8, comma). Two snapshots (Q2 and Q3) plus one Q4 row that Q3 ignores.
#   village        centre clinic  period           pop   doctors licensed contracted ins tele party ecg
#   A1 李家村      T1     V1      2025-Q2          1000  2       1        500        是  否   是    否
#   A2 王家村      T1     -       2025-Q2           600  0       0        100        否  否   否    否
#   A3 张家村      T2     V2      2025-Q2           800  1       0        400        是  是   否    是
#   B1 赵家村      T3     V3      2025-Q2          1200  1       1        300        是  否   否    否
#   A1             T1     V1      2025年第三季度   1010  3       2        600        Y   Y    Y     Y
#   A2             T1     -       2025年第三季度    590  (empty) (empty)   50        N   N    N     N
#   B1             T3     V3      2025年第三季度   1200  0       0        300        1   0    0     0
#   A1             T1     V1      2025年第四季度   1020  5       5        700        有  有   有    有  (after Q3)
# Snapshot at 2025-09-30: A1 (Q3), A2 (Q3), A3 (Q2: its latest on or before the end), B1 (Q3).
VILLAGE_HEADER = ["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院编码", "村卫生室编码", "常住人口",
                  "村医人数", "执业（助理）医师数", "家庭医生签约人数", "医保结算", "远程医疗", "党组织覆盖",
                  "心电设备", "距卫生院距离(km)"]
A1, A2, A3, B1 = "043028110001", "043028110002", "043028110203", "043028120001"
VILLAGES = [
    ["2025-Q2", A1, "李家村", "城关镇", "T1", "V1", "1000", "2", "1", "500", "是", "否", "是", "否", "2.5"],
    ["2025-Q2", A2, "王家村", "城关镇", "T1", "", "600", "0", "0", "100", "否", "否", "否", "否", "6"],
    ["2025-Q2", A3, "张家村", "东乡", "T2", "V2", "800", "1", "0", "400", "是", "是", "否", "是", "4.2"],
    ["2025-Q2", B1, "赵家村", "西乡", "T3", "V3", "1200", "1", "1", "300", "是", "否", "否", "否", "3"],
    ["2025年第三季度", A1, "李家村", "城关镇", "T1", "V1", "1,010", "3", "2", "600", "Y", "Y", "Y", "Y", "2.5"],
    ["2025年第三季度", A2, "王家村", "城关镇", "T1", "", "590", "", "", "50", "N", "N", "N", "N", "6"],
    ["2025年第三季度", B1, "赵家村", "西乡", "T3", "V3", "1200", "0", "0", "300", "1", "0", "0", "0", "3"],
    ["2025年第四季度", A1, "李家村", "城关镇", "T1", "V1", "1020", "5", "5", "700", "有", "有", "有", "有", "2.5"],
]

# Staff movements (tab-separated, GB18030).
#   id   staff type            from  to    start       title      party
#   M1   S1    下派 dispatch   C1    T1    2025-07-01  副主任医师  是
#   M2   S2    下派 dispatch   C2    T3    2025-08-15  主治医师    否
#   M3   S3    进修 training   T1    C1    2025-09-01  住院医师    否
#   M4   S4    招聘 recruit    -     T2    2025-07-20  初级        否   inflow (from outside)
#   M5   S5    离职 departure  V1    -     2025-08-31  医士        否   outflow
#   M6   S6    调动 transfer   T3    C2    2025-09-10  中级        否   outflow (2 -> 3)
#   M7   S7    调动 transfer   C1    V1    2025-07-05  中级        是   inflow (3 -> 1)
#   M8   S8    下派 dispatch   C1    V1    2025-10-08  主任医师    是   after Q3
#   M9   S9    调动 transfer   T1    T3    2025-08-01  初级        否   grassroots to grassroots
#   M10  S10   引进 recruit    -     V1    2025-09-20  无职称      否   inflow
MOVEMENT_HEADER = ["记录编号", "工号", "姓名", "流动类型", "原机构编码", "目标机构编码", "开始日期", "结束日期",
                   "职称", "专业", "学历", "是否党员"]
MOVEMENTS = [
    ["M1", "S1", "周医生", "下派", "C1", "T1", "2025-07-01", "2025-12-31", "副主任医师", "内科", "硕士", "是"],
    ["M2", "S2", "吴医生", "下派", "C2", "T3", "2025-08-15", "2026-02-14", "主治医师", "中医", "本科", "否"],
    ["M3", "S3", "郑医生", "进修", "T1", "C1", "2025-09-01", "2025-11-30", "住院医师", "全科", "大专", "否"],
    ["M4", "S4", "王护士", "招聘", "", "T2", "2025-07-20", "", "初级", "护理", "大专", "否"],
    ["M5", "S5", "冯医士", "离职", "V1", "", "2025-08-31", "", "医士", "全科", "中专", "否"],
    ["M6", "S6", "陈医生", "调动", "T3", "C2", "2025-09-10", "", "中级", "外科", "本科", "否"],
    ["M7", "S7", "褚医生", "调动", "C1", "V1", "2025-07-05", "", "中级", "全科", "本科", "是"],
    ["M8", "S8", "卫医生", "下派", "C1", "V1", "2025-10-08", "2026-04-07", "主任医师", "内科", "博士", "是"],
    ["M9", "S9", "蒋医生", "调动", "T1", "T3", "2025-08-01", "", "初级", "全科", "大专", "否"],
    ["M10", "S10", "沈医生", "引进", "", "V1", "2025-09-20", "", "无职称", "全科", "中专", "否"],
]

# Service volume (semicolon-separated UTF-8, thousands separators). U1 rows name the
# community whose residents were treated; T2's community cell is ignored (it is in 甲).
#   month    inst  comm  outpatient admissions tcm   fund
#   2025-07  T1    -     1000       50         200   100,000
#   2025-08  C1    -     3000       400        300   900,000
#   2025-09  V1    -     500        -          50    20,000
#   2025-09  U1    甲    800        100        -     600,000
#   2025-09  U1    乙    400        60         -     300,000
#   2025-09  U1    -     100        10         -     50,000
#   2025-08  C2    -     2000       300        500   700,000
#   2025-08  T3    -     1500       20         100   80,000
#   2025-06  T1    -     999        9          9     9,999      (before Q3)
#   2025-09  T2    (乙)  700        30         70    40,000
VOLUME_HEADER = ["月份", "机构编码", "门急诊人次", "出院人次", "中医诊疗人次", "医保基金支出(元)", "所属医共体"]
VOLUMES = [
    ["2025-07", "T1", "1,000", "50", "200", "100,000.00", ""],
    ["2025年8月", "C1", "3,000", "400", "300", "900,000", ""],
    ["202509", "V1", "500", "", "50", "20000", ""],
    ["2025-09", "U1", "800", "100", "", "600,000", "甲"],
    ["2025-09", "U1", "400", "60", "", "300,000", "乙"],
    ["2025-09", "U1", "100", "10", "", "50,000", ""],
    ["2025/8", "C2", "2,000", "300", "500", "700,000", ""],
    ["2025-08-31", "T3", "1,500", "20", "100", "80,000", ""],
    ["2025-06", "T1", "999", "9", "9", "9,999", ""],
    ["2025-09", "T2", "700", "30", "70", "40,000", "乙"],
]


def write_ledgers(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "01_机构名录.csv": csv_text(
            ["机构编码", "机构名称", "机构层级", "上级机构编码", "医共体"], INSTITUTIONS,
            title=["某县医共体机构名录（2025年）", "", "填报单位：县卫生健康局"],
            footer=["合计,9家,,,"]).encode("gbk"),
        "02_专家下沉.xlsx": xlsx_bytes([["2025年专家下沉台账"], ROTATION_HEADER, *ROTATIONS], sheet="专家下沉"),
        "03_双向转诊.csv": csv_text(REFERRAL_HEADER, REFERRALS).encode("utf-8-sig"),
        "04_村卫生室.csv": csv_text(VILLAGE_HEADER, [[f'"{c}"' if "," in c else c for c in r] for r in VILLAGES]
                                    ).encode("utf-8"),
        "05_人才流动.txt": csv_text(MOVEMENT_HEADER, MOVEMENTS, sep="\t").encode("gb18030"),
        "06_服务量.csv": csv_text(VOLUME_HEADER, VOLUMES, sep=";").encode("utf-8"),
    }
    paths = []
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
        paths.append(folder / name)
    return paths


# --------------------------------------------------------------------------- expected values
#
# Q3 2025, all communities.
EXPECTED_Q3 = {
    # Counted stints: R1 10 days, R2 92, R3 1, R4 11, R6 62, R7 78 (R5 upward, R8 after Q3).
    "rotation.expert_days": 254,              # 10 + 92 + 1 + 11 + 62 + 78
    "rotation.visits": 6,                     # R1 R2 R3 R4 R6 R7
    "rotation.experts": 5,                    # E1 (R1, R3), E2, E3, E5, E6
    "rotation.township_coverage": 2 / 3,      # T1 (R1, R2) and T3 (R6) of T1 T2 T3
    "rotation.senior_share": 84 / 254,        # senior days: R1 10 + R3 1 + R4 11 + R6 62 = 84
    "rotation.patients_served": 252,          # starting in Q3: R2 200 + R3 12 + R4 (empty) + R7 40
    "rotation.resident_experts": 3,           # >= 90 days long: R2 E2 (92), R6 E5 (123), R7 E6 (109)
    # stationed: R2 E2 (intermediate, C1 3 -> T1 2) and R6 E5 (senior, C2 3 -> T3 2); R7 is junior
    "rotation.stationed_per_10k": 2 / 3600 * 10000,   # village.population = 3600 (below)
    # Referrals in Q3: Z1..Z8; effective: not Z5 (rejected) nor Z8 (cancelled).
    "referral.up": 3,                         # Z1 (1->2), Z2 (2->3), Z3 (3->4)
    "referral.down": 2,                       # Z4 (3->2), Z6 (4->3)
    "referral.lateral": 1,                    # Z7 (2->2)
    "referral.down_up_ratio": 2 / 3,
    "referral.out_of_county_share": 1 / 3,    # Z3 to U1 / 3 upward
    "referral.rejection_rate": 1 / 7,         # Z5 / Z1..Z7 (Z8 cancelled)
    "referral.patients": 5,                   # P01 (Z1, Z4), P02 (Z2), P03, P05, P06
    "referral.median_accept_days": 3.5,       # days 2, 1, 7, 4, 6, 3 -> 1 2 3 4 6 7 -> (3 + 4) / 2
    # Snapshot: A1 Q3 (1010, 3 doctors, 2 licensed, 600 contracted, clinic, all yes),
    # A2 Q3 (590, no clinic, 0, 0, 50), A3 Q2 (800, clinic, 1, 0, 400, ins yes tele yes party no
    # ecg yes), B1 Q3 (1200, clinic, 0 doctors, 0, 300, ins yes, others no).
    "village.villages": 4,
    "village.clinic_coverage": 3 / 4,         # A1 A3 B1
    "village.blank_villages": 2,              # A2 (no clinic), B1 (no doctor)
    "village.doctors_per_1000": 4 / 3600 * 1000,   # 3 + 0 + 1 + 0 doctors; 1010 + 590 + 800 + 1200
    "village.licensed_share": 2 / 4,          # 2 + 0 + 0 + 0 licensed / 4 doctors
    "village.signing_rate": 1350 / 3600,      # 600 + 50 + 400 + 300
    "village.insurance_rate": 3 / 3,          # A1 A3 B1 all yes
    "village.telemedicine_rate": 2 / 3,       # A1 A3
    "village.party_coverage": 1 / 3,          # A1
    "village.ecg_coverage": 2 / 3,            # A1 A3
    "village.population": 3600,
    # Movements starting in Q3: M1..M7, M9, M10 (M8 after Q3).
    "talent.dispatched_down": 2,              # M1 M2
    "talent.trained_up": 1,                   # M3
    "talent.senior_dispatch_share": 1 / 2,    # M1 (副主任医师)
    "talent.party_dispatch_share": 1 / 2,     # M1
    "talent.grassroots_inflow": 3,            # M4 (outside -> T2), M7 (C1 -> V1), M10 (outside -> V1)
    "talent.grassroots_outflow": 2,           # M5 (V1 -> leaves), M6 (T3 -> C2)
    "talent.net_grassroots": 1,               # 3 - 2 (M9 T1 -> T3 is neither)
    # Volume months in Q3: all rows but T1 2025-06.
    # rank <= 2 visits: T1 1000 + V1 500 + T3 1500 + T2 700 = 3700; rank 3: C1 3000 + C2 2000.
    "volume.grassroots_visit_share": 3700 / 8700,
    # admissions rank <= 3: T1 50 + C1 400 + C2 300 + T3 20 + T2 30 = 800 (V1 empty);
    # all: 800 + U1 100 + 60 + 10 = 970
    "volume.in_county_admission_share": 800 / 970,
    # tcm rank <= 3: 200 + 300 + 50 + 500 + 100 + 70 = 1220
    "volume.tcm_visit_share": 1220 / 8700,
    # fund rank <= 3: 100000 + 900000 + 20000 + 700000 + 80000 + 40000 = 1840000;
    # all: + 600000 + 300000 + 50000 = 2790000; rank <= 2: 100000 + 20000 + 80000 + 40000 = 240000
    "volume.in_county_fund_share": 1840000 / 2790000,
    "volume.grassroots_fund_share": 240000 / 1840000,
    # party: this county loads no party ledgers (tests/test_party_indicators.py works them out);
    # the eight member institutions are all uncovered, stints of party members R1 10 + R3 1 + R6 62
    **{"party.organisations": 0, "party.members": 0, "party.institution_coverage": 0.0,
       "party.clinic_coverage": 0.0, "party.meeting_regularity": None, "party.member_turnout": None,
       "party.theme_days": 0, "party.free_clinics": 0, "party.residents_served": 0,
       "party.grassroots_service_share": None, "party.fusion_projects": 0,
       "party.expert_days_share": 73 / 254},
}

# Q3 2025, community 甲 (C1 T1 T2 V1 V2; U1 rows whose community column is 甲).
EXPECTED_Q3_JIA = {
    # host in 甲: R1 (T1) 10, R2 (T1) 92, R3 (V1) 1, R7 (V1) 78
    "rotation.expert_days": 181,              # 10 + 92 + 1 + 78
    "rotation.visits": 4,
    "rotation.experts": 3,                    # E1 E2 E6
    "rotation.township_coverage": 1 / 2,      # T1 of T1 T2
    "rotation.senior_share": 11 / 181,        # R1 10 + R3 1
    "rotation.patients_served": 252,          # R2 200 + R3 12 + R7 40
    "rotation.resident_experts": 2,           # E2 (R2), E6 (R7)
    "rotation.stationed_per_10k": 1 / 2400 * 10000,   # E2 only; 甲 villages A1 A2 A3: 1010 + 590 + 800
    # Referrals with an end in 甲: Z1 Z2 Z3 Z4 Z7 (Z5 Z6 Z8 are 乙 or upper only); all effective.
    "referral.up": 3,                         # Z1 Z2 Z3
    "referral.down": 1,                       # Z4
    "referral.lateral": 1,                    # Z7 (T1 甲 -> T3 乙 counts in both)
    "referral.down_up_ratio": 1 / 3,
    "referral.out_of_county_share": 1 / 3,    # Z3
    "referral.rejection_rate": 0.0,           # 0 rejected / 5
    "referral.patients": 4,                   # P01 P02 P03 P06
    "referral.median_accept_days": 3.0,       # 2 1 7 4 3 -> 1 2 3 4 7
    # villages of 甲: A1 (Q3), A2 (Q3), A3 (Q2)
    "village.villages": 3,
    "village.clinic_coverage": 2 / 3,         # A1 A3
    "village.blank_villages": 1,              # A2
    "village.doctors_per_1000": 4 / 2400 * 1000,   # 3 + 0 + 1; 1010 + 590 + 800
    "village.licensed_share": 2 / 4,
    "village.signing_rate": 1050 / 2400,      # 600 + 50 + 400
    "village.insurance_rate": 2 / 2,          # A1 A3
    "village.telemedicine_rate": 2 / 2,       # A1 A3
    "village.party_coverage": 1 / 2,          # A1
    "village.ecg_coverage": 2 / 2,            # A1 A3
    "village.population": 2400,
    # movements with an institution in 甲: M1 M3 M4 M5 M7 M9 M10 (M2 M6 are 乙 only)
    "talent.dispatched_down": 1,              # M1
    "talent.trained_up": 1,                   # M3
    "talent.senior_dispatch_share": 1.0,      # M1
    "talent.party_dispatch_share": 1.0,       # M1
    "talent.grassroots_inflow": 3,            # M4 M7 M10
    "talent.grassroots_outflow": 1,           # M5
    "talent.net_grassroots": 2,
    # volume: T1 07, C1 08, V1 09, U1 甲 09, T2 09
    "volume.grassroots_visit_share": 2200 / 5200,      # 1000 + 500 + 700 / + 3000
    "volume.in_county_admission_share": 480 / 580,     # 50 + 400 + 30 / + U1 100
    "volume.tcm_visit_share": 620 / 5200,              # 200 + 300 + 50 + 70
    "volume.in_county_fund_share": 1060000 / 1660000,  # 100000 + 900000 + 20000 + 40000 / + 600000
    "volume.grassroots_fund_share": 160000 / 1060000,  # 100000 + 20000 + 40000
    **{"party.organisations": 0, "party.members": 0, "party.institution_coverage": 0.0,
       "party.clinic_coverage": 0.0, "party.meeting_regularity": None, "party.member_turnout": None,
       "party.theme_days": 0, "party.free_clinics": 0, "party.residents_served": 0,
       "party.grassroots_service_share": None, "party.fusion_projects": 0,
       "party.expert_days_share": 11 / 181},  # R1 10 + R3 1
}

COUNTS = {"rotation.expert_days", "rotation.visits", "rotation.experts", "rotation.patients_served",
          "rotation.resident_experts", "referral.up", "referral.down", "referral.lateral", "referral.patients",
          "village.villages", "village.blank_villages", "village.population", "talent.dispatched_down",
          "talent.trained_up", "talent.grassroots_inflow", "talent.grassroots_outflow", "talent.net_grassroots",
          "party.organisations", "party.members", "party.theme_days", "party.free_clinics",
          "party.residents_served", "party.fusion_projects"}


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The six ledgers loaded through the command line into a fresh store."""
    root = tmp_path_factory.mktemp("cli")
    env = make_env(root / "secrets")
    db = root / "county.duckdb"
    paths = write_ledgers(root / "ledgers")
    result = run("load", "--db", str(db), *map(str, paths), env=env)
    return {"root": root, "env": env, "db": db, "paths": paths, "load": result}


@pytest.fixture
def env(tmp_path):
    return make_env(tmp_path / "secrets")


def metrics(db: Path, env: dict, *extra: str) -> dict:
    result = run("metrics", "--db", str(db), "--start", Q3[0], "--end", Q3[1], *extra, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- load and metrics

def test_every_spec_indicator_has_an_expected_value():
    ids = spec_indicator_ids()
    assert len(ids) == len(set(ids)) >= 39
    assert set(EXPECTED_Q3) == set(ids)
    assert set(EXPECTED_Q3_JIA) == set(ids)


def test_load_of_the_six_ledgers(county):
    result = county["load"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    paths = county["paths"]
    expected = [("institutions", 9), ("expert_rotations", 8), ("referrals", 10), ("village_coverage", 8),
                ("staff_movements", 10), ("service_volume", 10)]
    for path, (dataset, rows) in zip(paths, expected):
        assert f"{path}: {dataset} imported={rows} rejected=0" in out, out
    # warnings are printed per file: title rows (header on line 4) and the total row (line 14:
    # 3 title lines, the header, 9 institutions) of the GBK file, the upward rotation R5 (row 7
    # of the XLSX: a title line, the header, then R1 on row 3), and the pseudonymised patient
    # keys (Z1, Z3, Z4)
    warnings = [line for line in out.splitlines() if ": warning: " in line]
    assert any(line.startswith(f"{paths[0]}: warning:") and "第 4 行" in line for line in warnings), warnings
    assert any(line.startswith(f"{paths[0]}: warning:") and "合计" in line and "第 14 行" in line for line in warnings)
    assert any(line.startswith(f"{paths[1]}: warning:") and "第 7 行" in line for line in warnings), warnings
    assert any(line.startswith(f"{paths[2]}: warning:") and "3 个" in line for line in warnings), warnings


def test_loaded_store_holds_what_the_files_say(county):
    tables = dump(county["db"])
    assert len(tables["institutions"]) == 9
    assert sorted(r[1] for r in tables["village_coverage"]) == sorted([A1, A1, A1, A2, A2, A3, B1, B1])
    con = duckdb.connect(str(county["db"]), read_only=True)
    try:
        keys = dict(con.execute("select referral_id, patient_key from referrals").fetchall())
        rotation_end = con.execute("select end_date from expert_rotations where record_id = 'R3'").fetchall()
        communities = con.execute("select inst_id, community from service_volume "
                                  "where period = date '2025-09-01' order by 1, 2").fetchall()
    finally:
        con.close()
    assert keys["Z1"] == keys["Z4"] and keys["Z1"].startswith("h:")
    assert keys["Z3"].startswith("h:") and keys["Z2"] == "P02"
    assert P01 not in str(tables) and P03 not in str(tables)
    assert rotation_end == [(dt.date(2025, 8, 5),)]
    assert communities == [("T2", ""), ("U1", ""), ("U1", "乙"), ("U1", "甲"), ("V1", "")]


def test_metrics_json_shape(county):
    data = metrics(county["db"], county["env"])
    assert set(data) == {"period", "community", "indicators"}
    assert data["period"] == {"start": Q3[0], "end": Q3[1]}
    assert data["community"] is None
    assert set(data["indicators"]) == set(spec_indicator_ids())
    data = metrics(county["db"], county["env"], "--community", "甲")
    assert data["community"] == "甲"
    assert set(data["indicators"]) == set(spec_indicator_ids())


@pytest.mark.parametrize("community, expected", [(None, EXPECTED_Q3), ("甲", EXPECTED_Q3_JIA)],
                         ids=["all", "community-甲"])
def test_metrics_match_hand_computed_values(county, community, expected):
    extra = ("--community", community) if community else ()
    values = metrics(county["db"], county["env"], *extra)["indicators"]
    mismatches = {}
    for key, want in expected.items():
        got = values[key]
        if want is None:
            ok = got is None
        elif key in COUNTS:
            ok = got == want and isinstance(got, int)
        else:
            ok = got is not None and got == pytest.approx(want, rel=1e-12, abs=1e-12)
        if not ok:
            mismatches[key] = (got, want)
    assert mismatches == {}


def test_metrics_of_an_empty_period_are_zero_or_null(county):
    result = run("metrics", "--db", str(county["db"]), "--start", "2030-01-01", "--end", "2030-03-31", "--json",
                 env=county["env"])
    values = json.loads(result.stdout)["indicators"]
    assert values["rotation.expert_days"] == 0
    assert values["referral.up"] == 0
    assert values["referral.down_up_ratio"] is None           # 0 / 0
    assert values["referral.median_accept_days"] is None
    assert values["talent.senior_dispatch_share"] is None
    assert values["volume.grassroots_visit_share"] is None
    # coverage is a state: the snapshot of 2030-03-31 is the latest rows (A1 Q4, A2 Q3, A3 Q2, B1 Q3)
    assert values["village.villages"] == 4
    assert values["village.population"] == 1020 + 590 + 800 + 1200


def test_metrics_text_output_lists_every_indicator(county):
    result = run("metrics", "--db", str(county["db"]), "--start", Q3[0], "--end", Q3[1], env=county["env"])
    assert result.returncode == 0
    for indicator_id in spec_indicator_ids():
        assert indicator_id in result.stdout


def test_metrics_end_before_start_is_a_user_error(county):
    result = run("metrics", "--db", str(county["db"]), "--start", "2025-09-30", "--end", "2025-07-01", "--json",
                 env=county["env"])
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len((result.stdout + result.stderr).strip().splitlines()) == 1


# --------------------------------------------------------------------------- load: errors

INST_CSV = csv_text(["机构编码", "机构名称", "机构层级", "医共体"],
                    [["C1", "县人民医院", "县医院", "甲"], ["T1", "城关镇卫生院", "乡镇卫生院", "甲"]])

BAD_ROTATIONS = csv_text(ROTATION_HEADER[:10], [
    ["R1", "E1", "张一", "C1", "T1", "内科", "主任医师", "2025-07-01", "2025-07-05", "坐诊"],     # row 3
    ["R2", "E2", "李二", "C1", "X9", "内科", "主任医师", "07/01/2025", "", "坐诊"],              # row 4: 2 errors
    ["R3", "E3", "王三", "C1", "T1", "内科", "主任医师", "2025-07-02", "", "坐诊"],              # row 5
    ["R4", "E4", "赵四", "C1", "T1", "", "主任医师", "2025-07-03", "", "跳舞"],                  # row 6: 2 errors
], title=["专家下沉台账"])


@pytest.fixture
def small_store(tmp_path, env):
    db = tmp_path / "small.duckdb"
    (tmp_path / "inst.csv").write_bytes(INST_CSV.encode("gbk"))
    result = run("load", "--db", str(db), str(tmp_path / "inst.csv"), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return db


def test_load_of_a_bad_file_prints_every_bad_row_and_writes_nothing(tmp_path, env, small_store):
    bad = tmp_path / "专家下沉.csv"
    bad.write_bytes(BAD_ROTATIONS.encode("utf-8"))
    before = dump(small_store)
    result = run("load", "--db", str(small_store), str(bad), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    expected = [(4, "接收机构编码", "机构"), (4, "开始日期", "日期"), (6, "专科", "必填"), (6, "活动类型", "取值")]
    for row, column, words in expected:
        prefix = f"{bad}:{row}:{column}: "
        matching = [line for line in lines if line.startswith(prefix)]
        assert len(matching) == 1, (prefix, lines)
        reason = matching[0][len(prefix):]
        assert words in reason, reason            # the reason, in Chinese, not a code
    error_lines = [line for line in lines if re.match(re.escape(str(bad)) + r":\d+:", line)]
    assert len(error_lines) == 4
    assert dump(small_store) == before


def test_load_reasons_in_english(tmp_path, env, small_store):
    bad = tmp_path / "rotations.csv"
    bad.write_bytes(BAD_ROTATIONS.encode("utf-8"))
    result = run("--lang", "en", "load", "--db", str(small_store), str(bad), env=env)
    assert result.returncode == 1
    assert f"{bad}:4:开始日期: not a date" in result.stdout
    assert f"{bad}:4:接收机构编码: unknown institution" in result.stdout


def test_load_of_several_files_writes_the_good_ones_and_exits_1(tmp_path, env, small_store):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD_ROTATIONS.encode("utf-8"))
    good = tmp_path / "good.csv"
    good.write_bytes(csv_text(REFERRAL_HEADER, [REFERRALS[1][:3] + ["T1", "C1"] + REFERRALS[1][5:]]).encode("gbk"))
    result = run("load", "--db", str(small_store), str(bad), str(good), env=env)
    assert result.returncode == 1
    assert f"{bad}: expert_rotations imported=0 rejected=2" in result.stdout
    assert f"{good}: referrals imported=1 rejected=0" in result.stdout
    tables = dump(small_store)
    assert tables["expert_rotations"] == []
    assert [r[0] for r in tables["referrals"]] == ["Z2"]


def test_load_into_a_locked_database_is_one_clear_line(tmp_path, env, small_store):
    good = tmp_path / "inst.csv"
    holder = duckdb.connect(str(small_store))          # another process holds the write lock
    try:
        result = run("load", "--db", str(small_store), str(good), env=env)
    finally:
        holder.close()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(output) == 1, output


def test_sinkview_db_names_the_store_when_db_is_absent(tmp_path, env):
    path = tmp_path / "inst.csv"
    path.write_bytes(INST_CSV.encode("utf-8"))
    db = tmp_path / "elsewhere" / "app.duckdb"
    result = run("load", str(path), env={**env, "SINKVIEW_DB": str(db)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(r[0] for r in dump(db)["institutions"]) == ["C1", "T1"]
    values = json.loads(run("metrics", "--start", Q3[0], "--end", Q3[1], "--json",
                            env={**env, "SINKVIEW_DB": str(db)}).stdout)["indicators"]
    assert values["rotation.township_coverage"] == 0.0           # T1 is in scope, hosts nobody


def test_load_valid_rows_only(tmp_path, env, small_store):
    bad = tmp_path / "专家下沉.csv"
    bad.write_bytes(BAD_ROTATIONS.encode("utf-8"))
    result = run("load", "--db", str(small_store), "--valid-rows-only", str(bad), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{bad}: expert_rotations imported=2 rejected=2" in result.stdout
    rows = dump(small_store)["expert_rotations"]
    assert sorted(r[0] for r in rows) == ["R1", "R3"]


def test_load_of_the_same_file_twice_changes_nothing(tmp_path, env, small_store):
    good = tmp_path / "rot.csv"
    good.write_bytes(csv_text(ROTATION_HEADER[:10], [
        ["R1", "E1", "张一", "C1", "T1", "内科", "主任医师", "2025-07-01", "2025-07-05", "坐诊"]]).encode("gbk"))
    assert run("load", "--db", str(small_store), str(good), env=env).returncode == 0
    before = dump(small_store)
    assert run("load", "--db", str(small_store), str(good), env=env).returncode == 0
    after = dump(small_store)
    assert len(after["imports"]) == len(before["imports"]) + 1
    assert {t: r for t, r in after.items() if t != "imports"} == {t: r for t, r in before.items() if t != "imports"}


def test_dataset_option_forces_the_dataset(tmp_path, env, small_store):
    # A workbook whose first sheet is the institutions ledger and whose second sheet is named
    # 服务量: recognition picks the sheet named after a dataset, --dataset the one asked for.
    book = tmp_path / "book.xlsx"
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    first = wb.add_worksheet("Sheet1")
    for r, row in enumerate([["机构编码", "机构名称", "机构层级", "医共体"], ["V1", "李家村卫生室", "村卫生室", "甲"]]):
        first.write_row(r, 0, row)
    second = wb.add_worksheet("服务量")
    for r, row in enumerate([["月份", "机构编码", "门急诊人次"], ["2025-09", "T1", "100"]]):
        second.write_row(r, 0, row)
    wb.close()
    book.write_bytes(buffer.getvalue())

    result = run("load", "--db", str(small_store), "--dataset", "institutions", str(book), env=env)
    assert result.returncode == 0, result.stdout
    assert f"{book}: institutions imported=1 rejected=0" in result.stdout
    tables = dump(small_store)
    assert "V1" in [r[0] for r in tables["institutions"]]
    assert tables["service_volume"] == []


def test_dataset_option_that_does_not_fit_the_file(tmp_path, env, small_store):
    path = tmp_path / "inst2.csv"
    path.write_bytes(INST_CSV.encode("utf-8"))
    before = dump(small_store)
    result = run("load", "--db", str(small_store), "--dataset", "referrals", str(path), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "referrals" in result.stdout
    assert dump(small_store) == before


def test_missing_file_is_one_clear_line(tmp_path, env):
    missing = tmp_path / "no_such_ledger.csv"
    db = tmp_path / "x.duckdb"
    result = run("load", "--db", str(db), str(missing), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(output) == 1, output
    assert str(missing) in output[0]


def test_unreadable_file_is_one_clear_line(tmp_path, env):
    junk = tmp_path / "photo.csv"
    junk.write_bytes(b"\x00\x01\x02junk" * 100)
    result = run("load", "--db", str(tmp_path / "x.duckdb"), str(junk), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(output) == 1 and str(junk) in output[0]


@pytest.mark.parametrize("args", [
    [],
    ["load"],
    ["frobnicate"],
    ["load", "--dataset", "patients", "x.csv"],
    ["load", "--no-such-option", "x.csv"],
    ["metrics"],
    ["metrics", "--start", "2025-07-01"],
    ["metrics", "--start", "2025-13-01", "--end", "2025-12-31"],
    ["metrics", "--start", "yesterday", "--end", "2025-12-31"],
], ids=["nothing", "load-no-files", "unknown-command", "unknown-dataset", "unknown-option", "metrics-no-dates",
        "metrics-no-end", "metrics-bad-month", "metrics-bad-date"])
def test_bad_arguments_exit_2(tmp_path, env, args):
    result = run(*args, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


@pytest.mark.parametrize("command", [["metrics", "--start", "2025-07-01", "--end", "2025-09-30"],
                                     ["check", "--start", "2025-07-01", "--end", "2025-09-30"], ["refresh"],
                                     ["audit"], ["briefing", "--period", "2025-Q3", "--out"]])
def test_a_command_that_reads_refuses_a_store_that_is_not_there_and_makes_none(tmp_path, env, command):
    missing = tmp_path / "typo" / "store.duckdb"
    argv = [*command, str(tmp_path / "deck.pptx")] if command[-1] == "--out" else command
    result = run(*argv, "--db", str(missing), env=env)
    assert result.returncode == 1
    assert str(missing) in result.stderr and "Traceback" not in result.stderr
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("command", ["metrics", "check"])
def test_an_unknown_community_is_refused_with_the_known_ones(county, command):
    result = run(command, "--db", str(county["db"]), "--start", Q3[0], "--end", Q3[1], "--community", "无此医共体",
                 env=county["env"])
    assert result.returncode == 1
    assert "无此医共体" in result.stderr and "Traceback" not in result.stderr


def test_metrics_text_shows_values_as_the_pages_do_and_a_closed_pipe_ends_quietly(county):
    result = run("metrics", "--db", str(county["db"]), "--start", Q3[0], "--end", Q3[1], env=county["env"])
    line = next(row for row in result.stdout.splitlines() if row.startswith("rotation.township_coverage"))
    assert line.split()[1].endswith("%")
    piped = subprocess.run(f"{sys.executable} -m sinkview metrics --db {county['db']} --start 2023-01-01 --end 2025-12-31 "
                           "--by month | head -1", shell=True, capture_output=True, text=True, cwd=PROJECT,
                           env=county["env"])
    assert "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr


def test_an_unexpected_failure_is_a_message_not_a_traceback(monkeypatch, capsys):
    from sinkview.tools import cli

    def broken(args):
        raise RuntimeError("disk went away")

    monkeypatch.setitem(cli.COMMANDS, "audit", broken)
    monkeypatch.delenv("SINKVIEW_DEBUG", raising=False)
    assert cli.main(["--lang", "en", "audit"]) == cli.EXIT_DATA_ERRORS
    said = capsys.readouterr().err
    assert said.startswith("error: the command did not complete") and "RuntimeError: disk went away" in said
    assert "Traceback" not in said
    monkeypatch.setenv("SINKVIEW_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["audit"])
