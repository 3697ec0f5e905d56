"""The caseload file's layout: its sheets, their Chinese headers, which are required, and the
allowed values of the choice columns (the same choices as the registration form's).

A header is matched exactly (after trimming spaces); a required header missing, or a header the
layout does not know, stops the file before any row is read, so a renamed column is never
silently dropped.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from casework.models import DrugTest, Episode, Person, Talk

PERSONS_SHEET = "人员"
TESTS_SHEET = "检测记录"
TALKS_SHEET = "谈话走访"
ALLOWED_SHEET = "允许值"

TEXT, DATE, INT, CHOICE, REGION, ACCOUNT = "text", "date", "int", "choice", "region", "account"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = field(default=())  # (stored value, label shown in the file)
    note: str = ""

    def labels(self) -> list[str]:
        return [label for _value, label in self.choices]


def _choices(text_choices) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in text_choices.choices)


# The party of each account column, as PartyRole codes (the help team, 戒毒条例 art 17).
TEAM_ACCOUNTS = {
    "community_user": "community",
    "police_user": "police",
    "judicial_user": "judicial",
    "civil_affairs_user": "civil_affairs",
    "human_resources_user": "human_resources",
}

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", required=True),
    Column("id_number", "公民身份号码", required=True),
    Column("sex", "性别", CHOICE, required=True, choices=_choices(Person.Sex)),
    Column("birth_date", "出生日期", DATE, required=True),
    Column("phone", "联系电话"),
    Column("household_address", "户籍地址", required=True),
    Column("household_region", "户籍社区", REGION, required=True, note="社区名称或区划代码"),
    Column("residence_address", "居住地址", required=True),
    Column("community", "责任社区", REGION, required=True, note="本乡镇（街道）的社区，名称或区划代码"),
    Column("education", "文化程度", CHOICE, choices=_choices(Person.Education)),
    Column("employment", "就业状况", CHOICE, choices=_choices(Person.Employment)),
    Column("marital_status", "婚姻状况", CHOICE, choices=_choices(Person.Marital)),
    Column("drug_types", "滥用毒品种类"),
    Column("use_mode", "吸食方式", CHOICE, choices=_choices(Person.UseMode)),
    Column("drug_history", "吸毒史"),
    Column("risk_level", "风险等级", CHOICE, choices=_choices(Person.Risk)),
    Column("guarantor_name", "担保人"),
    Column("guarantor_relation", "与本人关系"),
    Column("guarantor_phone", "担保人电话"),
    Column("kind", "类别", CHOICE, required=True, choices=_choices(Episode.Kind)),
    Column("decision_number", "决定书文号", required=True),
    Column("decision_date", "决定日期", DATE, required=True),
    Column("issuing_authority", "决定机关", required=True),
    Column("served_on", "送达日期", DATE, required=True),
    Column("term_months", "期限(月)", INT, note="社区戒毒固定36；社区康复按决定书，不超过36"),
    Column("reported_on", "报到日期", DATE, note="空白：尚未报到（待报到）"),
    Column("agreement_on", "协议签订日期", DATE),
    Column("plan_on", "计划制定日期", DATE),
    Column(
        "community_user",
        "社工账号",
        ACCOUNT,
        note="帮教小组的社区（工作站）成员；空白：已报到、尚未组建帮教小组",
    ),
    Column("police_user", "民警账号", ACCOUNT),
    Column("judicial_user", "司法所账号", ACCOUNT),
    Column("civil_affairs_user", "民政账号", ACCOUNT),
    Column("human_resources_user", "人社账号", ACCOUNT),
    Column("family_name", "家属成员姓名"),
    Column("family_phone", "家属成员电话"),
)

TEST_COLUMNS: tuple[Column, ...] = (
    Column("id_number", "公民身份号码", required=True),
    Column("tested_on", "检测日期", DATE, required=True),
    Column("sample_type", "样本", CHOICE, required=True, choices=_choices(DrugTest.Sample)),
    Column("method", "方式", CHOICE, choices=_choices(DrugTest.Method)),
    # Only negative results come in from a file: any other opens a follow-up or a hand-over at
    # once (戒毒条例 arts 20-21), which the page records with the decisions it calls for.
    Column("result", "结果", CHOICE, required=True, choices=((DrugTest.Result.NEGATIVE, str(_("阴性"))),)),
    Column("place", "检测地点", required=True),
    # 吸毒检测程序规定 art 8: two collectors; a woman's urine sample is collected by women.
    Column("collector_1", "采样人1", required=True),
    Column("collector_1_sex", "采样人1性别", CHOICE, required=True, choices=_choices(Person.Sex)),
    Column("collector_2", "采样人2", required=True),
    Column("collector_2_sex", "采样人2性别", CHOICE, required=True, choices=_choices(Person.Sex)),
)

TALK_COLUMNS: tuple[Column, ...] = (
    Column("id_number", "公民身份号码", required=True),
    Column("held_on", "日期", DATE, required=True),
    Column("kind", "方式", CHOICE, required=True, choices=_choices(Talk.Kind)),
    Column("place", "地点"),
    Column("summary", "谈话内容", required=True),
)

SHEETS: dict[str, tuple[Column, ...]] = {
    PERSONS_SHEET: PERSON_COLUMNS,
    TESTS_SHEET: TEST_COLUMNS,
    TALKS_SHEET: TALK_COLUMNS,
}

MAX_ROWS = 10_000  # persons per file: a township holds hundreds; a county's export is split by township
MAX_HISTORY_ROWS = 500_000
MAX_BYTES = 40 * 1024 * 1024
