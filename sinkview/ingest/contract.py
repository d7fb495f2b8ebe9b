"""The data contract as data: every uploadable dataset, its columns, aliases, types,
enumerations and rules (``shared/spec/data-contract.md``).

The importer, the templates and the documentation all read this module; nothing the parser
reads about a column is written anywhere else. What a user reads (dataset names and descriptions,
column labels and help, enumeration labels) is in the catalogue, ``sinkview/catalogue/contract.toml``
and ``enums.toml``. It holds no logic beyond header-name normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# Enumerations: code -> accepted Chinese labels (the code itself is always accepted, any case).
# These are the parser's aliases; the labels shown for a code are the catalogue's (enums.toml).
# ---------------------------------------------------------------------------------------------

TIER_RANKS = {"upper_hospital": 4, "county_hospital": 3, "township_center": 2, "village_clinic": 1}

DOMAINS: dict[str, dict[str, tuple[str, ...]]] = {
    "tier": {
        "upper_hospital": ("县外医院", "市级医院", "省级医院", "三级医院", "城市医院"),
        "county_hospital": ("县级医院", "牵头医院", "县医院", "县人民医院", "县中医院"),
        "township_center": ("乡镇卫生院", "中心卫生院", "社区卫生服务中心"),
        "village_clinic": ("村卫生室", "社区卫生服务站"),
    },
    "title_level": {
        "senior": ("高级", "正高", "副高", "主任医师", "副主任医师", "主任护师", "副主任护师",
                   "主任药师", "副主任药师", "主任技师", "副主任技师"),
        "intermediate": ("中级", "主治医师", "主管护师", "主管药师", "主管技师"),
        "junior": ("初级", "住院医师", "医师", "医士", "护师", "护士", "药师", "技师"),
        "none": ("无", "无职称", "其他"),
    },
    "activity": {
        "clinic": ("坐诊", "门诊"),
        "ward_round": ("查房", "教学查房"),
        "surgery": ("手术", "手术带教"),
        "case_discussion": ("疑难病例讨论", "病例讨论"),
        "training": ("培训", "讲座", "授课"),
        "teleconsult": ("远程会诊", "远程诊疗"),
        "other": ("其他",),
    },
    # The contract names up and down; lateral (平级) is what we derive and export for equal
    # ranks, so a re-upload of our own export must read it back.
    "direction": {"up": ("上转",), "down": ("下转",), "lateral": ("平级", "平转")},
    "status": {
        "completed": ("已完成", "已到达", "已就诊", "转诊完成", "接诊完成"),
        "accepted": ("已接收", "已接诊"),
        "pending": ("待接收", "申请中", "待处理", "待接诊", "待审核"),
        "rejected": ("已拒绝", "拒收", "已退回", "退回"),
        "cancelled": ("已取消", "撤销", "已撤回", "已关闭"),
    },
    "movement_type": {
        "dispatch_down": ("下沉派驻", "下派", "派驻"),
        "training_up": ("上挂进修", "进修", "上挂"),
        "transfer": ("调动", "调入", "调出"),
        "recruit": ("招聘", "入职", "引进"),
        "departure": ("离职", "退休", "辞职", "流失"),
        "rotation": ("轮岗",),
    },
    "education": {
        "doctorate": ("博士",),
        "master": ("硕士",),
        "bachelor": ("本科",),
        "college": ("大专",),
        "secondary": ("中专", "高中", "初中及以下"),
    },
    "org_level": {
        "committee": ("党委", "总院党委", "医共体党委"),
        "general_branch": ("党总支",),
        "branch": ("党支部",),
        "joint_branch": ("联合党支部",),
        "group": ("党小组",),
    },
    "party_activity": {
        "member_meeting": ("支部党员大会", "党员大会"),
        "committee_meeting": ("支委会", "支部委员会会议"),
        "group_meeting": ("党小组会",),
        "party_lecture": ("党课", "专题党课"),
        "theme_day": ("主题党日",),
        "free_clinic": ("义诊", "健康义诊", "党员志愿服务", "志愿服务"),
        "fusion_project": ("党建业务融合项目", "融合项目"),
        "joint_building": ("联建共建", "党建联盟活动"),
        "study": ("理论学习", "集中学习"),
        "review": ("组织生活会", "民主评议党员"),
        "other": ("其他",),
    },
    "boolean": {
        "true": ("是", "有", "y", "yes", "true", "1"),
        "false": ("否", "无", "n", "no", "false", "0"),
    },
}

# Values whose first non-empty cell marks a trailing total row.
TOTAL_ROW_LABELS = ("合计", "总计", "小计")

# ---------------------------------------------------------------------------------------------
# Columns and datasets
# ---------------------------------------------------------------------------------------------

# Column types. Each has one parser in the importer (sinkview/ingest/normalise_macros.sql).
# "institution" is a reference by code, name or alias (stored as the code); "institution_list"
# is several such references in one cell (INSTITUTION_LIST_SEPARATORS).
TYPES = ("id", "text", "decimal", "count", "date", "boolean", "enum", "period", "month",
         "institution", "institution_list")
INSTITUTION_TYPES = ("institution", "institution_list")

# Between the items of an institution list, and between the aliases of one institution.
INSTITUTION_LIST_SEPARATORS = "[;；、,，/]"
ALIAS_SEPARATORS = "[;；、,，]"


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    type: str
    required: bool = False
    domain: str | None = None          # for type "enum": a key of DOMAINS
    default: object = None             # value stored when the cell is empty
    upper: bool = False                # stored upper-cased (ICD-10 codes)

    def __post_init__(self):
        assert self.type in TYPES, self.type
        assert (self.type == "enum") == (self.domain is not None), self.name


@dataclass(frozen=True)
class Rule:
    """A check beyond one cell's type. ``kind`` names it; the importer turns each kind into SQL.

    kinds: unique_in_file, known_inst (column, tier or None; a code for an ``id`` column, a
    code, name or alias for an ``institution`` column), not_before (column, other),
    not_more_than (column, other), range (column, low, high), required_unless (column,
    other, value), warn_more_than (column, other), warn_not_downward, warn_direction,
    warn_icd10_shape, key_hash (column: filled with a hash of the row's other values when
    empty, or of the columns named in ``value``), no_parent_cycle (column, other: the parent
    reference of the key column).
    """

    kind: str
    column: str | None = None
    other: str | None = None
    value: object = None
    low: float | None = None
    high: float | None = None
    tier: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    sheet_name: str                          # the workbook sheet the reader takes and the template writes
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    identity_aliases: tuple[str, ...] = ()   # columns dropped unread (Privacy)
    # Where a file without a patient_key column takes it from, in order: (kind, headers).
    patient_key_sources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pseudonymised: tuple[str, ...] = ()      # columns whose identity-shaped values are HMAC-ed
    column_by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.column_by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self.column_by_name[name]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


INSTITUTIONS = Dataset(
    name="institutions", sheet_name="机构名录", key=("inst_id",),
    columns=(
        Column("inst_id", ("机构编码", "机构代码"), "id", required=True),
        Column("inst_name", ("机构名称",), "text", required=True),
        Column("tier", ("机构层级", "机构级别", "机构类型"), "enum", required=True, domain="tier"),
        Column("parent_id", ("上级机构编码",), "id"),
        Column("community", ("医共体", "所属医共体"), "text"),
        Column("county", ("县区", "所属县区", "县(区)"), "text"),
        Column("township", ("乡镇", "所属乡镇"), "text"),
        Column("latitude", ("纬度",), "decimal"),
        Column("longitude", ("经度",), "decimal"),
        Column("population", ("服务人口",), "count"),
        Column("beds", ("床位数", "编制床位"), "count"),
        Column("aliases", ("机构别名", "别名"), "text"),
    ),
    rules=(
        Rule("unique_in_file"),
        Rule("known_inst", "parent_id"),
        Rule("range", "latitude", low=3, high=54),
        Rule("range", "longitude", low=73, high=136),
    ),
)

EXPERT_ROTATIONS = Dataset(
    name="expert_rotations", sheet_name="专家下沉", key=("record_id",),
    columns=(
        Column("record_id", ("记录编号",), "id"),
        Column("expert_id", ("专家工号", "工号"), "id", required=True),
        Column("expert_name", ("专家姓名", "姓名"), "text"),
        Column("home_inst_id", ("派出机构编码", "派出机构", "派出单位", "派出医院"), "institution", required=True),
        Column("host_inst_id", ("接收机构编码", "帮扶机构编码", "接收机构", "受援单位", "受援机构", "帮扶单位"), "institution", required=True),
        Column("specialty", ("专科", "科室"), "text", required=True),
        Column("title_level", ("职称", "职称级别"), "enum", domain="title_level"),
        Column("start_date", ("开始日期", "下沉日期"), "date", required=True),
        Column("end_date", ("结束日期",), "date"),
        Column("activity", ("活动类型", "帮扶形式"), "enum", required=True, domain="activity"),
        Column("patients_served", ("诊疗人次", "服务人次"), "count"),
        Column("trainees", ("培训人次",), "count"),
        Column("party_member", ("是否党员", "党员"), "boolean"),
    ),
    rules=(
        Rule("key_hash", "record_id"),
        Rule("unique_in_file"),
        Rule("known_inst", "home_inst_id"),
        Rule("known_inst", "host_inst_id"),
        Rule("default_from", "end_date", other="start_date"),
        Rule("not_before", "end_date", other="start_date"),
        Rule("warn_not_downward", "host_inst_id", other="home_inst_id"),
    ),
)

REFERRALS = Dataset(
    name="referrals", sheet_name="双向转诊", key=("referral_id",),
    columns=(
        Column("referral_id", ("转诊单号", "转诊编号", "转诊申请单号"), "id"),
        Column("patient_key", ("患者标识", "患者编号", "患者ID"), "id", required=True),
        Column("referral_date", ("转诊日期", "申请转诊日期", "申请日期", "转诊申请日期"), "date", required=True),
        Column("from_inst_id", ("转出机构编码", "转出机构", "转出医院", "转出单位"), "institution", required=True),
        Column("to_inst_id", ("转入机构编码", "转入机构", "转入医院", "转入单位"), "institution", required=True),
        Column("direction", ("转诊方向", "转诊类型"), "enum", domain="direction"),
        Column("icd10", ("诊断编码", "ICD10", "ICD-10"), "text", upper=True),
        Column("diagnosis", ("诊断名称", "诊断"), "text"),
        Column("status", ("转诊状态", "状态"), "enum", domain="status", default="completed"),
        Column("reason", ("转诊原因",), "text"),
        Column("accepted_date", ("接收日期", "到达日期", "就诊日期", "接诊日期", "接诊时间"), "date"),
    ),
    rules=(
        Rule("key_hash", "referral_id", value=("patient_key", "referral_date", "from_inst_id", "to_inst_id")),
        Rule("unique_in_file"),
        Rule("known_inst", "from_inst_id"),
        Rule("known_inst", "to_inst_id"),
        Rule("not_before", "accepted_date", other="referral_date"),
        Rule("warn_direction", "direction"),
        Rule("warn_icd10_shape", "icd10"),
    ),
    identity_aliases=("患者姓名", "姓名", "身份证号", "身份证号码", "身份证", "证件号码", "证件号",
                      "手机号", "手机号码", "联系电话", "电话", "住址", "家庭住址", "联系地址", "地址",
                      "门诊号", "住院号", "门诊/住院号", "门诊住院号"),
    patient_key_sources=(
        ("id_card", ("身份证号", "身份证号码", "身份证", "证件号码", "证件号")),
        ("mobile", ("手机号", "手机号码", "联系电话", "电话")),
        ("record_no", ("门诊/住院号", "门诊号", "住院号", "门诊住院号")),
    ),
    pseudonymised=("patient_key",),
)

VILLAGE_COVERAGE = Dataset(
    name="village_coverage", sheet_name="村卫生室覆盖",
    key=("snapshot_date", "village_code"),
    columns=(
        Column("period", ("统计期", "统计时间", "报告期"), "period", required=True),
        Column("village_code", ("行政村代码", "村代码", "区划代码"), "id", required=True),
        Column("village_name", ("行政村", "村名", "行政村名称"), "text", required=True),
        Column("township", ("乡镇", "所属乡镇"), "text", required=True),
        Column("township_center_id", ("所属卫生院编码", "卫生院编码", "所属卫生院"), "institution", required=True),
        Column("clinic_id", ("村卫生室编码", "村卫生室"), "institution"),
        Column("population", ("常住人口", "人口数"), "count", required=True),
        Column("village_doctors", ("村医人数", "乡村医生数"), "count", default=0),
        Column("licensed_doctors", ("执业(助理)医师数", "执业医师数"), "count", default=0),
        Column("contracted_residents", ("家庭医生签约人数", "签约人数"), "count"),
        Column("hypertension_managed", ("高血压规范管理人数",), "count"),
        Column("diabetes_managed", ("糖尿病规范管理人数",), "count"),
        Column("insurance_settlement", ("医保结算", "医保联网结算", "医保报销"), "boolean", default=False),
        Column("telemedicine", ("远程医疗", "远程会诊"), "boolean", default=False),
        Column("party_group", ("党组织覆盖", "党建覆盖", "党小组"), "boolean", default=False),
        Column("ecg_device", ("心电设备", "心电图机"), "boolean", default=False),
        Column("latitude", ("纬度",), "decimal"),
        Column("longitude", ("经度",), "decimal"),
        Column("distance_km", ("距卫生院距离", "距离"), "decimal"),
    ),
    rules=(
        Rule("unique_in_file"),
        Rule("known_inst", "township_center_id", tier="township_center"),
        Rule("known_inst", "clinic_id", tier="village_clinic"),
        Rule("not_more_than", "licensed_doctors", other="village_doctors"),
        Rule("warn_more_than", "contracted_residents", other="population"),
    ),
)

STAFF_MOVEMENTS = Dataset(
    name="staff_movements", sheet_name="人才流动", key=("movement_id",),
    columns=(
        Column("movement_id", ("记录编号",), "id"),
        Column("staff_id", ("工号", "人员编号"), "id", required=True),
        Column("staff_name", ("姓名",), "text"),
        Column("movement_type", ("流动类型", "变动类型"), "enum", required=True, domain="movement_type"),
        Column("from_inst_id", ("原机构编码", "调出机构编码", "原单位", "调出单位"), "institution"),
        Column("to_inst_id", ("目标机构编码", "调入机构编码", "现单位", "调入单位"), "institution"),
        Column("start_date", ("开始日期", "变动日期"), "date", required=True),
        Column("end_date", ("结束日期",), "date"),
        Column("title_level", ("职称", "职称级别"), "enum", domain="title_level"),
        Column("specialty", ("专业", "科室"), "text"),
        Column("education", ("学历",), "enum", domain="education"),
        Column("party_member", ("是否党员", "党员"), "boolean"),
    ),
    rules=(
        Rule("key_hash", "movement_id"),
        Rule("unique_in_file"),
        Rule("required_unless", "from_inst_id", other="movement_type", value="recruit"),
        Rule("required_unless", "to_inst_id", other="movement_type", value="departure"),
        Rule("known_inst", "from_inst_id"),
        Rule("known_inst", "to_inst_id"),
        Rule("not_before", "end_date", other="start_date"),
    ),
)

SERVICE_VOLUME = Dataset(
    name="service_volume", sheet_name="服务量",
    key=("period", "inst_id", "community"),
    columns=(
        Column("period", ("统计期", "月份", "统计月份"), "month", required=True),
        Column("inst_id", ("机构编码", "机构名称", "单位名称"), "institution", required=True),
        Column("outpatient_visits", ("门急诊人次", "诊疗人次"), "count", required=True),
        Column("admissions", ("出院人次", "住院人次"), "count"),
        Column("tcm_visits", ("中医诊疗人次",), "count"),
        Column("insurance_fund", ("医保基金支出", "医保基金支出(元)", "统筹基金支出"), "decimal"),
        Column("community", ("所属医共体", "患者所属医共体"), "text"),
    ),
    rules=(
        Rule("known_inst", "inst_id"),
        Rule("community_for_upper_only", "community", other="inst_id"),
        Rule("unique_in_file"),
        Rule("not_more_than", "tcm_visits", other="outpatient_visits"),
        Rule("range", "insurance_fund", low=0, high=None),
    ),
)

PARTY_ORGANISATIONS = Dataset(
    name="party_organisations", sheet_name="党组织名录", key=("org_id",),
    columns=(
        Column("org_id", ("党组织编码", "组织编码"), "id", required=True),
        Column("org_name", ("党组织名称", "组织名称"), "text", required=True),
        Column("level", ("组织类型", "党组织类型", "组织层级"), "enum", required=True, domain="org_level"),
        Column("parent_org_id", ("上级党组织编码",), "id"),
        Column("inst_id", ("所在机构编码", "所在机构", "机构编码"), "institution", required=True),
        Column("covered_inst_ids", ("覆盖机构编码", "覆盖机构", "联建机构"), "institution_list"),
        Column("members", ("党员人数", "党员数"), "count"),
        Column("secretary", ("书记", "支部书记"), "text"),
        Column("established_date", ("成立日期", "成立时间"), "date"),
        Column("dissolved_date", ("撤销日期", "撤并日期"), "date"),
    ),
    rules=(
        Rule("unique_in_file"),
        Rule("known_org", "parent_org_id"),
        Rule("no_parent_cycle", "parent_org_id"),
        Rule("known_inst", "inst_id"),
        Rule("known_inst", "covered_inst_ids"),
        Rule("not_before", "dissolved_date", other="established_date"),
    ),
)

PARTY_ACTIVITIES = Dataset(
    name="party_activities", sheet_name="党建活动台账", key=("activity_id",),
    columns=(
        Column("activity_id", ("活动编号", "记录编号"), "id"),
        Column("org_id", ("党组织编码", "组织编码"), "id", required=True),
        Column("activity_date", ("活动日期", "日期", "开展日期"), "date", required=True),
        Column("activity_type", ("活动类型", "活动形式"), "enum", required=True, domain="party_activity"),
        Column("topic", ("活动主题", "主题"), "text"),
        Column("location_inst_id", ("开展机构编码", "开展机构", "活动地点"), "institution"),
        Column("participants", ("参加人数", "参与人数"), "count"),
        Column("party_participants", ("参加党员人数", "党员参加人数"), "count"),
        Column("residents_served", ("服务群众人次", "服务人次", "受益群众"), "count"),
        Column("project_id", ("融合项目编号", "项目编号"), "id"),
    ),
    rules=(
        Rule("key_hash", "activity_id"),
        Rule("unique_in_file"),
        Rule("known_org", "org_id"),
        Rule("known_inst", "location_inst_id"),
        Rule("not_more_than", "party_participants", other="participants"),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (
    INSTITUTIONS, EXPERT_ROTATIONS, REFERRALS, VILLAGE_COVERAGE, STAFF_MOVEMENTS, SERVICE_VOLUME,
    PARTY_ORGANISATIONS, PARTY_ACTIVITIES)}

# The stored column that a dataset's upload column becomes, where they differ.
STORED_AS = {("village_coverage", "period"): "snapshot_date"}

# ---------------------------------------------------------------------------------------------
# Header matching
# ---------------------------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def normalise_header(text: object) -> str:
    """Case, surrounding spaces, full-width forms and a trailing unit in parentheses ignored."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    folded = re.sub(r"\s+", "", folded)
    return folded


def header_forms(name: str) -> set[str]:
    """A header and its form without a unit suffix: `距卫生院距离(km)` also matches `距卫生院距离`."""
    folded = normalise_header(name)
    return {folded, _UNIT_SUFFIX.sub("", folded)}


def column_lookup(dataset: Dataset) -> dict[str, str]:
    """Normalised header -> canonical column name, for every alias of the dataset."""
    lookup: dict[str, str] = {}
    for column in dataset.columns:
        for alias in (column.name, *column.aliases):
            for form in header_forms(alias):
                lookup.setdefault(form, column.name)
    return lookup


def identity_lookup(dataset: Dataset) -> set[str]:
    return {form for alias in dataset.identity_aliases for form in header_forms(alias)}
