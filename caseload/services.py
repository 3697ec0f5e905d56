"""Bringing a caseload in: the commit of a checked file, all or nothing, in one transaction.

New persons are written as the registration page writes them (`workflows.branches.intake`
`decision_register`: the person, the episode with its reporting-in deadline from the region's
rule, the intake flow for a decision not yet reported), in bulk; a person already reported in
gets what the intake steps would have left (the reporting-in record, the agreement and plan
when the file dates them, the help team) and the schedule of duties run from the real start
date over the file's history: each test or talk closes the duty it fulfils and the next falls
due from its real date, exactly as `obligations.services` does one record at a time
(`_open_next`, `_close_and_schedule`); the last duty of each kind stays open, overdue when its
date has passed. Grants are synced once for everyone touched (`sync_person_grants`).

A person already held here is updated through the page's own services: `casework.services`
`person_update` for the fields that changed, `workflows.branches.records.drug_test_record`
and `obligations.services.talk_record` for history not yet recorded. Every case event written
says it was imported, with the file's name and the importing user as its actor.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caseload.checks import NEW, UPDATE, Check, PersonRow, caseload_check
from caseload.models import CaseloadImport
from casework import deadlines
from casework.errors import RecordRefused
from casework.models import (
    Agreement,
    CaseEvent,
    DrugTest,
    Episode,
    Obligation,
    ObligationKind,
    PartyRole,
    Person,
    Plan,
    Region,
    ReportingIn,
    Talk,
    TeamMember,
)
from casework.selectors import deadline_rule
from casework.services import person_update
from obligations.schedule import intervals_for, next_due, programme_year
from obligations.services import talk_record
from permissions.services import sync_person_grants
from workflows.branches.records import drug_test_record
from workflows.flows import IntakeFlow

BATCH = 2000
IMPORTED_AGREEMENT = "按纸质协议执行（原件存档，自名册导入）"


class ImportRefused(RecordRefused):
    """The file has problems: nothing was written. `check` holds them, row by row."""

    def __init__(self, check: Check):
        super().__init__(_("名册有 %(n)d 处问题，未导入任何数据。") % {"n": len(check.problems)})
        self.check = check


@dataclass
class ImportResult:
    record: CaseloadImport | None
    check: Check
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    elsewhere: int = 0
    history: int = 0

    @property
    def changed_nothing(self) -> bool:
        return not (self.created or self.updated)


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class New:
    """The values of one new row of a model, by attribute name; the model's defaults fill the rest."""

    def __init__(self, **values):
        self.__dict__.update(values)
        self.pk = None


class _Schedule:
    """The duties of one episode run over its history, as the obligations services run them."""

    def __init__(self, episode: Episode, plans: dict[str, dict[int, int]], today: date):
        self.episode, self.plans, self.today = episode, plans, today
        self.start = episode.start_date
        self.end = deadlines.add_months(self.start, episode.term_months)
        self.open: dict[str, Obligation] = {}
        self.rows: list[Obligation] = []
        for kind, intervals in plans.items():
            self._open_next(kind, self.start, 1, intervals)

    def _open_next(self, kind: str, after: date, sequence: int, intervals: dict[int, int]) -> None:
        due = next_due(self.start, self.end, after, intervals)
        if due is None:
            self.open.pop(kind, None)
            return
        # Plain rows, not model instances: a county's file makes a third of a million of these,
        # and building the instances costs more than the rest of the arithmetic.
        obligation = New(
            episode_id=self.episode.pk,
            person_id=self.episode.person_id,
            kind=kind,
            sequence=sequence,
            programme_year=programme_year(self.start, due),
            due_from=min(after + timedelta(days=1), due),
            due_by=due,
            township_id=self.episode.township_id,
            status=Obligation.Status.PENDING,
            done_on=None,
        )
        self.open[kind] = obligation
        self.rows.append(obligation)

    def fulfil(self, kind: str, day: date, fallback: str | None = None) -> Obligation | None:
        obligation = self.open.get(kind) or (self.open.get(fallback) if fallback else None)
        if obligation is None:
            return None
        obligation.status = Obligation.Status.DONE
        obligation.done_on = day
        self._open_next(obligation.kind, day, obligation.sequence + 1, self.plans.get(obligation.kind, {}))
        return obligation

    def finish(self) -> list[Obligation]:
        for obligation in self.open.values():
            obligation.status = (
                Obligation.Status.OVERDUE if obligation.due_by < self.today else Obligation.Status.PENDING
            )
        return self.rows


