"""The dry run: every row of a caseload file checked as the registration form checks it.

Each person row goes through `casework.forms.PersonForm` and `EpisodeForm` (identity-number
checksum, sex and birth date against the number, dates not in the future, served after decided,
order length, one open order per person), plus what only a file can get wrong: the reporting-in
and history dates, the help team's accounts, a person or a decision twice in one file, an order
already over. Every problem names its sheet, row and column in Chinese. Nothing is written here.

A person the importer's township does not hold (their open order is elsewhere, or their file
belongs to another township) is refused for that row with "already registered elsewhere" and
nothing more (个人信息保护法 art 34: only as far as necessary).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext as _

from caseload.columns import (
    ACCOUNT,
    CHOICE,
    DATE,
    INT,
    PERSONS_SHEET,
    REGION,
    SHEETS,
    TALKS_SHEET,
    TEAM_ACCOUNTS,
    TESTS_SHEET,
    Column,
)
from caseload.sheet import FileRefused, Sheet, date_parse, text_of, workbook_read
from caseload.template import EXAMPLE_NAME
from casework import deadlines
from casework.forms import EpisodeForm, PersonForm
from casework.idnumber import mask_id_number, mask_phone
from casework.models import Agency, DrugTest, Episode, PartyRole, Person, Region, Staff, Talk
from casework.selectors import communities_under

NEW, UPDATE, UNCHANGED, ELSEWHERE = "new", "update", "unchanged", "elsewhere"
ACTION_LABELS = {NEW: _("新建"), UPDATE: _("更新"), UNCHANGED: _("无变化"), ELSEWHERE: _("已在别处登记")}

PERSON_FIELDS = PersonForm.Meta.fields
EPISODE_FIELDS = ("kind", "decision_number", "decision_date", "issuing_authority", "served_on", "term_months")
MASKED = {"id_number": mask_id_number, "phone": mask_phone, "guarantor_phone": mask_phone}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("“%(sheet)s”第%(row)d行") % {"sheet": self.sheet, "row": self.row}
        if self.column:
            where += _("“%(column)s”列") % {"column": self.column}
        return f"{where}：{self.message}"


@dataclass
class PersonRow:
    number: int
    name: str = ""
    id_number: str = ""
    action: str = NEW
    person: Person | None = None
    episode: Episode | None = None
    person_form: PersonForm | None = None
    episode_form: EpisodeForm | None = None
    community: Region | None = None
    reported_on: date | None = None
    agreement_on: date | None = None
    plan_on: date | None = None
    team: dict[str, int] = field(default_factory=dict)  # party code -> user id
    family_name: str = ""
    family_phone: str = ""
    tests: list[dict] = field(default_factory=list)
    talks: list[dict] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (column, before, after)
    person_changed: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """待报到 without a reporting-in day; 已报到 reported in, the help team not yet formed (the
        intake flow waits at the agreement, the plan or the team); 执行中 with the team."""
        if not self.reported_on:
            return Episode.Status.DECIDED
        return Episode.Status.ACTIVE if self.team.get("community") else Episode.Status.REPORTED

    @property
    def status_label(self) -> str:
        return Episode.Status(self.status).label

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


@dataclass
class Check:
    """The dry run's answer: the rows with what each would do, and every problem found."""

    file_name: str
    township: Region
    rows: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    history_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (NEW, UPDATE, UNCHANGED, ELSEWHERE)}

    @property
    def changes_nothing(self) -> bool:
        return self.ok and not any(r.action in (NEW, UPDATE) for r in self.rows)

    @property
    def new_rows(self) -> list[PersonRow]:
        return [r for r in self.rows if r.action == NEW]

    @property
    def changed_rows(self) -> list[PersonRow]:
        return [r for r in self.rows if r.action == UPDATE]

    @property
    def elsewhere_rows(self) -> list[PersonRow]:
        return [r for r in self.rows if r.action == ELSEWHERE]


def _headers(layout: tuple[Column, ...]) -> dict[str, str]:
    return {c.key: c.header for c in layout}


