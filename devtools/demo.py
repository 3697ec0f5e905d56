"""Demo data: a fictional county with its offices, staff and persons under order.

``seed_demo(persons=N, seed=S)`` builds 城关县 (code 320999) with the townships 城关镇
and 和平镇, three communities each, the six agencies of every township plus the
county 禁毒办, fixed demo accounts (``sw_chengguan``, ``police_heping``, ``admin``, ...),
and N persons, each with one episode (a tenth also with an older closed one),
family members, the help team and the first case events, their guardian grants, the
reporting-in records, three years of history and the running flows (devtools.demo_flows).

The persons are written in blocks of ``BLOCK``, each in its own transaction (a seed cut short
resumes at the first missing block), with PostgreSQL ``COPY``; on PostgreSQL several worker
processes can write blocks side by side (``workers``). The daily scan and the 无毒社区 data
follow once, after the last block.

Everything that must stay stable is a function of the person's index ``i``
(0-based), never of N, so a larger run extends a smaller one with exactly the
rows a fresh run would have made:

* the place: the first 1,000 persons alternate between 城关镇 and 和平镇, later
  ones fill further townships in blocks of 500 (10 townships to a county,
  then further counties 320998, 320997, ...): a county holds thousands and a
  province tens of thousands (城关县 holds 5,000 at 100,000
  persons). Every township holds at most 500, so an agency's scope (and a worker's)
  is the same at 1,000 persons and at 100,000: the bench's flatness measures growth
  with the data, not with the user's own caseload;
* the position inside the township, which names the staff on the team (one
  social worker to 30 persons, one officer to 150, ...); the number of staff
  accounts of a township follows from the number of persons it holds;
* the birth date and the ID sequence code: a bijection of ``i``, so ID numbers
  are unique for any N up to seven million whatever the seed;
* the decision numbers (sequence ``2i + 1``, ``2i + 2`` for the older episode).

The rest (names, dates, statuses, ...) comes from ``random.Random(f"{seed}:{i}")``,
so the same seed gives the same data. A rerun finds the indices already present
(from the ID numbers and the decision numbers) and adds only the missing ones;
regions are looked up by code, agencies by group name, accounts by username.
Geography and accounts do not depend on the seed; persons do, and an index
already present is never rebuilt, so rerunning with another ``--seed`` on a
seeded database adds nothing (start from an empty database to change seed).
"""

import math
import multiprocessing
import os
import random
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.utils import timezone

from casework.deadlines import expected_end_date, report_deadline
from casework.idnumber import make_id_number
from casework.models import (
    Agency,
    CaseEvent,
    Episode,
    FamilyMember,
    PartyRole,
    Person,
    Region,
    Staff,
    TeamMember,
)
from casework.search_keys import person_keys_fill
from devtools.bulk import analyze_tables, insert_objects, row_triggers
from devtools.demo_drugfree import seed_drugfree
from devtools.demo_flows import (
    HistoryStats,
    seed_handover_flows,
    seed_intake_flows,
    seed_intake_records,
    seed_obligations,
)
from obligations.services import obligations_scan
from permissions.services import holds_agency_grants, sync_person_grants

PASSWORD = "demo-pass-2026"
DEFAULT_PERSONS = 60

CHUNK = 5000  # persons built and written at a time
BATCH = 5000  # bulk_create batch size
BLOCK = 5000  # persons seeded in one transaction (and by one worker at a time)
DEMO_PAIR = 1000  # the first persons alternate between 城关镇 and 和平镇
PER_TOWNSHIP = 500  # persons in a township created for the bulk path
TOWNSHIPS_PER_COUNTY = 10
FIRST_COUNTY_CODE = 320999

T = TypeVar("T")
Status = Episode.Status
Kind = Agency.Kind
Role = Staff.Role

# ---------------------------------------------------------------- geography

COUNTY_NAMES: tuple[tuple[str, str], ...] = (
    ("城关县", "county"),
    ("新安县", "xinan"),
    ("东平县", "dongping"),
    ("临河县", "linhe"),
    ("青阳县", "qingyang"),
    ("永宁县", "yongning"),
    ("安平县", "anping"),
    ("清河县", "qinghe"),
    ("长宁县", "changning"),
    ("龙山县", "longshan"),
)

DEMO_TOWNSHIPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("城关镇", "chengguan", ("东门社区", "西门社区", "南湖村")),
    ("和平镇", "heping", ("和平社区", "新华社区", "李庄村")),
)

TOWNSHIP_NAMES: tuple[tuple[str, str], ...] = (
    ("城东街道", "chengdong"), ("城西街道", "chengxi"), ("城南街道", "chengnan"), ("城北街道", "chengbei"),
    ("东风镇", "dongfeng"), ("红星镇", "hongxing"), ("新华镇", "xinhua"), ("青山镇", "qingshan"),
    ("河口镇", "hekou"), ("石桥镇", "shiqiao"), ("柳林镇", "liulin"), ("白马镇", "baima"),
    ("龙泉镇", "longquan"), ("桃源镇", "taoyuan"), ("长岭镇", "changling"), ("大庄镇", "dazhuang"),
    ("三河镇", "sanhe"), ("黄庄镇", "huangzhuang"), ("马集镇", "maji"), ("杨湖乡", "yanghu"),
    ("高桥镇", "gaoqiao"), ("双沟镇", "shuanggou"), ("官塘镇", "guantang"), ("沙河镇", "shahe"),
    ("金山镇", "jinshan"), ("枫林镇", "fenglin"), ("安乐乡", "anle"), ("太平镇", "taiping"),
    ("永丰镇", "yongfeng"), ("新集镇", "xinji"), ("古城镇", "gucheng"), ("梅园镇", "meiyuan"),
    ("洪山镇", "hongshan"), ("清水镇", "qingshui"), ("兴隆镇", "xinglong"), ("望江镇", "wangjiang"),
    ("临湖镇", "linhu"), ("北湖乡", "beihu"), ("南山镇", "nanshan"), ("西岗镇", "xigang"),
    ("平安镇", "pingan"), ("王集镇", "wangji"), ("孙庄镇", "sunzhuang"), ("东湖街道", "donghu"),
    ("西湖街道", "xihu"), ("银杏镇", "yinxing"), ("荷花镇", "hehua"), ("松林镇", "songlin"),
    ("凤凰镇", "fenghuang"), ("宝塔镇", "baota"), ("明光镇", "mingguang"), ("丰乐镇", "fengle"),
    ("花园镇", "huayuan"), ("大营镇", "daying"), ("仁和镇", "renhe"), ("泉水镇", "quanshui"),
    ("玉山镇", "yushan"), ("云台镇", "yuntai"), ("福田镇", "futian"), ("朝阳街道", "chaoyang"),
)  # fmt: skip