def rows_write(model, objects: list) -> None:
    """Insert new rows as `bulk_create` would, their primary keys set on the objects.

    On PostgreSQL by COPY, with the keys drawn from the table's sequence first (one query), so
    that the rows hanging off them can be written the same way: a county's three years of
    history are several hundred thousand rows, which INSERTs take a minute to send. Elsewhere
    (SQLite) `bulk_create`. No signals either way, as with bulk_create.
    """
    if not objects:
        return
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    if connection.vendor != "postgresql":
        names = {f.attname for f in fields}
        instances = [
            obj if isinstance(obj, model) else model(**{k: v for k, v in obj.__dict__.items() if k in names})
            for obj in objects
        ]
        model.objects.bulk_create(instances, batch_size=BATCH)
        for obj, instance in zip(objects, instances, strict=True):
            obj.pk = instance.pk
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            if isinstance(obj, model):
                obj._state.adding = False
        names = [f.attname for f in fields]
        # A callable default (dict, timezone.now) is called once for the batch.
        defaults = [f.get_default() for f in fields]
        getters = []
        for f, default in zip(fields, defaults, strict=True):
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                getters.append(lambda obj, f=f: f.pre_save(obj, True))
            elif isinstance(f, models.FileField):
                getters.append(lambda obj, f=f: getattr(obj.__dict__.get(f.attname), "name", None) or "")
            elif isinstance(f, models.JSONField):
                getters.append(
                    lambda obj, f=f, d=default: json.dumps(
                        obj.__dict__.get(f.attname, d), cls=DjangoJSONEncoder
                    )
                )
            else:
                getters.append(None)
        columns = ", ".join(quote(f.column) for f in [opts.pk, *fields])
        with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                values = obj.__dict__
                copy.write_row(
                    [obj.pk]
                    + [
                        values.get(name, default) if get is None else get(obj)
                        for name, get, default in zip(names, getters, defaults, strict=True)
                    ]
                )


def _events(person, episode, actor, source: dict, lines: list[tuple[str, date, str]]) -> list[CaseEvent]:
    now = timezone.now()
    return [
        CaseEvent(
            person_id=person.pk,
            episode_id=episode.pk,
            actor_id=actor.pk,
            kind=kind,
            happened_on=day,
            at=now,
            message=f"{message}（导入：{source['file']}）"[:300],
            data={"imported": source},
        )
        for kind, day, message in lines
    ]