class _Loaded(forms.ModelChoiceField):
    """A region field answered from the regions loaded once for the file, not a query per row."""

    def __init__(self, objects: dict[int, Region], **kwargs):
        super().__init__(queryset=Region.objects.none(), **kwargs)
        self.objects = objects

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class _FileRowMixin:
    """The registration form's own fields and clean methods, run on one row of the file.

    Two things differ, both for speed and neither for the outcome: the region choices come from
    the regions loaded once, and the uniqueness checks that ask the database (the identity
    number, the decision number) are answered for the whole file at once by `_context` (a
    number already on file is a person found there; a decision already on file is named by
    `caseload_check`). The model's check constraints (the order's length, delivery after the
    decision) are the form's own clean() checks, with the same messages.
    """

    def _post_clean(self):
        # The region fields hold regions loaded from the database: asking it again per row whether
        # they exist is what the model's foreign-key validation would do.
        exclude = self._get_validation_exclusions() | {
            name for name, f in self.fields.items() if isinstance(f, _Loaded)
        }
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as e:
            self._update_errors(e)
        try:
            self.instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            self._update_errors(e)


class FilePersonForm(_FileRowMixin, PersonForm):
    def __init__(self, *args, communities: dict[int, Region], **kwargs):
        super().__init__(*args, regions=Region.objects.none(), **kwargs)
        for name in ("household_region", "residence_region"):
            old = self.fields[name]
            self.fields[name] = _Loaded(communities, label=old.label, required=old.required)


class FileEpisodeForm(_FileRowMixin, EpisodeForm):
    def __init__(self, *args, communities: dict[int, Region], **kwargs):
        super().__init__(*args, **kwargs)
        old = self.fields["community"]
        self.fields["community"] = _Loaded(communities, label=old.label, required=old.required)


def _decision_taken() -> str:
    """The registration form's own message for the decision-number constraint."""
    constraint = next(c for c in Episode._meta.constraints if c.name == "episode_unique_decision_number")
    return str(constraint.violation_error_message)


@lru_cache(maxsize=64)
def _by_label(column: Column) -> dict[str, str]:
    return {label: value for value, label in column.choices}


@lru_cache(maxsize=1 << 16)
def _date(raw) -> date:
    # A file of three years' history names a few thousand distinct days over and over.
    return date_parse(raw)


@cache
def _columns_by_key(layout: tuple[Column, ...]) -> dict[str, Column]:
    # Built once per sheet layout: a three-year file has hundreds of thousands of history rows.
    return {c.key: c for c in layout}


class _Reader:
    """Turns the cells of one row into typed values, collecting one problem per bad cell."""

    def __init__(self, check: Check, sheet: Sheet, layout: tuple[Column, ...], number: int, cells):
        self.check, self.sheet, self.number, self.cells = check, sheet, number, cells
        self.layout = _columns_by_key(layout)
        self.failed = False

    def problem(self, key: str, message: str) -> None:
        header = self.layout[key].header if key in self.layout else key
        self.check.problems.append(Problem(self.sheet.name, self.number, header, message))
        self.failed = True

    def get(self, key: str):
        column = self.layout[key]
        cell = self.sheet.value(self.cells, key)
        if cell.formula:
            self.problem(key, _("单元格是公式，请复制后“粘贴为数值”再导入"))
            return None
        raw = cell.value
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if empty:
            if column.required:
                self.problem(key, _("必填，不能为空"))
            return None if column.kind in (DATE, INT, REGION, ACCOUNT) else ""
        if column.kind == DATE:
            try:
                return _date(raw)
            except ValueError as exc:
                self.problem(key, str(exc))
                return None
        if column.kind == INT:
            text = text_of(raw)
            if not text.isdigit() or int(text) == 0:  # a count or a length: -3, 0 and 1.5 are refused
                self.problem(key, _("应填正整数"))
                return None
            return int(text)
        text = text_of(raw)
        if column.kind == CHOICE:
            by_label = _by_label(column)
            if text in by_label:
                return by_label[text]
            self.problem(
                key,
                _("“%(value)s”不是允许的值（可填：%(allowed)s）")
                % {"value": text, "allowed": "、".join(column.labels())},
            )
            return ""
        return text


@dataclass
class _Context:
    township: Region
    communities: dict[str, Region]  # code and name -> community of the township
    all_communities: dict[str, list[Region]]  # code and name -> communities anywhere
    accounts: dict[str, tuple[int, str, int]]  # username -> (user id, agency kind, agency region id)
    party_kinds: dict[str, str]  # party code -> agency kind
    persons: dict[str, Person]
    open_episodes: dict[int, Episode]  # person id -> open episode
    today: date
    by_pk: dict[int, Region] = field(default_factory=dict)  # every community
    own_by_pk: dict[int, Region] = field(default_factory=dict)  # the township's communities
    decisions: dict[tuple[str, str], int] = field(default_factory=dict)  # (authority, number) -> episode