COMMUNITY_NAMES = (
    "东街社区", "西街社区", "中心社区", "新村社区", "建设社区", "育才社区", "文化社区", "花园社区",
    "幸福社区", "友谊社区", "王庄村", "李楼村", "张湾村", "陈圩村", "刘集村", "周岗村",
    "前进村", "光明村", "团结村", "红旗村", "胜利村", "杨庄村", "河西村", "桥头村",
)  # fmt: skip
COMMUNITIES_PER_TOWNSHIP = 6

CN_DIGITS = "一二三四五六七八九十"


def _numbered(name: str, suffix_len: int, cycle: int) -> str:
    """东风镇 -> 东风二镇 for the second use of a name (cycle 1)."""
    if not cycle:
        return name
    number = CN_DIGITS[cycle] if cycle < len(CN_DIGITS) else str(cycle + 1)
    return f"{name[:-suffix_len]}{number}{name[-suffix_len:]}"


@dataclass(frozen=True)
class CountySpec:
    ordinal: int
    code: str
    name: str
    slug: str

    @property
    def supervisor_username(self) -> str:
        return "sup_county" if self.ordinal == 0 else f"sup_county_{self.slug}"

    @property
    def authority(self) -> str:
        return f"{self.name}公安局"

    @property
    def decision_prefix(self) -> str:
        return f"{self.name[0]}公(禁)决字"


@dataclass(frozen=True)
class TownshipSpec:
    ordinal: int
    county: CountySpec
    code: str
    name: str
    slug: str
    communities: tuple[tuple[str, str], ...]  # (code, name)

    @property
    def stem(self) -> str:
        """城关镇 -> 城关, 城东街道 -> 城东: the short name offices use."""
        return self.name[:-2] if self.name.endswith("街道") else self.name[:-1]

    def agency_name(self, kind: str) -> str:
        return {
            Kind.WORK_STATION: f"{self.name}社区戒毒社区康复工作站",
            Kind.POLICE: f"{self.stem}派出所",
            Kind.JUDICIAL: f"{self.stem}司法所",
            Kind.CIVIL_AFFAIRS: f"{self.name}民政办",
            Kind.HUMAN_RESOURCES: f"{self.name}人社所",
            Kind.DRUG_CONTROL: f"{self.name}禁毒办",
        }[kind]


def county_spec(ordinal: int) -> CountySpec:
    name, slug = COUNTY_NAMES[ordinal % len(COUNTY_NAMES)]
    cycle = ordinal // len(COUNTY_NAMES)
    return CountySpec(
        ordinal=ordinal,
        code=str(FIRST_COUNTY_CODE - ordinal),
        name=_numbered(name, 1, cycle),
        slug=f"{slug}{cycle + 1}" if cycle else slug,
    )


def township_spec(ordinal: int) -> TownshipSpec:
    county = county_spec(ordinal // TOWNSHIPS_PER_COUNTY)
    code = f"{county.code}{ordinal % TOWNSHIPS_PER_COUNTY + 1:03d}"
    if ordinal < len(DEMO_TOWNSHIPS):
        name, slug, community_names = DEMO_TOWNSHIPS[ordinal]
    else:
        base, base_slug = TOWNSHIP_NAMES[(ordinal - 2) % len(TOWNSHIP_NAMES)]
        cycle = (ordinal - 2) // len(TOWNSHIP_NAMES)
        name = _numbered(base, 2 if base.endswith("街道") else 1, cycle)
        slug = f"{base_slug}{cycle + 1}" if cycle else base_slug
        community_names = tuple(random.Random(f"communities:{code}").sample(COMMUNITY_NAMES, 6))
    communities = tuple((f"{code}{m + 1:03d}", c) for m, c in enumerate(community_names))
    return TownshipSpec(ordinal, county, code, name, slug, communities)


def township_count(n: int) -> int:
    return len(DEMO_TOWNSHIPS) + math.ceil(max(0, n - DEMO_PAIR) / PER_TOWNSHIP)


def place(i: int) -> tuple[int, int]:
    """Return (township ordinal, position within the township) of person ``i``."""
    if i < DEMO_PAIR:
        return i % 2, i // 2
    j = i - DEMO_PAIR
    return len(DEMO_TOWNSHIPS) + j // PER_TOWNSHIP, j % PER_TOWNSHIP


def persons_in(ordinal: int, n: int) -> int:
    """How many of persons 0..n-1 belong to township ``ordinal``."""
    if ordinal < len(DEMO_TOWNSHIPS):
        return (min(n, DEMO_PAIR) + 1 - ordinal) // 2
    return max(0, min(PER_TOWNSHIP, n - DEMO_PAIR - (ordinal - 2) * PER_TOWNSHIP))


# ---------------------------------------------------------------- staff


@dataclass(frozen=True)
class Post:
    """A kind of account in every township: prefix, agency, role and persons per account."""

    prefix: str
    kind: str
    role: str
    per: int


POSTS: tuple[Post, ...] = (
    Post("sw", Kind.WORK_STATION, Role.SOCIAL_WORKER, 30),
    Post("ws", Kind.WORK_STATION, Role.MEMBER, 400),
    Post("police", Kind.POLICE, Role.OFFICER, 150),
    Post("judicial", Kind.JUDICIAL, Role.MEMBER, 500),
    Post("hr", Kind.HUMAN_RESOURCES, Role.MEMBER, 700),
    Post("civil", Kind.CIVIL_AFFAIRS, Role.MEMBER, 700),
    Post("sup", Kind.DRUG_CONTROL, Role.HEAD, 1000),
)
POST = {post.prefix: post for post in POSTS}


def username(post: Post, township: TownshipSpec, number: int) -> str:
    """sw_chengguan for the first account of a post, sw_chengguan_2 for the second, ..."""
    base = f"{post.prefix}_{township.slug}"
    return base if number == 0 else f"{base}_{number + 1}"


def accounts_needed(post: Post, persons: int) -> int:
    return max(1, math.ceil(persons / post.per))


@dataclass(frozen=True)
class StaffSpec:
    username: str
    agency_key: tuple[str, str]  # (region code, agency kind)
    role: str


def agency_group_name(region_code: str, kind: str) -> str:
    return f"agency:{region_code}:{kind}"


# ---------------------------------------------------------------- people

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Rough frequency: the first surnames are far commoner than the last.
SURNAME_WEIGHTS = tuple(range(len(SURNAMES), 0, -1))
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文东海峰亮成兵新春生德永祥荣金忠"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英红梅琳燕萍雪慧婷颖琴云莉兰凤洁倩晶玉"

DRUGS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("甲基苯丙胺(冰毒)", 45, (Person.UseMode.SMOKING,)),
    ("海洛因", 25, (Person.UseMode.SMOKING, Person.UseMode.INJECTING)),
    ("氯胺酮(K粉)", 12, (Person.UseMode.SNORTING,)),
    ("大麻", 6, (Person.UseMode.OTHER,)),
    ("摇头丸(MDMA)", 5, (Person.UseMode.ORAL,)),
    ("甲卡西酮", 4, (Person.UseMode.SNORTING,)),
)
EDUCATION = (("none", 3), ("primary", 15), ("junior", 50), ("senior", 22), ("college", 10))
EMPLOYMENT = (
    ("unemployed", 45),
    ("employed", 15),
    ("farming", 15),
    ("self", 20),
    ("student", 1),
    ("retired", 4),
)
MARITAL = (("single", 45), ("married", 35), ("divorced", 17), ("widowed", 3))
RISK = (("low", 30), ("medium", 50), ("high", 20))

