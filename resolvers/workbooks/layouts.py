"""The columns of every import template (导入模板), shared by the template writer, the workbook
reader and the row checks, so the three cannot disagree.

A layout is fixed per kind, except the catalogue, whose columns follow the typed fields of the
chosen subtype. Headers of required columns carry a leading ``*``; the reader ignores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from models import DetailSchema, Gender, IdType, ImportKind, TermKind
from resolvers.achievements.details import SCHEMAS, FieldSpec

REQUIRED_MARK = "*"


class ColumnKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"  # YYYY-MM-DD, or a real date cell
    COMPACT_DATE = "compact_date"  # YYYYMMDD (seed 002, table 2), or a real date cell
    CHOICE = "choice"  # one of ``choices`` or of the active terms of ``term``
    MODULES = "modules"  # 名称:学分;名称:学分 (certificate modules)


@dataclass(frozen=True)
class Column:
    key: str  # the row field (snake_case); refusal reasons name the column by its label
    label: str  # the header as the template shows it, without the required mark
    kind: ColumnKind = ColumnKind.TEXT
    required: bool = True
    max_length: int = 100
    choices: tuple[str, ...] = ()  # fixed drop-down values (labels)
    term: TermKind | None = None  # drop-down values from the taxonomy (labels)
    hint: str = ""  # what the instructions sheet says about the column
    width: int = 18

    @property
    def header(self) -> str:
        return f"{REQUIRED_MARK}{self.label}" if self.required else self.label


@dataclass(frozen=True)
class Layout:
    kind: ImportKind
    title: str  # the data sheet's title and the template's file name
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = field(default=())  # the instructions sheet, line by line

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def labels(self) -> list[str]:
        return [column.label for column in self.columns]


def header_label(text: object) -> str:
    """A header cell as a column label: the required mark and surrounding spaces dropped."""
    return str(text if text is not None else "").strip().lstrip(REQUIRED_MARK).strip()


_NOTES = (
    "所有允许导入的字段请参考模板，若字段不符合要求，则整条数据不予以导入。",
    "表头带“*”的列为必填项；带下拉框的列请从下拉列表中选择。",
    "日期型字段格式为：YYYY-MM-DD（如 2022-08-01）。",
    "请勿修改、增加或删除表头；第一行之后每行一条数据。",
    "导入完成后可在【导入记录】中下载成功导入的数据和未导入的数据（含未导入原因）。",
)

ID_TYPES = tuple(member.label for member in IdType)
GENDERS = tuple(member.label for member in Gender)
EDUCATION_LEVELS = (
    "博士研究生",
    "硕士研究生",
    "大学本科",
    "大学专科",
    "中等职业教育",
    "普通高级中学",
    "初级中学",
    "小学及以下",
)
PROFESSIONAL_TITLES = ("无", "初级", "中级", "副高级", "正高级")
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "台湾省", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip
# 中华人民共和国职业分类大典 (2022), the eight major groups
OCCUPATIONS = (
    "党的机关、国家机关、群众团体和社会组织、企事业单位负责人",
    "专业技术人员",
    "办事人员和有关人员",
    "社会生产服务和生活服务人员",
    "农、林、牧、渔业生产及辅助人员",
    "生产制造及有关人员",
    "军人",
    "不便分类的其它从业人员",
)

_ID_TYPE = Column(
    "id_type", "证件类型", ColumnKind.CHOICE, False, choices=ID_TYPES, hint="留空视为居民身份证"
)

LEARNER_ACCOUNTS = Layout(
    ImportKind.LEARNER_ACCOUNTS,
    "学员信息",
    (
        Column("name", "学员姓名", max_length=50, hint="与居民身份证（户口本）姓名一致"),
        Column("id_number", "身份证号", max_length=30, width=22, hint="与证件上一致"),
        _ID_TYPE,
    ),
    _NOTES,
)

DEPOSITS = Layout(
    ImportKind.DEPOSITS,
    "学员成果",
    (
        Column("learner_name", "学员姓名", max_length=50),
        Column("id_number", "身份证号", max_length=30, width=22),
        Column("certificate_number", "个人成果编号", max_length=60, width=22),
        Column("issue_date", "颁证日期", ColumnKind.DATE, hint="YYYY-MM-DD，不能晚于今天"),
        _ID_TYPE,
    ),
    _NOTES,
)

_CHAIN_HINT = "下拉选择"
COMMUNITY_ACCOUNTS = Layout(
    ImportKind.COMMUNITY_ACCOUNTS,
    "学习账户信息",
    (
        Column(
            "agreement_user_number",
            "协议单位用户号",
            max_length=50,
            hint="为学习者分配的编号，如学校为学号，如无，可同身份证号",
        ),
        Column("name", "姓名", max_length=50, hint="与居民身份证（户口本）姓名一致"),
        Column("gender", "性别", ColumnKind.CHOICE, choices=GENDERS, hint=_CHAIN_HINT),
        Column("id_type", "证件类型", ColumnKind.CHOICE, choices=ID_TYPES, hint=_CHAIN_HINT),
        Column("id_number", "证件号码", max_length=30, width=22, hint="与居民身份证上一致"),
        Column(
            "education_level",
            "初始学历",
            ColumnKind.CHOICE,
            choices=EDUCATION_LEVELS,
            hint="下拉选择，以填报时用户学历状态为准",
        ),
        Column(
            "professional_title",
            "职称",
            ColumnKind.CHOICE,
            choices=PROFESSIONAL_TITLES,
            hint="下拉选择，以填报时用户职称为准，可选择无",
        ),
        Column(
            "province",
            "通信地址—省",
            ColumnKind.CHOICE,
            choices=PROVINCES,
            hint="下拉选择，可以所在社区学院所在区划为准",
        ),
        Column("city", "通信地址—市", max_length=30, hint="可以所在社区学院所在区划为准"),
        Column("district", "通信地址—区", max_length=30, hint="可以所在社区学院所在区划为准"),
        Column(
            "occupation",
            "职业",
            ColumnKind.CHOICE,
            choices=OCCUPATIONS,
            width=30,
            hint="下拉选择，不确定可选“不便分类的其它从业人员”",
        ),
        Column(
            "education_category",
            "学历类别",
            ColumnKind.CHOICE,
            term=TermKind.EDUCATION_CATEGORY,
            hint="下拉选择，选择：非正式教育",
        ),
        Column(
            "learning_level_1",
            "一级学习成果",
            ColumnKind.CHOICE,
            term=TermKind.LEARNING_LEVEL_1,
            hint="下拉选择，选择：线下教育",
        ),
        Column(
            "learning_level_2",
            "二级学习成果",
            ColumnKind.CHOICE,
            term=TermKind.LEARNING_LEVEL_2,
            hint="下拉选择，选择：社区教育",
        ),
        Column(
            "learning_level_3",
            "三级学习成果",
            ColumnKind.CHOICE,
            term=TermKind.LEARNING_LEVEL_3,
            hint="下拉选择，选择：其它",
        ),
    ),
    _NOTES,
)

COMMUNITY_RESULTS = Layout(
    ImportKind.COMMUNITY_RESULTS,
    "个人培训成果详细信息",
    (
        Column(
            "agreement_user_number",
            "协议单位用户号",
            required=False,
            max_length=50,
            hint="导入时选择按协议单位用户号导入时，必填，证件号码无需填写",
        ),
        Column("institution_name", "协议单位名称", max_length=100, hint="所在社区学院名称"),
        Column(
            "id_number",
            "证件号码",
            required=False,
            max_length=30,
            width=22,
            hint="导入时选择按证件号码导入时，必填，协议单位用户号无需填写",
        ),
        Column("name", "学习成果名称", max_length=100, width=30, hint="培训项目名称"),
        Column(
            "obtained_on",
            "成果取得时间",
            ColumnKind.COMPACT_DATE,
            hint="格式为“20220801”",
        ),
    ),
    (
        "导入时选择按协议单位用户号导入或按证件号码导入，对应的一列必填。",
        "成果取得时间格式为“20220801”。",
        *_NOTES[:2],
        *_NOTES[3:],
    ),
)

_KIND_OF_SPEC = {
    "text": ColumnKind.TEXT,
    "int": ColumnKind.INTEGER,
    "decimal": ColumnKind.DECIMAL,
    "date": ColumnKind.DATE,
    "term": ColumnKind.CHOICE,
}


def _detail_column(spec: FieldSpec) -> Column:
    return Column(
        spec.name,
        spec.label,
        _KIND_OF_SPEC[spec.kind],
        spec.required,
        max_length=spec.max_length,
        term=spec.term,
    )


def catalogue_layout(schema: DetailSchema, subtype_label: str) -> Layout:
    """机构成果 of one subtype: the common fields, then the subtype's typed fields."""
    columns = [
        Column("name", "成果名称", max_length=100, width=30),
        Column("issuer_name", "颁证机构", required=False, hint="留空为本机构名称", width=24),
        *(_detail_column(spec) for spec in SCHEMAS[schema]),
    ]
    if schema == DetailSchema.CERTIFICATE:
        columns.append(
            Column(
                "modules",
                "模块及学分",
                ColumnKind.MODULES,
                False,
                max_length=500,
                hint="格式：模块名称:学分;模块名称:学分，如 实操:2;机考:2",
                width=24,
            )
        )
    columns.append(Column("introduction", "成果简介", max_length=2000, width=40))
    return Layout(ImportKind.CATALOGUE_ENTRIES, f"机构成果-{subtype_label}", tuple(columns), _NOTES)


FIXED_LAYOUTS: dict[ImportKind, Layout] = {
    layout.kind: layout
    for layout in (LEARNER_ACCOUNTS, DEPOSITS, COMMUNITY_ACCOUNTS, COMMUNITY_RESULTS)
}