def _context(township: Region, sheet: Sheet) -> _Context:
    ids, usernames, numbers = set(), set(), set()
    persons_layout = {c.key: c for c in SHEETS[PERSONS_SHEET]}
    for _number, cells in sheet.rows:
        ids.add(text_of(sheet.value(cells, "id_number").value).upper())
        numbers.add(text_of(sheet.value(cells, "decision_number").value))
        for key in TEAM_ACCOUNTS:
            if key in sheet.columns and persons_layout[key].kind == ACCOUNT:
                name = text_of(sheet.value(cells, key).value)
                if name:
                    usernames.add(name)
    own = {}
    for region in communities_under(township):
        own[region.code] = own[region.name] = region
    everywhere: dict[str, list[Region]] = defaultdict(list)
    by_pk = {}
    for region in Region.objects.filter(level=Region.Level.COMMUNITY):
        everywhere[region.code].append(region)
        everywhere[region.name].append(region)
        by_pk[region.pk] = region
    accounts = {
        username: (user_id, kind, region_id)
        for username, user_id, kind, region_id in Staff.objects.filter(
            user__username__in=usernames, user__is_active=True
        ).values_list("user__username", "user_id", "agency__kind", "agency__region_id")
    }
    # Who already has a file, wherever it is: the importer never sees these rows, only "elsewhere".
    persons = {p.id_number: p for p in Person.objects.filter(id_number__in=ids).select_related("region")}
    open_episodes = {
        e.person_id: e
        for e in Episode.objects.filter(person__in=persons.values()).exclude(
            status__in=Episode.CLOSED_STATUSES
        )
    }
    return _Context(
        township=township,
        communities=own,
        all_communities=everywhere,
        accounts=accounts,
        party_kinds=dict(PartyRole.objects.values_list("code", "agency_kind")),
        persons=persons,
        open_episodes=open_episodes,
        today=timezone.localdate(),
        by_pk=by_pk,
        own_by_pk={r.pk: r for r in own.values()},
        decisions={
            (authority, number): pk
            for authority, number, pk in Episode.objects.filter(decision_number__in=numbers).values_list(
                "issuing_authority", "decision_number", "pk"
            )
        },
    )