# The current episode's status, with the two kinds of 待报到 told apart.
DECIDED_FUTURE = "decided_future"
DECIDED_OVERDUE = "decided_overdue"
VARIANTS: tuple[tuple[str, int], ...] = (
    (Status.ACTIVE, 54),
    (DECIDED_FUTURE, 5),
    (DECIDED_OVERDUE, 3),
    (Status.REPORTED, 4),
    (Status.REFUSAL_REPORTED, 3),
    (Status.VIOLATION_REPORTED, 3),
    (Status.OUT_OF_COUNTY, 3),
    (Status.SUSPENDED, 3),
    (Status.TRANSFER_PENDING, 2),
    (Status.MISSING, 2),
    (Status.COMPLETED, 8),
    (Status.COMPULSORY, 5),
    (Status.TERMINATED, 2),
    (Status.DECEASED, 1),
)
STARTED_OPEN = {
    Status.ACTIVE,
    Status.VIOLATION_REPORTED,
    Status.OUT_OF_COUNTY,
    Status.SUSPENDED,
    Status.TRANSFER_PENDING,
    Status.MISSING,
}

# Birth date and ID sequence code as a bijection of the index (see module docstring).
BIRTH_FIRST = date(1965, 1, 1)
BIRTH_DAYS = (date(2003, 12, 31) - BIRTH_FIRST).days + 1
ID_SPACE = BIRTH_DAYS * 500
ID_STRIDE = 1_000_003  # prime, coprime with ID_SPACE
ID_OFFSET = 3_141_592
assert math.gcd(ID_STRIDE, ID_SPACE) == 1


def birth_and_sequence(i: int) -> tuple[date, int]:
    j = (i * ID_STRIDE + ID_OFFSET) % ID_SPACE
    return BIRTH_FIRST + timedelta(days=j % BIRTH_DAYS), j // BIRTH_DAYS


ID_STRIDE_INVERSE = pow(ID_STRIDE, -1, ID_SPACE)


def index_of_id_number(id_number: str) -> int | None:
    """The demo index whose birth date and sequence code an ID number carries (the inverse of
    birth_and_sequence), or None for a number outside the demo's range."""
    if len(id_number) != 18 or not id_number[6:17].isdigit():
        return None
    try:
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    days, sequence = (birth - BIRTH_FIRST).days, int(id_number[14:17]) // 2
    if not (0 <= days < BIRTH_DAYS and sequence < 500):
        return None
    return ((sequence * BIRTH_DAYS + days - ID_OFFSET) * ID_STRIDE_INVERSE) % ID_SPACE