def _create(rows: list[PersonRow], *, township: Region, actor, source: dict) -> tuple[list[int], int]:
    """Write the new persons and everything that hangs off them; return (person ids, history rows)."""
    today = timezone.localdate()
    days, count = deadline_rule(township, "report_in")
    roles = PartyRole.objects.in_bulk(field_name="code")
    persons, episodes = [], []
    for row in rows:
        person = row.person_form.save(commit=False)
        person.region = row.community
        data = row.episode_form.cleaned_data
        episode = Episode(
            person=person,
            kind=data["kind"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
            issuing_authority=data["issuing_authority"],
            served_on=data["served_on"],
            term_months=data["term_months"],
            township=township,
            community=row.community,
            report_deadline=deadlines.report_deadline(data["served_on"], days, count),
            report_period_days=days,
            report_day_count=count,
            # 已报到 comes in as the page makes it: decided, then the intake flow's steps below.
            status=Episode.Status.ACTIVE if row.status == Episode.Status.ACTIVE else Episode.Status.DECIDED,
        )
        if row.status == Episode.Status.ACTIVE:
            episode.reported_on = episode.start_date = row.reported_on
            episode.expected_end_date = deadlines.expected_end_date(row.reported_on, episode.term_months)
        persons.append(person)
        episodes.append(episode)
    rows_write(Person, persons)
    for episode in episodes:
        episode.person = episode.person  # copy the new primary key onto the foreign key
    rows_write(Episode, episodes)

    plans: dict[tuple[str, int], dict] = {}
    reports, agreements, plan_rows, team, obligations, tests, talks, events = [], [], [], [], [], [], [], []
    fulfilled: list[tuple[DrugTest | Talk, Obligation | None]] = []
    for row, person, episode in zip(rows, persons, episodes, strict=True):
        lines = [
            ("person_created", today, "建立档案"),
            (
                "registered",
                episode.served_on,
                f"登记{episode.get_kind_display()}决定书 {episode.decision_number}，报到期限 {episode.report_deadline:%Y-%m-%d}",
            ),
        ]
        if row.status != Episode.Status.ACTIVE:
            events += _events(person, episode, actor, source, lines)
            continue
        reports.append(
            ReportingIn(
                episode_id=episode.pk,
                reported_on=row.reported_on,
                documents="自名册导入",
                on_time=row.reported_on <= episode.report_deadline,
                recorded_by=actor,
            )
        )
        lines.append(
            (
                "reported",
                row.reported_on,
                f"报到，{episode.start_date:%Y年%m月%d日}起执行，预计{episode.expected_end_date:%Y年%m月%d日}期满",
            )
        )
        if row.agreement_on:
            agreements.append(
                Agreement(
                    episode_id=episode.pk,
                    signed_on=row.agreement_on,
                    measures=IMPORTED_AGREEMENT,
                    rules=IMPORTED_AGREEMENT,
                    liability=IMPORTED_AGREEMENT,
                    period_start=episode.start_date,
                    period_end=episode.expected_end_date,
                    signed_by=actor,
                )
            )
            lines.append(("agreement", row.agreement_on, "签订协议"))
        if row.plan_on:
            plan_rows.append(
                Plan(
                    episode_id=episode.pk,
                    written_on=row.plan_on,
                    current_situation="见纸质档案",
                    written_by=actor,
                )
            )
            lines.append(("plan", row.plan_on, "制定个人计划"))
        for party, user_id in row.team.items():
            team.append(
                TeamMember(
                    episode_id=episode.pk, role=roles[party], user_id=user_id, start_date=row.reported_on
                )
            )
        if row.family_name:
            team.append(
                TeamMember(
                    episode_id=episode.pk,
                    role=roles["family"],
                    name=row.family_name,
                    phone=row.family_phone,
                    start_date=row.reported_on,
                )
            )
        lines.append(("team", row.reported_on, "帮教小组组建，开始执行"))

        key = (episode.kind, episode.term_months)
        if key not in plans:
            plans[key] = intervals_for(township, episode.kind, episode.term_months)
        schedule = _Schedule(episode, plans[key], today)
        history = [(t["tested_on"], 0, "test", t) for t in row.tests] + [
            (t["held_on"], 1, "talk", t) for t in row.talks
        ]
        for day, _order, what, record in sorted(history, key=lambda h: (h[0], h[1])):
            if what == "test":
                obligation = schedule.fulfil(ObligationKind.DRUG_TEST, day)
                test = New(
                    episode_id=episode.pk,
                    person_id=person.pk,
                    ad_hoc=obligation is None,
                    recorded_by_id=actor.pk,
                    **record,
                )
                tests.append(test)
                fulfilled.append((test, obligation))
            else:
                visit = record["kind"] == Talk.Kind.HOME_VISIT
                obligation = schedule.fulfil(
                    ObligationKind.HOME_VISIT if visit else ObligationKind.TALK,
                    day,
                    fallback=ObligationKind.TALK if visit else None,
                )
                talk = New(
                    episode_id=episode.pk,
                    person_id=person.pk,
                    staff_id=row.team["community"],
                    **record,
                )
                talks.append(talk)
                fulfilled.append((talk, obligation))
        obligations += schedule.finish()
        if row.tests:
            lines.append(
                (
                    "drug_test",
                    max(t["tested_on"] for t in row.tests),
                    f"检测记录 {len(row.tests)} 次（{min(t['tested_on'] for t in row.tests):%Y-%m-%d} 至 "
                    f"{max(t['tested_on'] for t in row.tests):%Y-%m-%d}）",
                )
            )
        if row.talks:
            lines.append(
                (
                    "talk",
                    max(t["held_on"] for t in row.talks),
                    f"谈话走访记录 {len(row.talks)} 次",
                )
            )
        open_now = list(schedule.open.values())
        if open_now:
            lines.append(
                (
                    "schedule",
                    today,
                    "应办事项："
                    + "、".join(f"{ObligationKind(o.kind).label} {o.due_by:%Y-%m-%d}" for o in open_now),
                )
            )
        events += _events(person, episode, actor, source, lines)

    for model, objects in (
        (ReportingIn, reports),
        (Agreement, agreements),
        (Plan, plan_rows),
        (TeamMember, team),
        (Obligation, obligations),
    ):
        rows_write(model, objects)
    for record, obligation in fulfilled:
        record.obligation_id = obligation.pk if obligation is not None else None
    rows_write(DrugTest, tests)
    rows_write(Talk, talks)
    rows_write(CaseEvent, events)
    for episode in episodes:
        if episode.status == Episode.Status.DECIDED:
            IntakeFlow.start.run(episode=episode)
    reported = [
        (row, episode)
        for row, episode in zip(rows, episodes, strict=True)
        if row.status == Episode.Status.REPORTED
    ]
    if reported:
        _intake_steps(reported, actor=actor, source=source)
    return [p.pk for p in persons], len(tests) + len(talks)


def _intake_steps(reported: list[tuple[PersonRow, Episode]], *, actor, source: dict) -> None:
    """Reported in, the team not yet formed (已报到): the intake flow's own steps, as the task
    pages run them (reporting in, then the agreement and the plan where the file dates them),
    so the flow waits at the next step as it would for a person registered on the pages; the
    events those steps wrote are then marked as imported."""
    from workflows.engine import step_run

    started = timezone.now()
    sync_person_grants([episode.person_id for _row, episode in reported])
    for row, episode in reported:
        step_run(
            actor,
            IntakeFlow,
            "report_in",
            episode,
            {"reported_on": row.reported_on, "documents": "自名册导入"},
        )
        if row.agreement_on:
            step_run(
                actor,
                IntakeFlow,
                "agreement",
                episode,
                {
                    "signed_on": row.agreement_on,
                    "measures": IMPORTED_AGREEMENT,
                    "rules": IMPORTED_AGREEMENT,
                    "liability": IMPORTED_AGREEMENT,
                },
            )
            if row.plan_on:
                step_run(
                    actor,
                    IntakeFlow,
                    "plan",
                    episode,
                    {"written_on": row.plan_on, "current_situation": "见纸质档案"},
                )
    events = CaseEvent.objects.filter(episode__in=[e for _r, e in reported], at__gte=started)
    for event in events:
        event.message = f"{event.message}（导入：{source['file']}）"[:300]
        event.data = {**(event.data or {}), "imported": source}
    CaseEvent.objects.bulk_update(events, ["message", "data"], batch_size=BATCH)


def _update(row: PersonRow, *, actor, source: dict) -> int:
    """Apply one changed row through the page's services; return the history records added."""
    if row.person_changed:
        person = row.person_form.save(commit=False)
        person_update(actor=actor, person=person, changed=row.person_changed)
    added = 0
    history = [(t["tested_on"], 0, t) for t in row.tests] + [(t["held_on"], 1, t) for t in row.talks]
    staff = row.team.get("community")
    for _day, order, record in sorted(history, key=lambda h: (h[0], h[1])):
        if order == 0:
            drug_test_record(actor=actor, episode=row.episode, **record)
        else:
            talk_record(actor=actor if staff is None else _user(staff), episode=row.episode, **record)
        added += 1
    return added


def _user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user_id)