def _held_here(ctx: _Context, person: Person) -> bool:
    episode = ctx.open_episodes.get(person.pk)
    if episode is not None:
        return episode.township_id == ctx.township.pk
    return person.region.path.startswith(ctx.township.path)


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _person_row(check: Check, ctx: _Context, sheet: Sheet, number: int, cells) -> PersonRow | None:
    r = _Reader(check, sheet, SHEETS[PERSONS_SHEET], number, cells)
    v = {c.key: r.get(c.key) for c in SHEETS[PERSONS_SHEET] if c.key in sheet.columns or c.required}
    row = PersonRow(number=number, name=v.get("name") or "", id_number=(v.get("id_number") or "").upper())

    if row.name == EXAMPLE_NAME:
        r.problem("name", _("这是模板的示例行，请删除后再导入"))
    existing = ctx.persons.get(row.id_number)
    if existing is not None and not _held_here(ctx, existing):
        row.action = ELSEWHERE
        return row

    household = None
    if v.get("household_region"):
        found = ctx.communities.get(v["household_region"]) and [ctx.communities[v["household_region"]]]
        found = found or ctx.all_communities.get(v["household_region"], [])
        if len(found) == 1:
            household = found[0]
        elif not found:
            r.problem("household_region", _("找不到社区“%(value)s”") % {"value": v["household_region"]})
        else:
            r.problem(
                "household_region",
                _("有多个社区叫“%(value)s”，请填区划代码") % {"value": v["household_region"]},
            )
    community = None
    if v.get("community"):
        community = ctx.communities.get(v["community"])
        if community is None:
            r.problem("community", _("“%(value)s”不是本乡镇（街道）的社区") % {"value": v["community"]})
    row.community = community

    person_data = {
        name: v.get(name, "")
        for name in PERSON_FIELDS
        if name not in ("household_region", "residence_region")
    }
    if existing is None and not person_data.get("risk_level"):
        person_data["risk_level"] = Person.Risk.MEDIUM
    elif existing is not None and not person_data.get("risk_level"):
        person_data["risk_level"] = existing.risk_level
    person_data["household_region"] = household.pk if household else None
    person_data["residence_region"] = community.pk if community else None
    row.person_form = FilePersonForm(person_data, instance=existing, communities=ctx.by_pk)
    episode = ctx.open_episodes.get(existing.pk) if existing else None
    row.person, row.episode = existing, episode
    episode_data = {name: v.get(name) for name in EPISODE_FIELDS}
    episode_data["community"] = community.pk if community else None
    row.episode_form = FileEpisodeForm(
        episode_data,
        instance=episode if episode and episode.decision_number == v.get("decision_number") else None,
        communities=ctx.own_by_pk,
    )
    headers = _headers(SHEETS[PERSONS_SHEET]) | {"residence_region": "责任社区"}
    for form in (row.person_form, row.episode_form):
        if not form.is_valid():
            for name, messages in form.errors.items():
                key = "" if name == "__all__" else name
                if (
                    key in ("household_region", "residence_region", "community")
                    and r.failed
                    and not v.get("household_region" if key == "household_region" else "community")
                ):
                    continue
                for message in messages:
                    check.problems.append(Problem(sheet.name, number, headers.get(key, ""), message))
                    r.failed = True

    # Reporting in and the help team: what the intake steps would have recorded.
    row.reported_on, row.agreement_on, row.plan_on = (
        v.get("reported_on"),
        v.get("agreement_on"),
        v.get("plan_on"),
    )
    served = v.get("served_on")
    if row.reported_on:
        if row.reported_on > ctx.today:
            r.problem("reported_on", _("报到日期不能晚于今天"))
        elif served and row.reported_on < served:
            r.problem("reported_on", _("报到日期不能早于送达日期"))
        else:
            term = row.episode_form.cleaned_data.get("term_months") if row.episode_form.is_bound else None
            term = term or v.get("term_months")
            if term:
                end = deadlines.expected_end_date(row.reported_on, term)
                if end < ctx.today:
                    r.problem(
                        "reported_on",
                        _("按报到日期计算已于 %(end)s 期满；已结束的执行记录不在导入之列")
                        % {"end": end.strftime("%Y-%m-%d")},
                    )
        for key in ("agreement_on", "plan_on"):
            day = v.get(key)
            if day and (day < row.reported_on or day > ctx.today):
                r.problem(key, _("应在报到日期和今天之间"))
        if not v.get("community_user"):
            # 已报到: the team is formed on the page (IntakeFlow: agreement, plan, then the team).
            if any(v.get(key) for key in TEAM_ACCOUNTS):
                r.problem("community_user", _("组建帮教小组须填写社工账号；尚未组建的，其他成员账号也不填"))
            if v.get("plan_on") and not v.get("agreement_on"):
                r.problem("plan_on", _("尚未组建帮教小组的，须先签订协议再制定计划（请填写协议签订日期）"))
    else:
        for key in ("agreement_on", "plan_on"):
            if v.get(key):
                r.problem(key, _("尚未报到的人员不能填写此项"))
    for key, party in TEAM_ACCOUNTS.items():
        username = v.get(key)
        if not username:
            continue
        account = ctx.accounts.get(username)
        kind = ctx.party_kinds.get(party)
        if account is None:
            r.problem(key, _("找不到在岗的账号“%(value)s”") % {"value": username})
        elif kind and account[1] != kind:
            r.problem(
                key,
                _("账号“%(value)s”不是%(party)s的工作人员")
                % {"value": username, "party": Agency.Kind(kind).label},
            )
        elif party == "community" and account[2] != ctx.township.pk:
            r.problem(key, _("账号“%(value)s”不是本乡镇（街道）工作站的工作人员") % {"value": username})
        elif row.reported_on:
            row.team[party] = account[0]
    row.family_name, row.family_phone = v.get("family_name") or "", v.get("family_phone") or ""
    if row.family_phone and not row.family_name:
        r.problem("family_name", _("填写了家属电话，请同时填写姓名"))

    if existing is not None:
        _compare(check, ctx, row, existing, episode, v, sheet, number)
    return row