def _pick(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _pad(text: str, width: int) -> str:
    """Left-justify to a terminal width, counting CJK characters as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _recorded_at(day: date) -> datetime:
    """The moment a seeded event was written down: mid-morning of the day it happened, so the demo
    timeline of a three-year case reads over three years and not as this morning's work."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _name(rng: random.Random, sex: str, surname: str | None = None) -> tuple[str, str]:
    """Return (surname, given name)."""
    surname = surname or rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.35 else rng.choice(chars) + rng.choice(chars)
    return surname, given


def _address(rng: random.Random, township: TownshipSpec, community: str) -> str:
    prefix = f"{township.county.name}{township.name}{community}"
    if community.endswith("村"):
        return f"{prefix}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    return f"{prefix}{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class Dates:
    decision: date
    served: date
    reported: date | None = None
    closed: date | None = None


def current_dates(variant: str, term: int, rng: random.Random, today: date) -> Dates:
    """Dates of the current episode that fit its status and term."""
    r = rng.randint
    if variant in (DECIDED_FUTURE, DECIDED_OVERDUE, Status.REFUSAL_REPORTED):
        ago = {DECIDED_FUTURE: (0, 12), DECIDED_OVERDUE: (17, 90), Status.REFUSAL_REPORTED: (30, 400)}[
            variant
        ]
        served = today - _days(r(*ago))
        return Dates(decision=served - _days(r(0, 3)), served=served)
    if variant == Status.REPORTED:
        reported = today - _days(r(0, 10))
        served = reported - _days(r(1, 14))
        return Dates(decision=served - _days(r(0, 3)), served=served, reported=reported)
    if variant == Status.COMPLETED:  # rehab of 24 months, over
        age = r(760, 1090)
    elif variant in Episode.CLOSED_STATUSES:
        age = r(150, 1090)
    else:  # started and open: the term must still be running
        age = r(40, term * 30 - 25)
    decision = today - _days(age)
    served = decision + _days(r(0, 3))
    reported = served + _days(r(1, 14))
    dates = Dates(decision=decision, served=served, reported=reported)
    if variant == Status.COMPLETED:
        dates.closed = min(expected_end_date(reported, term) + _days(r(0, 7)), today)
    elif variant in Episode.CLOSED_STATUSES:
        dates.closed = reported + _days(r(60, (today - reported).days - 1))
    return dates


def older_dates(status: str, term: int, rng: random.Random, before: date) -> Dates:
    """Dates of a closed episode that ended well before ``before`` (the current decision)."""
    r = rng.randint
    if status == Status.COMPULSORY:  # two years of compulsory isolation came between
        closed = before - _days(r(720, 800))
        reported = closed - _days(r(60, 500))
    else:
        reported = before - _days(term * 31 + r(60, 600))
        closed = expected_end_date(reported, term) + _days(r(0, 5))
    served = reported - _days(r(1, 14))
    return Dates(decision=served - _days(r(0, 3)), served=served, reported=reported, closed=closed)


# ---------------------------------------------------------------- the run


@dataclass
class SeedReport:
    persons_requested: int
    seed: int
    already_seeded: bool = False
    regions: int = 0
    agencies: int = 0
    staff: int = 0
    persons: int = 0
    family: int = 0
    episodes: int = 0
    team_members: int = 0
    events: int = 0
    grants_added: int = 0
    grants_removed: int = 0
    intake_records: int = 0
    obligations: int = 0
    intake_flows: int = 0
    handover_flows: int = 0
    drugfree_communities: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    extra_accounts: int = 0
    history: HistoryStats = field(default_factory=HistoryStats)

    def add(self, block: "BlockResult") -> None:
        for name in BlockResult.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(block, name))
        self.history.open += block.history.open
        self.history.done += block.history.done
        for name, n in block.history.rows.items():
            self.history.rows[name] += n
        for name, seconds in block.timings.items():
            # With several workers these are the workers' seconds added up, not wall time.
            self.timings[name] = self.timings.get(name, 0.0) + seconds

    def lines(self) -> list[str]:
        head = (
            f"Already seeded: all {self.persons_requested} demo persons exist (seed {self.seed}); nothing to add."
            if self.already_seeded
            else f"Seeded {self.persons_requested} demo persons (seed {self.seed})."
        )
        lines = [
            head,
            f"  created: regions {self.regions}, agencies {self.agencies}, staff {self.staff}, "
            f"persons {self.persons}, family members {self.family}, episodes {self.episodes}, "
            f"team members {self.team_members}, case events {self.events}",
            f"  grants: added {self.grants_added}, removed {self.grants_removed}",
            f"  workflow: reporting-in records {self.intake_records}, open obligations {self.obligations}, "
            f"intake flows {self.intake_flows}, hand-over flows {self.handover_flows}",
            f"  无毒社区: communities seeded {self.drugfree_communities}",
            "  seconds: "
            + ", ".join(f"{k} {v:.1f}" for k, v in self.timings.items())
            + f"; total {self.seconds:.1f}",
            "",
            "Demo accounts (password for all: " + PASSWORD + "):",
        ]
        width = max((len(a[0]) for a in self.accounts), default=10)
        lines += [f"  {u:<{width}}  {_pad(role, 12)}{agency}" for u, role, agency in self.accounts]
        if self.extra_accounts:
            lines.append(
                f"  ... and {self.extra_accounts} more staff accounts "
                "(sw_chengguan_2, police_dongfeng, ...), same password"
            )
        return lines


def place_regions(wanted: list[tuple[str, str, str, str | None]]) -> int:
    """Add the regions of ``wanted`` (code, name, level, parent code; parents first) that do not
    exist, in a few statements; return how many were added.

    Region is a materialised path ordered by code (treebeard's node_order_by), and the demo's
    counties come in descending codes, so adding them one at a time through treebeard moves
    every path of the tree for each new county. Here the paths of the whole tree are worked out
    once, siblings in code order as treebeard keeps them: the existing rows whose path or child
    count changes are updated, the new ones inserted."""
    rows = list(Region.objects.values_list("pk", "code", "path", "numchild"))
    by_path = {path: code for _, code, path, _ in rows}
    steplen = Region.steplen
    parent_of: dict[str, str | None] = {code: by_path.get(path[:-steplen]) for _, code, path, _ in rows}
    new = {code: (name, level) for code, name, level, _ in wanted if code not in parent_of}
    if not new:
        return 0
    for code, _, _, parent_code in wanted:
        if code in new:
            parent_of[code] = parent_code
    children: dict[str | None, list[str]] = {}
    for code, parent_code in parent_of.items():
        children.setdefault(parent_code, []).append(code)
    placed: dict[str, tuple[str, int, int]] = {}  # code -> (path, depth, numchild)
    pending = [(None, "", 0)]
    while pending:
        parent_code, parent_path, depth = pending.pop()
        for n, code in enumerate(sorted(children.get(parent_code, ())), start=1):
            path = Region._get_path(parent_path, depth + 1, n)
            placed[code] = (path, depth + 1, len(children.get(code, ())))
            pending.append((code, path, depth + 1))
    moved = [
        Region(pk=pk, path=placed[code][0], numchild=placed[code][2])
        for pk, code, path, numchild in rows
        if (path, numchild) != (placed[code][0], placed[code][2])
    ]
    if moved:
        # Paths are unique: park the moved rows on paths no region has before the real ones.
        parked = [Region(pk=r.pk, path=f"~{r.pk}") for r in moved]
        Region.objects.bulk_update(parked, ["path"], batch_size=BATCH)
        Region.objects.bulk_update(moved, ["path", "numchild"], batch_size=BATCH)
    Region.objects.bulk_create(
        [
            Region(
                code=code, name=name, level=level,
                path=placed[code][0], depth=placed[code][1], numchild=placed[code][2],
            )
            for code, (name, level) in new.items()
        ],
        batch_size=BATCH,
    )  # fmt: skip
    return len(new)


@dataclass
class BlockResult:
    """What one block of persons added (see DemoSeeder.seed_block); picklable, so a worker
    process can hand it back."""

    COUNTS = (
        "persons", "family", "episodes", "team_members", "events", "grants_added",
        "intake_records", "obligations", "intake_flows", "handover_flows",
    )  # fmt: skip

    persons: int = 0
    family: int = 0
    episodes: int = 0
    team_members: int = 0
    events: int = 0
    grants_added: int = 0
    intake_records: int = 0
    obligations: int = 0
    intake_flows: int = 0
    handover_flows: int = 0
    history: HistoryStats = field(default_factory=HistoryStats)
    timings: dict[str, float] = field(default_factory=dict)


class DemoSeeder:
    def __init__(
        self,
        persons: int,
        seed: int,
        log: Callable[[str], None] | None = None,
        today: date | None = None,
        block_size: int = BLOCK,
    ) -> None:
        if not 0 <= persons <= ID_SPACE:
            raise ValueError(f"persons must be between 0 and {ID_SPACE}")
        self.n = persons
        self.seed = seed
        self.block_size = block_size
        self.log = log or (lambda _message: None)
        self.today = today or timezone.localdate()
        self.townships = [township_spec(k) for k in range(township_count(persons))]
        self.counties = [county_spec(c) for c in range(self.townships[-1].county.ordinal + 1)]
        self.report = SeedReport(persons_requested=persons, seed=seed)
        self.region_ids: dict[str, int] = {}
        self.user_ids: dict[str, int] = {}
        self.roles: dict[str, PartyRole] = {}

    # -- geography, agencies, accounts

    def ensure_regions(self) -> None:
        wanted: list[tuple[str, str, str, str | None]] = [  # (code, name, level, parent code)
            (c.code, c.name, Region.Level.COUNTY, None) for c in self.counties
        ]
        for t in self.townships:
            wanted.append((t.code, t.name, Region.Level.TOWNSHIP, t.county.code))
            wanted += [(code, name, Region.Level.COMMUNITY, t.code) for code, name in t.communities]
        self.report.regions += place_regions(wanted)
        self.region_ids = dict(
            Region.objects.filter(code__in=[w[0] for w in wanted]).values_list("code", "pk")
        )

    def agency_specs(self) -> dict[tuple[str, str], str]:
        """{(region code, kind): name} for every agency of the layout."""
        specs = {(c.code, Kind.DRUG_CONTROL): f"{c.name}禁毒办" for c in self.counties}
        for t in self.townships:
            # A community committee serves a community, not the township: demo_drugfree makes them.
            specs |= {
                (t.code, kind): t.agency_name(kind)
                for kind in Kind.values
                if kind != Kind.COMMUNITY_COMMITTEE
            }
        return specs

    def ensure_agencies(self) -> dict[tuple[str, str], Agency]:
        specs = self.agency_specs()
        names = {agency_group_name(*key): key for key in specs}
        found = {
            a.group.name: a for a in Agency.objects.filter(group__name__in=names).select_related("group")
        }
        missing = [name for name in names if name not in found]
        if missing:
            groups = {g.name: g for g in Group.objects.filter(name__in=missing)}
            new_groups = Group.objects.bulk_create([Group(name=n) for n in missing if n not in groups])
            groups |= {g.name: g for g in new_groups}
            created = Agency.objects.bulk_create(
                [
                    Agency(
                        name=specs[names[n]],
                        kind=names[n][1],
                        region_id=self.region_ids[names[n][0]],
                        group=groups[n],
                    )
                    for n in missing
                ]
            )
            found |= {a.group.name: a for a in created}
            self.report.agencies += len(created)
        return {names[n]: a for n, a in found.items()}

    def staff_specs(self) -> list[StaffSpec]:
        specs: list[StaffSpec] = []
        for t in self.townships:
            persons = persons_in(t.ordinal, self.n)
            for post in POSTS:
                for number in range(accounts_needed(post, persons)):
                    role = Role.MEMBER if post.role == Role.HEAD and number else post.role
                    specs.append(StaffSpec(username(post, t, number), (t.code, post.kind), role))
        specs += [
            StaffSpec(c.supervisor_username, (c.code, Kind.DRUG_CONTROL), Role.HEAD) for c in self.counties
        ]
        return specs

    def ensure_accounts(self, agencies: dict[tuple[str, str], Agency]) -> None:
        User = get_user_model()  # noqa: N806
        specs = self.staff_specs()
        names = [s.username for s in specs] + ["admin"]
        existing: set[str] = set()
        for chunk in _chunks(names, BATCH):
            existing |= set(User.objects.filter(username__in=chunk).values_list("username", flat=True))
        new = [s for s in specs if s.username not in existing]
        if not new and "admin" in existing:
            self._load_user_ids(names)
            return
        password = make_password(PASSWORD)  # hashed once (about 0.3 s), shared by every new account
        if "admin" not in existing:
            User.objects.create(
                username="admin",
                password=password,
                is_staff=True,
                is_superuser=True,
                first_name="系统管理员",
            )
        users = []
        for s in new:
            rng = random.Random(f"staff:{s.username}")
            surname, given = _name(rng, "M" if rng.random() < 0.6 else "F")
            users.append(User(username=s.username, password=password, first_name=given, last_name=surname))
        users = User.objects.bulk_create(users, batch_size=BATCH)
        Staff.objects.bulk_create(
            [
                Staff(
                    user=u,
                    agency=agencies[s.agency_key],
                    role=s.role,
                    phone=_phone(random.Random(s.username)),
                )
                for s, u in zip(new, users, strict=True)
            ],
            batch_size=BATCH,
        )
        Membership = User.groups.through  # noqa: N806
        Membership.objects.bulk_create(
            [
                Membership(user_id=u.pk, group_id=agencies[s.agency_key].group_id)
                for s, u in zip(new, users, strict=True)
                if holds_agency_grants(s.role)
            ],
            batch_size=BATCH,
        )
        self.report.staff += len(new)
        self._load_user_ids(names)

    def _load_user_ids(self, names: list[str]) -> None:
        User = get_user_model()  # noqa: N806
        for chunk in _chunks(names, BATCH):
            self.user_ids |= dict(User.objects.filter(username__in=chunk).values_list("username", "pk"))

    # -- persons

    def missing_indices(self) -> list[int]:
        """Indices < n not yet in the database (told by ID number or decision number), in order."""
        found = bytearray(self.n)
        for id_number in Person.objects.values_list("id_number", flat=True).iterator(chunk_size=BATCH):
            i = index_of_id_number(id_number)
            if i is not None and i < self.n:
                found[i] = 1
        authorities = [c.authority for c in self.counties]
        for number in (
            Episode.objects.filter(issuing_authority__in=authorities)
            .values_list("decision_number", flat=True)
            .iterator(chunk_size=BATCH)
        ):
            sequence = number.rpartition("〕")[2].removesuffix("号")
            if sequence.isdigit() and int(sequence) % 2 == 1 and (int(sequence) - 1) // 2 < self.n:
                found[(int(sequence) - 1) // 2] = 1
        return [i for i in range(self.n) if not found[i]]

    def user_for(self, prefix: str, township: TownshipSpec, position: int) -> int:
        return self.user_ids[username(POST[prefix], township, position // POST[prefix].per)]

    def build(
        self, i: int
    ) -> tuple[Person, list[FamilyMember], list[Episode], list[TeamMember], list[CaseEvent]]:
        """Build (unsaved) the person with index ``i`` and everything that hangs off it."""
        rng = random.Random(f"{self.seed}:{i}")
        r = rng.randint
        today = self.today
        ordinal, position = place(i)
        township = self.townships[ordinal]

        # Who.
        sex = "M" if rng.random() < 0.85 else "F"
        surname, given = _name(rng, sex)
        birth, sequence = birth_and_sequence(i)
        marital = _pick(rng, MARITAL)
        employment = _pick(rng, EMPLOYMENT)
        if employment == "retired" and birth.year > 1966:
            employment = "unemployed"
        if employment == "student" and birth.year < 2000:
            employment = "unemployed"

        # Where: the execution place is where the person lives; ~15% are registered in another township.
        community_code, community = rng.choice(township.communities)
        home = township
        if rng.random() < 0.15:
            home = self.townships[1 - ordinal if ordinal < 2 else ordinal - 1]
            home_code, home_name = rng.choice(home.communities)
        elif rng.random() < 0.8:
            home_code, home_name = community_code, community
        else:
            home_code, home_name = rng.choice(township.communities)
        residence_address = _address(rng, township, community)
        household_address = (
            residence_address if home_code == community_code else _address(rng, home, home_name)
        )

        # The episodes: the status decides the dates, the kind and whether an older one fits.
        variant = VARIANTS[i // 2][0] if i < 2 * len(VARIANTS) else _pick(rng, VARIANTS)
        status = Status.DECIDED if variant in (DECIDED_FUTURE, DECIDED_OVERDUE) else variant
        older_status = None
        if birth.year <= 1995 and rng.random() < 0.125:
            older_status = rng.choice((Status.COMPLETED, Status.COMPULSORY))
        if variant == Status.COMPLETED:
            kind, term = Episode.Kind.REHAB, 24
        elif older_status == Status.COMPULSORY or rng.random() >= 0.7:
            kind, term = Episode.Kind.REHAB, rng.choice((24, 36))
        else:
            kind, term = Episode.Kind.DETOX, 36
        dates = current_dates(variant, term, rng, today)

        drugs = [rng.choices(DRUGS, weights=[d[1] for d in DRUGS])[0]]
        if rng.random() < 0.2:
            second = rng.choice(DRUGS)
            if second is not drugs[0]:
                drugs.append(second)
        older: tuple[str, int, Dates] | None = None  # (status, term, dates)
        if older_status:
            older_term = 36 if older_status == Status.COMPULSORY or rng.random() < 0.6 else 24
            older = older_status, older_term, older_dates(older_status, older_term, rng, dates.decision)
        first_seen = (older[2] if older else dates).decision.year
        first_year = r(min(max(birth.year + 16, 2000), first_seen - 1), first_seen - 1)
        history = f"{first_year}年开始吸食{drugs[0][0]}"
        if older_status == Status.COMPULSORY:
            history += "，曾被强制隔离戒毒"
        history += f"，{dates.decision.year}年被查获。"
        risk = _pick(rng, RISK)
        if status in (Status.MISSING, Status.VIOLATION_REPORTED, Status.REFUSAL_REPORTED):
            risk = Person.Risk.HIGH

        family = self._family(rng, surname, sex, marital, birth)
        guarantor = family[0]
        person = Person(
            name=surname + given,
            sex=sex,
            birth_date=birth,
            id_number=make_id_number(home.county.code, birth, sequence, sex),
            phone=_phone(rng),
            household_address=household_address,
            household_region_id=self.region_ids[home_code],
            residence_address=residence_address,
            residence_region_id=self.region_ids[community_code],
            region_id=self.region_ids[community_code],
            education=_pick(rng, EDUCATION),
            employment=employment,
            marital_status=marital,
            drug_types="、".join(d[0] for d in drugs),
            use_mode=rng.choice(drugs[0][2]),
            drug_history=history,
            risk_level=risk,
            guarantor_name=guarantor.name,
            guarantor_relation=guarantor.relation,
            guarantor_phone=guarantor.phone,
        )
        for member in family:
            member.person = person

        episodes: list[Episode] = []
        team: list[TeamMember] = []
        events: list[CaseEvent] = []
        with_civil, with_hr = rng.random() < 0.5, rng.random() < 0.5
        if older:
            older_status, older_term, older_episode_dates = older
            older_kind = Episode.Kind.DETOX if older_term == 36 else Episode.Kind.REHAB
            episodes.append(
                self._episode(
                    person,
                    township,
                    community_code,
                    older_kind,
                    older_term,
                    older_status,
                    older_episode_dates,
                    2 * i + 2,
                )
            )
        episodes.append(self._episode(person, township, community_code, kind, term, status, dates, 2 * i + 1))
        for episode in episodes:
            ws_user = self.user_for("ws", township, position)
            events.append(
                CaseEvent(
                    person=person,
                    episode=episode,
                    actor_id=ws_user,
                    # Registered the day the decision was served, as the work station would.
                    happened_on=episode.served_on,
                    at=_recorded_at(episode.served_on),
                    kind="registered",
                    message=f"登记决定书 {episode.decision_number}（{episode.get_kind_display()}，"
                    f"期限{episode.term_months}个月）",
                    data={
                        "decision_number": episode.decision_number,
                        "served_on": episode.served_on.isoformat(),
                    },
                )
            )
            if episode.reported_on:
                events.append(
                    CaseEvent(
                        person=person,
                        episode=episode,
                        actor_id=ws_user,
                        happened_on=episode.reported_on,
                        at=_recorded_at(episode.reported_on),
                        kind="reported",
                        message=f"报到，{episode.start_date:%Y年%m月%d日}起执行，"
                        f"预计{episode.expected_end_date:%Y年%m月%d日}期满",
                        data={"reported_on": episode.reported_on.isoformat()},
                    )
                )
            if episode.status != Status.DECIDED:
                latest = episode is episodes[-1]
                team += self._team(
                    rng,
                    episode,
                    township,
                    position,
                    guarantor,
                    with_civil=with_civil and latest,
                    with_hr=with_hr and latest,
                    former=latest and (i < 2 or rng.random() < 0.05),
                )
        return person, family, episodes, team, events

    def _family(
        self, rng: random.Random, surname: str, sex: str, marital: str, birth: date
    ) -> list[FamilyMember]:
        relations = ["父亲", "母亲", "兄弟", "姐妹"]
        if marital != "single" and birth.year <= 1995:
            relations += ["儿子", "女儿"]
        first = "配偶" if marital == "married" else rng.choice(("父亲", "母亲"))
        chosen = [first]
        if rng.random() < 0.5:
            chosen.append(rng.choice([rel for rel in relations if rel != first]))
        members = []
        for relation in chosen:
            if relation == "配偶":
                member_sex, member_surname = ("F" if sex == "M" else "M"), None
            else:
                member_sex = "M" if relation in ("父亲", "兄弟", "儿子") else "F"
                member_surname = None if relation == "母亲" else surname
            s, g = _name(rng, member_sex, member_surname)
            members.append(FamilyMember(name=s + g, relation=relation, phone=_phone(rng)))
        return members

    def _episode(
        self,
        person: Person,
        township: TownshipSpec,
        community_code: str,
        kind: str,
        term: int,
        status: str,
        dates: Dates,
        number: int,
    ) -> Episode:
        county = township.county
        return Episode(
            person=person,
            kind=kind,
            decision_number=f"{county.decision_prefix}〔{dates.decision.year}〕{number:04d}号",
            decision_date=dates.decision,
            issuing_authority=county.authority,
            served_on=dates.served,
            term_months=term,
            township_id=self.region_ids[township.code],
            community_id=self.region_ids[community_code],
            report_deadline=report_deadline(dates.served),
            reported_on=dates.reported,
            start_date=dates.reported,
            expected_end_date=expected_end_date(dates.reported, term) if dates.reported else None,
            status=status,
            closed_on=dates.closed,
        )

    def _team(
        self,
        rng: random.Random,
        episode: Episode,
        township: TownshipSpec,
        position: int,
        guarantor: FamilyMember,
        *,
        with_civil: bool,
        with_hr: bool,
        former: bool,
    ) -> list[TeamMember]:
        start = episode.start_date or episode.served_on
        end = episode.closed_on

        def member(role: str, **fields: object) -> TeamMember:
            fields.setdefault("start_date", start)
            fields.setdefault("end_date", end)
            return TeamMember(episode=episode, role=self.roles[role], **fields)

        team = []
        social_worker = self.user_for("sw", township, position)
        community_start = start
        if former and end is None and (self.today - start).days >= 120:
            # An earlier community member whose membership ended: the social worker before this
            # one (which exists whatever N is), else the station's member account; the present
            # social worker took over the next day.
            number = position // POST["sw"].per
            if number:
                previous = self.user_ids[username(POST["sw"], township, number - 1)]
            else:
                previous = self.user_for("ws", township, position)
            left = start + _days(rng.randint(30, (self.today - start).days - 60))
            team.append(member("community", user_id=previous, end_date=left))
            community_start = left + _days(1)
        team.append(member("community", user_id=social_worker, start_date=community_start))
        team.append(member("police", user_id=self.user_for("police", township, position)))
        team.append(member("judicial", user_id=self.user_for("judicial", township, position)))
        if with_civil:
            team.append(member("civil_affairs", user_id=self.user_for("civil", township, position)))
        if with_hr:
            team.append(member("human_resources", user_id=self.user_for("hr", township, position)))
        team.append(member("family", name=guarantor.name, phone=guarantor.phone))
        return team

    def create_persons(self, indices: list[int], block: "BlockResult") -> list[int]:
        """Write persons ``indices`` and what hangs off them; return the new persons' ids."""
        if not self.roles:
            self.roles = PartyRole.objects.in_bulk(field_name="code")
        person_ids: list[int] = []
        for chunk in _chunks(indices, CHUNK):
            persons, family, episodes, team, events = [], [], [], [], []
            for i in chunk:
                p, f, e, t, ev = self.build(i)
                persons.append(p)
                family += f
                episodes += e
                team += t
                events += ev
            for person in persons:
                person_keys_fill(person)  # what PersonQuerySet.bulk_create and save() do
            insert_objects(Person, persons)
            for row in (*family, *episodes):
                row.person_id = row.person.pk
            insert_objects(FamilyMember, family)
            insert_objects(Episode, episodes)
            for member in team:
                member.episode_id = member.episode.pk
            insert_objects(TeamMember, team)
            for event in events:
                event.person_id, event.episode_id = event.person.pk, event.episode.pk
            insert_objects(CaseEvent, events)
            person_ids += [p.pk for p in persons]
            block.persons += len(persons)
            block.family += len(family)
            block.episodes += len(episodes)
            block.team_members += len(team)
            block.events += len(events)
        return person_ids

    def seed_block(self, indices: list[int]) -> "BlockResult":
        """Persons ``indices`` with their grants, reporting-in records, history and flows, in one
        transaction: a block is there whole or not at all, so a seed cut short resumes where it
        stopped (the next run finds the committed blocks' indices and makes the others)."""
        block = BlockResult()
        mark = time.monotonic()

        def lap(name: str) -> None:
            nonlocal mark
            now = time.monotonic()
            block.timings[name] = block.timings.get(name, 0.0) + now - mark
            mark = now

        with transaction.atomic():
            # Back on before the block ends: within a caller's transaction a SET LOCAL would last.
            row_triggers(False)
            person_ids = self.create_persons(indices, block)
            lap("persons")
            block.grants_added = sync_person_grants(person_ids, today=self.today).added
            lap("grants")
            block.intake_records = seed_intake_records(person_ids=person_ids)
            lap("intake records")
            block.obligations = seed_obligations(
                self.today, self.seed, block.history, person_ids=person_ids, scan=False
            )
            lap("history")
            block.intake_flows = seed_intake_flows(person_ids=person_ids)
            lap("intake flows")
            block.handover_flows = seed_handover_flows(person_ids=person_ids)
            lap("hand-over flows")
            row_triggers(True)
        lap("commit")
        return block

    def run_blocks(self, missing: list[int], workers: int) -> None:
        blocks = list(_chunks(missing, self.block_size))
        started = time.monotonic()
        done = 0

        def merged(block: BlockResult) -> None:
            nonlocal done
            self.report.add(block)
            done += block.persons
            if len(blocks) > 1:
                self.log(f"  persons {done}/{len(missing)} ({time.monotonic() - started:.1f}s)")

        if workers <= 1 or len(blocks) <= 1:
            for indices in blocks:
                merged(self.seed_block(indices))
            return
        # Each worker is a forked copy of this seeder with its own database connection; the
        # parent's must be closed first, or the children would share its socket.
        global _WORKER_SEEDER
        _WORKER_SEEDER = self
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            for block in pool.imap_unordered(_seed_block_in_worker, blocks):
                merged(block)
        _WORKER_SEEDER = None

    # -- everything

    def run(self, workers: int = 1) -> SeedReport:
        started = time.monotonic()
        timings = self.report.timings

        def lap(name: str, since: float) -> float:
            now = time.monotonic()
            timings[name] = timings.get(name, 0.0) + now - since
            return now

        mark = started
        with transaction.atomic():
            self.ensure_regions()
            agencies = self.ensure_agencies()
            mark = lap("regions+agencies", mark)
            self.ensure_accounts(agencies)
            mark = lap("accounts", mark)
        missing = self.missing_indices()
        if missing:
            self.run_blocks(missing, workers)
            mark = time.monotonic()
            analyze_tables()
            mark = lap("analyze", mark)
        else:
            self.report.already_seeded = True
        with transaction.atomic():
            # Once for the whole data set, after every block: the overdue marks and reminders.
            obligations_scan(self.today)
            mark = lap("scan", mark)
            self.report.drugfree_communities = seed_drugfree(make_password(PASSWORD), self.today)
            mark = lap("drug-free communities", mark)
        if missing:
            # After the scan, whose overdue marks the statistics must know, and with the
            # visibility map set, as in a database that autovacuum has been through.
            analyze_tables(vacuum=True)
            mark = lap("vacuum", mark)
        if self.report.history.done:
            self.log(
                f"  history: done obligations {self.report.history.done}, "
                + ", ".join(f"{name} {n}" for name, n in sorted(self.report.history.rows.items()))
            )
        self.report.seconds = time.monotonic() - started
        self.report.accounts, self.report.extra_accounts = self.account_table()
        return self.report

    def account_table(self) -> tuple[list[tuple[str, str, str]], int]:
        fixed = [username(post, t, 0) for t in self.townships[:2] for post in POSTS]
        fixed.append(self.counties[0].supervisor_username)
        fixed.append("committee_chengguan_1")
        staff = {
            s.user.username: s
            for s in Staff.objects.filter(user__username__in=fixed).select_related("user", "agency")
        }
        rows = [("admin", "超级管理员", "（无单位）")]
        rows += [
            (name, staff[name].get_role_display(), staff[name].agency.name) for name in fixed if name in staff
        ]
        # Counted in the database: the 无毒社区 committees' accounts are made by their own seeder.
        extra = Staff.objects.exclude(user__username__in=fixed).count()
        return rows, extra


_WORKER_SEEDER: DemoSeeder | None = None


def _seed_block_in_worker(indices: list[int]) -> "BlockResult":
    assert _WORKER_SEEDER is not None
    return _WORKER_SEEDER.seed_block(indices)


def default_workers() -> int:
    """Parallel block writers: one per core on PostgreSQL (each also keeps a server process busy,
    so more would only queue), one on SQLite, which has a single writer."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def seed_demo(
    persons: int = DEFAULT_PERSONS,
    seed: int = 1,
    log: Callable[[str], None] | None = None,
    workers: int = 1,
) -> SeedReport:
    """Create (or complete) the demo data set; see the module docstring."""
    if connection.vendor != "postgresql":
        workers = 1
    return DemoSeeder(persons, seed, log).run(workers)