def caseload_import(
    *,
    township: Region,
    actor,
    file_name: str,
    content: bytes,
    dry_run: bool = False,
    record: CaseloadImport | None = None,
) -> ImportResult:
    """Check the file and, unless a dry run, write it all in one transaction; raise ImportRefused
    (nothing written) when any row has a problem, sheet.FileRefused when the file is unreadable."""
    with transaction.atomic():
        # One import at a time per township: two uploads of overlapping files must not both
        # find a person new.
        Region.objects.select_for_update().filter(pk=township.pk).first()
        check = caseload_check(township=township, file_name=file_name, content=content)
        if not check.ok:
            raise ImportRefused(check)
        result = ImportResult(
            record=None,
            check=check,
            unchanged=check.count("unchanged"),
            elsewhere=check.count("elsewhere"),
        )
        if dry_run:
            result.created, result.updated = check.count(NEW), check.count(UPDATE)
            return result
        if record is None:
            record = CaseloadImport.objects.create(
                township=township,
                uploaded_by=actor,
                file_name=file_name[:200],
                sha256=digest(content),
                content=content,
            )
        elif record.status != CaseloadImport.Status.PREVIEWED:
            raise RecordRefused(_("这个文件已经导入过了。"))
        source = {"file": file_name[:100], "import": record.pk, "by": actor.get_username()}
        new_rows = [r for r in check.rows if r.action == NEW]
        person_ids, history = (
            _create(new_rows, township=township, actor=actor, source=source) if new_rows else ([], 0)
        )
        touched = list(person_ids)
        for row in check.changed_rows:
            history += _update(row, actor=actor, source=source)
            touched.append(row.person.pk)
        if touched:
            sync_person_grants(touched)
        result.created, result.updated, result.history = len(person_ids), len(check.changed_rows), history
        record.status = (
            CaseloadImport.Status.UNCHANGED if result.changed_nothing else CaseloadImport.Status.COMMITTED
        )
        record.committed_at = timezone.now()
        record.summary = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "elsewhere": result.elsewhere,
            "history": result.history,
        }
        record.save(update_fields=["status", "committed_at", "summary"])
        result.record = record
        return result