def _compare(check, ctx, row: PersonRow, person: Person, episode: Episode | None, v, sheet, number) -> None:
    """Say what an import would change for a person already held here; refuse what it cannot."""
    problem = len(check.problems)
    if episode is None:
        check.problems.append(
            Problem(
                sheet.name,
                number,
                "决定书文号",
                _("该人员已建档且没有未结束的执行记录；新的决定书请在人员页面登记"),
            )
        )
    elif episode.decision_number != v.get("decision_number"):
        check.problems.append(
            Problem(
                sheet.name,
                number,
                "决定书文号",
                _("该人员正在执行决定书 %(number)s，与表格不一致") % {"number": episode.decision_number},
            )
        )
    else:
        if row.episode_form.is_valid():
            differing = [n for n in row.episode_form.changed_data if n != "community"]
            if row.community and row.community.pk != episode.community_id:
                differing.append("community")
            if differing:
                labels = "、".join(str(row.episode_form.fields[n].label) for n in differing)
                check.problems.append(
                    Problem(
                        sheet.name,
                        number,
                        "",
                        _("已登记的决定书信息（%(fields)s）与表格不一致，请在人员页面办理")
                        % {"fields": labels},
                    )
                )
        if (episode.reported_on or None) != row.reported_on:
            check.problems.append(
                Problem(
                    sheet.name,
                    number,
                    "报到日期",
                    _("与已登记的报到日期（%(day)s）不一致；报到请在任务页面登记")
                    % {"day": _display(episode.reported_on)},
                )
            )
    if len(check.problems) > problem or not row.person_form.is_valid():
        return
    row.person_changed = list(row.person_form.changed_data)
    headers = _headers(SHEETS[PERSONS_SHEET]) | {"residence_region": "责任社区"}
    for name in row.person_changed:
        # The instance already holds the file's values (the form set them while validating).
        before, after = row.person_form.initial.get(name), row.person_form.cleaned_data[name]
        if name in ("household_region", "residence_region"):
            before = Region.objects.filter(pk=before).values_list("name", flat=True).first()
        mask = MASKED.get(name)
        if mask:
            before, after = mask(before), mask(after)
        row.changes.append((headers.get(name, name), _display(before), _display(after)))
    row.action = UPDATE if row.person_changed else UNCHANGED


def _history(check: Check, ctx: _Context, sheets: dict[str, Sheet], rows: dict[str, PersonRow]) -> None:
    specs = (
        (
            TESTS_SHEET,
            "tested_on",
            "tests",
            DrugTest,
            (
                "tested_on",
                "sample_type",
                "method",
                "result",
                "place",
                "collector_1",
                "collector_1_sex",
                "collector_2",
                "collector_2_sex",
            ),
        ),
        (TALKS_SHEET, "held_on", "talks", Talk, ("held_on", "kind", "place", "summary")),
    )
    for sheet_name, date_key, target, _model, keys in specs:
        sheet = sheets.get(sheet_name)
        if sheet is None:
            continue
        seen = set()
        present = [c.key for c in SHEETS[sheet_name] if c.key in sheet.columns or c.required]
        for number, cells in sheet.rows:
            check.history_rows += 1
            r = _Reader(check, sheet, SHEETS[sheet_name], number, cells)
            v = {key: r.get(key) for key in present}
            owner = rows.get((v.get("id_number") or "").upper())
            if owner is None:
                if v.get("id_number"):
                    r.problem("id_number", _("“人员”表中没有这个公民身份号码"))
                continue
            if owner.action == ELSEWHERE or r.failed:
                continue
            day = v[date_key]
            if not owner.reported_on:
                r.problem(date_key, _("该人员尚未报到，不能有检测或谈话记录"))
            elif day < owner.reported_on or day > ctx.today:
                r.problem(
                    date_key,
                    _("应在报到日期（%(day)s）和今天之间") % {"day": owner.reported_on.strftime("%Y-%m-%d")},
                )
            elif owner.status == Episode.Status.REPORTED:
                r.problem(
                    date_key,
                    _("该人员尚未组建帮教小组（已报到），还没有应办的检测和谈话；请先填写社工账号"),
                )
            elif not owner.team.get("community"):
                continue  # the bad account is already named on the persons sheet
            else:
                key = (owner.id_number, day, v.get("sample_type") or v.get("kind"))
                if key in seen:
                    r.problem(date_key, _("同一人同一天的同类记录重复"))
                    continue
                seen.add(key)
                record = {k: v.get(k) or "" for k in keys}
                if sheet_name == TESTS_SHEET and not record["method"]:
                    record["method"] = DrugTest.Method.ON_SITE
                wrong = _test_problems(owner, record) if sheet_name == TESTS_SHEET else _talk_problems(record)
                for key, message in wrong:
                    r.problem(key, message)
                if not wrong:
                    getattr(owner, target).append(record)


@lru_cache(maxsize=4096)
def _test_form_problems(person_sex: str, values: tuple) -> tuple[tuple[str, str], ...]:
    from workflows.forms.records import DrugTestForm

    data = dict(values) | {"tested_on": timezone.localdate(), "ad_hoc": False}
    form = DrugTestForm(data, person=Person(sex=person_sex))
    if form.is_valid():
        return ()
    known = {c.key for c in SHEETS[TESTS_SHEET]}
    return tuple(
        (name if name in known else "", str(message))
        for name, messages in form.errors.items()
        if name != "tested_on"
        for message in messages
    )


def _test_problems(owner: PersonRow, record: dict) -> tuple[tuple[str, str], ...]:
    """The test page's own form (workflows.forms.records.DrugTestForm: two collectors, a woman's
    urine sample collected by women, the lengths of the fields) on one row of the file. Its
    answer depends on the row's values but the date, which is checked against the order above;
    the same values recur over three years of monthly tests, so each set is checked once."""
    sex = owner.person_form.cleaned_data.get("sex", "") if owner.person_form.is_valid() else ""
    values = tuple(sorted((k, v) for k, v in record.items() if k != "tested_on"))
    return _test_form_problems(sex, values)


def _talk_problems(record: dict) -> list[tuple[str, str]]:
    """The talk page's field lengths (the TalkForm has no rule across fields)."""
    wrong = []
    for key in ("place", "summary"):
        limit = Talk._meta.get_field(key).max_length
        if limit and len(record[key]) > limit:
            wrong.append((key, _("不能超过 %(n)d 个字") % {"n": limit}))
    return wrong


def caseload_check(*, township: Region, file_name: str, content: bytes) -> Check:
    """Read and check a caseload file for a township; raise sheet.FileRefused for an unreadable file."""
    sheets = workbook_read(file_name, content)
    check = Check(file_name=file_name, township=township)
    persons = sheets[PERSONS_SHEET]
    if not persons.rows:
        raise FileRefused(_("“人员”表没有数据行。"))
    ctx = _context(township, persons)
    by_id: dict[str, PersonRow] = {}
    decisions: dict[tuple[str, str], int] = {}
    for number, cells in persons.rows:
        row = _person_row(check, ctx, persons, number, cells)
        if row.id_number:
            if row.id_number in by_id:
                check.problems.append(
                    Problem(
                        PERSONS_SHEET,
                        number,
                        "公民身份号码",
                        _("与第%(first)d行是同一人；一人只能有一行") % {"first": by_id[row.id_number].number},
                    )
                )
                continue
            by_id[row.id_number] = row
        form = row.episode_form
        if form is not None and form.is_valid():
            key = (form.cleaned_data["issuing_authority"], form.cleaned_data["decision_number"])
            if key in decisions:
                check.problems.append(
                    Problem(
                        PERSONS_SHEET,
                        number,
                        "决定书文号",
                        _("与第%(first)d行的决定书相同") % {"first": decisions[key]},
                    )
                )
            on_file = ctx.decisions.get(key)
            if on_file is not None and (row.episode is None or row.episode.pk != on_file):
                # The registration form's own message for the decision-number constraint.
                check.problems.append(Problem(PERSONS_SHEET, number, "决定书文号", _decision_taken()))
            decisions.setdefault(key, number)
        check.rows.append(row)
    _history(check, ctx, sheets, by_id)
    # New history of a person already here is recorded; what is already recorded is left alone.
    for row in check.rows:
        if row.action in (UPDATE, UNCHANGED) and row.episode is not None:
            _history_new(row)
    check.problems.sort(key=lambda p: (list(SHEETS).index(p.sheet) if p.sheet in SHEETS else 9, p.row))
    return check


def _history_new(row: PersonRow) -> None:
    episode = row.episode
    tests = set(episode.drug_tests.values_list("tested_on", "sample_type"))
    talks = set(episode.talks.values_list("held_on", "kind"))
    row.tests = [t for t in row.tests if (t["tested_on"], t["sample_type"]) not in tests]
    row.talks = [t for t in row.talks if (t["held_on"], t["kind"]) not in talks]
    if row.tests or row.talks:
        if row.tests:
            row.changes.append((_("检测记录"), "", _("新增 %(n)d 条") % {"n": len(row.tests)}))
        if row.talks:
            row.changes.append((_("谈话走访"), "", _("新增 %(n)d 条") % {"n": len(row.talks)}))
        row.action = UPDATE


def problems_text(problems: list[Problem], limit: int | None = None) -> list[str]:
    return [str(p) for p in (problems[:limit] if limit else problems)]


def get_user(user_id: int):
    return get_user_model().objects.get(pk=user_id)
