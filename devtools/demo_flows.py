"""Demo data for the workflow layer: three years of history per running episode, and the intake
flows of decisions not yet reported. Idempotent: episodes that already have obligations or a
flow are left alone. Bulk writes (PostgreSQL ``COPY``, ``bulk_create`` elsewhere), so it scales
with seed_demo.

History of a running episode (``seed_obligations``), from the start of execution to today:

* every obligation of the schedule (obligations.schedule.plan_dates) due before the current one is
  done, sequence 1..n-1, each with its drug test or talk (on the due date, 15 % one to five days
  late); the current one is open (sequence n; about 1 in 8 already overdue);
* the exception records (absences, breaches, hand-overs, transfers, suspensions, certification,
  referrals, completion), in proportions that are ASSUMPTIONS of ours (no national figures exist;
  they are meant to look plausible on the pages, not to be statistics):

  - 10 % of running episodes: 1-3 reported trips out of the county (Absence ``returned``, its
    ``absence_back`` obligation done; 10 % of returns one to three days late);
  - 2 %: one unreported absence of 3-20 days confirmed as Breach ``unauthorised_exit``
    (戒毒条例 art 20 counts it; one exit of at most 20 days is not serious);
  - 5 %: one or two refused tests, each confirmed as Breach ``test_refused`` linked to the refused
    DrugTest; a retest one to five days later fulfils the obligation (as drug_test_record does);
  - 3 %: a past change of execution place (Transfer ``reported``) from another township of the
    same county to the episode's township, with its ``transfer_in`` obligation done; obligations
    due before the acceptance stay with the old township;
  - every ``out_of_county`` episode: an open Absence ``away`` and its open ``absence_back``;
  - every ``violation_reported`` episode: an undecided HandOver (no police decision yet) and its
    ``handover`` deadline done, for one reason: relapse (about 50 %: the last done test positive;
    the only positive tests of the data set, since a positive test is handed over at once and
    would contradict any other running status; an ad-hoc positive test for an episode too young
    for anything else), three refused tests (about 35 %: the last three,
    the third breach answered by the hand-over, 戒毒条例 art 20-21) or one unreported absence of
    31-60 days (about 15 %; art 20 "累计超过30日").

So the serious-breach counter (workflows.branches.breaches.breach_counters) is serious exactly for the
``violation_reported`` episodes handed over for a serious breach. Every random choice of an episode
comes from ``random.Random(f"{seed}:history:{decision_number}")``, so a larger run extends a smaller
one with the rows a fresh run would have made.

Every case event is dated the day it happened and recorded that morning. Each hand-over waiting
for the police gets its BreachHandOverFlow (``seed_handover_flows``): the package step done, the
police's step open, as the app leaves it.

Not seeded: case events for each test and talk (the timeline shows the exception records' events
only), the viewflow processes of transfers, an open Transfer for ``transfer_pending`` episodes,
suspensions.
"""

import json
import random
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.formats import date_format

from casework.models import (
    Absence,
    Breach,
    CaseEvent,
    DrugTest,
    Episode,
    HandOver,
    Obligation,
    ObligationKind,
    Region,
    Talk,
    Transfer,
)
from devtools.bulk import insert_objects, take_ids
from obligations.schedule import intervals_for, plan_dates, programme_year, term_bounds
from obligations.services import obligations_scan
from workflows.flows import IntakeFlow

RUNNING = [
    Episode.Status.ACTIVE,
    Episode.Status.OUT_OF_COUNTY,
    Episode.Status.VIOLATION_REPORTED,
    Episode.Status.MISSING,
    Episode.Status.TRANSFER_PENDING,
]
S = Episode.Status
DONE = Obligation.Status.DONE

# The assumed proportions (see the module docstring).
TRIP_SHARE = 0.10
EXIT_SHARE = 0.02
REFUSAL_SHARE = 0.05
TRANSFER_SHARE = 0.03
LATE_SHARE = 0.15
VIOLATION_REASONS = (("relapse", 50), ("tests", 35), ("exit_days", 15))

EPISODES_PER_FLUSH = 1000
ID_BLOCK = 50_000
COPY_THRESHOLD = 500

DESTINATIONS = ("江苏省南京市", "浙江省杭州市", "广东省东莞市", "安徽省合肥市", "上海市", "山东省临沂市")
TRIP_REASONS = ("探亲", "务工", "就医", "办理个人事务")
TRANSFER_REASONS = ("迁居", "在新居住地就业", "投靠亲属")


@dataclass
class HistoryStats:
    open: int = 0
    done: int = 0
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class _Writer:
    """Rows of several tables with ids allocated up front, written table by table at each flush:
    ``COPY`` on PostgreSQL (as permissions.services._insert_grants does), ``bulk_create`` elsewhere."""

    ORDER = (Obligation, Absence, DrugTest, Talk, Breach, HandOver, Transfer, CaseEvent)

    def __init__(self, stats: HistoryStats) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.now = timezone.now()
        self.rows: dict[type, list[dict]] = defaultdict(list)
        self.pool: dict[type, list[int]] = defaultdict(list)
        self.pool_size: dict[type, int] = {}
        self.next_id: dict[type, int] = {}
        self.stats = stats
        self.defaults = {model: self._defaults(model) for model in self.ORDER}

    def _defaults(self, model) -> dict[str, object]:
        values: dict[str, object] = {}
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                values[f.attname] = self.now
            else:  # the field's default, "" for a blank text field without one
                values[f.attname] = f.get_default()
        return values

    def _id(self, model) -> int:
        if self.postgres:
            pool = self.pool[model]
            if not pool:
                # A table that gets few rows takes few ids; a busy one takes ever larger runs.
                size = self.pool_size[model] = min(ID_BLOCK, self.pool_size.get(model, 512) * 2)
                pool += reversed(take_ids(model, size))
            return pool.pop()
        if model not in self.next_id:
            self.next_id[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_id[model] += 1
        return self.next_id[model] - 1

    def add(self, model, **values) -> int:
        values["id"] = self._id(model)
        self.rows[model].append(values)
        return values["id"]

    def flush(self) -> None:
        for model in self.ORDER:
            rows = self.rows.pop(model, [])
            if not rows:
                continue
            self.stats.rows[model._meta.model_name] += len(rows)
            defaults = self.defaults[model]
            fields = model._meta.concrete_fields
            if self.postgres and len(rows) >= COPY_THRESHOLD:
                columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
                pairs = [(f.attname, defaults[f.attname]) for f in fields]
                json_at = [n for n, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
                ):
                    write = copy.write_row
                    for row in rows:
                        get = row.get
                        values = [get(name, default) for name, default in pairs]
                        for n in json_at:
                            values[n] = json.dumps(values[n])
                        write(values)
            else:
                model.objects.bulk_create([model(**(defaults | row)) for row in rows], batch_size=2000)


@dataclass
class _Context:
    today: date
    seed: int
    clerks: dict[int, int]  # township id -> work-station user
    neighbours: dict[int, list[int]]  # township id -> other townships of its county
    communities: dict[int, list[int]]  # township id -> its communities
    plans: dict[tuple[int, str, int], dict[str, dict[int, int]]] = field(default_factory=dict)
    townships: dict[int, Region] = field(default_factory=dict)

    def intervals(self, township_id: int, episode_kind: str, term_months: int) -> dict[str, dict[int, int]]:
        key = (township_id, episode_kind, term_months)
        if key not in self.plans:
            self.plans[key] = intervals_for(self.townships[township_id], episode_kind, term_months)
        return self.plans[key]


def _geography() -> tuple[dict[int, Region], dict[int, list[int]], dict[int, list[int]]]:
    townships = {r.pk: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    steplen = Region.steplen
    by_county: dict[str, list[int]] = defaultdict(list)
    for pk, region in sorted(townships.items()):
        by_county[region.path[:steplen]].append(pk)
    neighbours = {
        pk: [other for other in by_county[region.path[:steplen]] if other != pk]
        for pk, region in townships.items()
    }
    by_path = {region.path: pk for pk, region in townships.items()}
    communities: dict[int, list[int]] = defaultdict(list)
    for pk, path in (
        Region.objects.filter(level=Region.Level.COMMUNITY).order_by("pk").values_list("pk", "path")
    ):
        parent = by_path.get(path[:-steplen])
        if parent is not None:
            communities[parent].append(pk)
    return townships, neighbours, communities


def seed_obligations(
    today: date,
    seed: int = 1,
    stats: HistoryStats | None = None,
    *,
    person_ids: Collection[int] | None = None,
    scan: bool = True,
) -> int:
    """Write the history and the current obligations of running episodes without obligations
    (only those of ``person_ids`` when given), then run the daily scan unless ``scan`` is False
    (the seeder writes block by block and scans once at the end).

    Return the number of open obligations written (see the module docstring for what else).
    """
    stats = stats if stats is not None else HistoryStats()
    fields = (
        "pk", "person_id", "township_id", "community_id", "kind", "status", "start_date", "term_months",
        "paused_days", "decision_number",
    )  # fmt: skip
    running = Episode.objects.filter(status__in=RUNNING, start_date__isnull=False)
    if person_ids is not None:
        running = running.filter(person_id__in=list(person_ids))
    episodes = list(
        running.exclude(Exists(Obligation.objects.filter(episode=OuterRef("pk"))))
        .order_by("pk")
        .values_list(*fields)
    )
    if not episodes:
        if scan:
            obligations_scan(today)
        return 0
    townships, neighbours, communities = _geography()
    ctx = _Context(today, seed, _clerks(), neighbours, communities, townships=townships)
    writer = _Writer(stats)
    opened_before = stats.open
    for n, values in enumerate(episodes, start=1):
        episode = Episode(**dict(zip(("id", *fields[1:]), values, strict=True)))
        _History(episode, ctx, writer).write()
        if n % EPISODES_PER_FLUSH == 0:
            writer.flush()
    writer.flush()
    if scan:
        obligations_scan(today)
    return stats.open - opened_before


def _clerks() -> dict[int, int]:
    """{township id: a work-station user}, to sign the demo records."""
    from casework.models import Staff

    return dict(
        Staff.objects.filter(agency__kind="work_station", role="member")
        .order_by("-agency__region_id", "-pk")
        .values_list("agency__region_id", "user_id")
    )


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


class _History:
    """The history of one running episode; every choice from the episode's own RNG."""

    def __init__(self, episode: Episode, ctx: _Context, writer: _Writer) -> None:
        self.e = episode
        self.ctx = ctx
        self.w = writer
        self.today = ctx.today
        self.rng = random.Random(f"{ctx.seed}:history:{episode.decision_number}")
        self.start, self.end = term_bounds(episode)
        self.age = (self.today - self.start).days
        self.clerk = ctx.clerks.get(episode.township_id)
        self.moved_on: date | None = None  # acceptance of a past transfer
        self.from_township: int | None = None

    # -- helpers

    def days(self, a: int, b: int) -> timedelta:
        return timedelta(days=self.rng.randint(a, b))

    def township_on(self, day: date) -> int:
        if self.moved_on is not None and day < self.moved_on:
            return self.from_township
        return self.e.township_id

    def clerk_on(self, day: date) -> int:
        return self.ctx.clerks.get(self.township_on(day), self.clerk)

    def obligation(self, kind: str, sequence: int, due_from: date, due_by: date, done_on: date | None) -> int:
        status = DONE if done_on else Obligation.Status.PENDING
        if done_on:
            self.w.stats.done += 1
        else:
            self.w.stats.open += 1
        return self.w.add(
            Obligation,
            episode_id=self.e.pk,
            person_id=self.e.person_id,
            kind=kind,
            sequence=sequence,
            programme_year=programme_year(self.start, due_by),
            due_from=min(due_from, due_by),
            due_by=due_by,
            township_id=self.township_on(due_by),
            status=status,
            done_on=done_on,
        )

    def event(self, day: date, kind: str, message: str, **data) -> None:
        self.w.add(
            CaseEvent,
            person_id=self.e.person_id,
            episode_id=self.e.pk,
            actor_id=self.clerk_on(day),
            happened_on=day,
            at=_at(day),
            kind=kind,
            message=message[:300],
            data=data,
        )

    def test(
        self,
        day: date,
        obligation_id: int | None,
        result: str = DrugTest.Result.NEGATIVE,
        ad_hoc: bool = False,
    ) -> int:
        positive = result == DrugTest.Result.POSITIVE
        return self.w.add(
            DrugTest,
            episode_id=self.e.pk,
            person_id=self.e.person_id,
            obligation_id=obligation_id,
            tested_on=day,
            place="社区戒毒社区康复工作站",
            result=result,
            substances="甲基苯丙胺" if positive else "",
            collector_1="工作人员甲",
            collector_1_sex="F",
            collector_2="工作人员乙",
            collector_2_sex="F",
            notified_on=day if positive else None,
            ad_hoc=ad_hoc,
            recorded_by_id=self.clerk_on(day),
        )

    def breach(self, kind: str, day: date, description: str, *, handover: bool = False, **links) -> None:
        warning = not handover and self.rng.random() < 0.3
        self.w.add(
            Breach,
            episode_id=self.e.pk,
            person_id=self.e.person_id,
            kind=kind,
            occurred_on=day,
            description=description,
            response=Breach.Response.HANDOVER
            if handover
            else (Breach.Response.WARNING if warning else Breach.Response.EDUCATION),
            warning_number=f"告诫〔{day.year}〕{self.rng.randint(1, 999):03d}号" if warning else "",
            confirmed_by_id=self.clerk_on(day),
            **links,
        )
        label = Breach.Kind(kind).label
        if kind == Breach.Kind.UNAUTHORISED_EXIT:
            label = f"{label}{links.get('days', 0)}日"
        self.event(day, "breach_confirmed", f"确认违反协议：{label}（{date_format(day)}）")

    # -- the history

    def write(self) -> None:
        rng = self.rng
        # Draws in a fixed order, whatever the status.
        trips = rng.randint(1, 3) if rng.random() < TRIP_SHARE else 0
        exit_ = rng.random() < EXIT_SHARE
        refusals = rng.randint(1, 2) if rng.random() < REFUSAL_SHARE else 0
        transfer = rng.random() < TRANSFER_SHARE
        reason = rng.choices([r for r, _ in VIOLATION_REASONS], weights=[w for _, w in VIOLATION_REASONS])[0]
        if self.clerk is None:  # no work station to sign the records: the current obligations only
            trips, exit_, refusals, transfer = 0, False, 0, False
        if transfer and self.ctx.neighbours.get(self.e.township_id) and self.age >= 90:
            self._transfer()
        plans = {}
        for kind, intervals in self.ctx.intervals(
            self.e.township_id, self.e.kind, self.e.term_months
        ).items():
            dates = plan_dates(self.start, self.end, intervals)
            lag = timedelta(days=rng.choice([0] * 7 + [rng.randint(3, 40)]))
            index = next((i for i, d in enumerate(dates) if d >= self.today - lag), None)
            if index is not None:
                plans[kind] = (dates, index)
        done_tests = plans.get(ObligationKind.DRUG_TEST, ((), 0))[1]
        violation = self.e.status == S.VIOLATION_REPORTED and self.clerk is not None
        if violation:
            feasible = {"relapse": done_tests >= 1, "tests": done_tests >= 3, "exit_days": self.age >= 36}
            if not feasible[reason]:
                # A few weeks in, with no test done yet: a positive ad-hoc test (临时抽检).
                reason = next((r for r, _ in VIOLATION_REASONS if feasible[r]), "ad_hoc")
            refusals, exit_ = (3 if reason == "tests" else 0), False
        refused = set()
        if refusals and done_tests >= refusals:
            if violation:
                refused = set(range(done_tests - 3, done_tests))
            else:
                refused = set(rng.sample(range(done_tests), refusals))
        trigger = None  # the day the hand-over became due
        for kind, (dates, index) in plans.items():
            for back in range(index):
                due = dates[back]
                due_from = (dates[back - 1] if back else self.start) + timedelta(days=1)
                late = timedelta(days=rng.randint(1, 5)) if rng.random() < LATE_SHARE else timedelta(0)
                day = min(due + late, self.today)
                if self.clerk is None:
                    self.obligation(kind, back + 1, due_from, due, day)
                elif kind == ObligationKind.DRUG_TEST and back in refused:
                    retest = min(day + self.days(1, 5), self.today)
                    pk = self.obligation(kind, back + 1, due_from, due, retest)
                    test = self.test(day, pk, DrugTest.Result.REFUSED)
                    self.test(retest, None)
                    last = violation and back == max(refused)
                    self.breach(
                        Breach.Kind.TEST_REFUSED,
                        day,
                        "经核实，无正当理由拒绝接受检测。",
                        handover=last,
                        drug_test_id=test,
                    )
                    if last:
                        trigger = day
                elif kind == ObligationKind.DRUG_TEST:
                    pk = self.obligation(kind, back + 1, due_from, due, day)
                    positive = violation and reason == "relapse" and back == index - 1
                    self.test(day, pk, DrugTest.Result.POSITIVE if positive else DrugTest.Result.NEGATIVE)
                    if positive:
                        trigger = day
                else:
                    pk = self.obligation(kind, back + 1, due_from, due, day)
                    self.w.add(
                        Talk,
                        episode_id=self.e.pk,
                        person_id=self.e.person_id,
                        obligation_id=pk,
                        held_on=day,
                        staff_id=self.clerk_on(day),
                        place="工作站",
                        summary="了解近况，情绪稳定，按时参加检测。",
                    )
            due = dates[index]
            previous = dates[index - 1] if index else self.start
            self.obligation(kind, index + 1, previous + timedelta(days=1), due, None)
        # Absences: a tail (the current trip, or the long unreported one that was handed over),
        # and the past ones spread evenly before it.
        tail = self.today
        away = self.e.status == S.OUT_OF_COUNTY and self.clerk is not None
        long_exit = violation and reason == "exit_days"
        if away:
            tail = self.today - self.days(1, min(15, self.age - 5))
        elif long_exit:
            back_on = self.today - self.days(0, 3)
            length = rng.randint(31, min(60, (back_on - self.start).days - 2))
            tail = back_on - timedelta(days=length)
        past = ["trip"] * trips + ["exit"] * exit_
        rng.shuffle(past)
        window_from = self.start + timedelta(days=3)
        slot = (tail - window_from).days // max(1, len(past)) - 2
        trip_number = 0
        for j, what in enumerate(past):
            length = rng.randint(3, 14 if what == "trip" else 20)
            if slot < length + 2:
                continue
            leaves = window_from + timedelta(days=j * (slot + 2) + rng.randint(0, slot - length - 1))
            if what == "trip":
                trip_number += 1
                self._trip(trip_number, leaves, leaves + timedelta(days=length))
            else:
                self._exit(leaves, leaves + timedelta(days=length))
        if long_exit:
            self._exit(tail, back_on, handover=True)
            trigger = back_on
        if away:
            returns_by = max(tail + self.days(3, 10), self.today + self.days(-3, 25))
            self._trip(trip_number + 1, tail, returns_by, returned=False)
        if violation and reason == "ad_hoc":
            trigger = self.today - self.days(0, min(10, self.age))
            self.test(trigger, None, DrugTest.Result.POSITIVE, ad_hoc=True)
        if violation:
            self._handover(reason, trigger or self.today)

    def _trip(self, number: int, leaves: date, returns_by: date, returned: bool = True) -> None:
        rng = self.rng
        returned_on = None
        if returned:
            late = rng.randint(1, 3) if rng.random() < 0.1 else 0
            returned_on = min(returns_by + timedelta(days=late), self.today)
        destination = rng.choice(DESTINATIONS)
        reason = rng.choice(TRIP_REASONS)
        self.w.add(
            Absence,
            episode_id=self.e.pk,
            person_id=self.e.person_id,
            destination=destination,
            reason=reason,
            reported_on=max(self.start, leaves - self.days(1, 5)),
            leaves_on=leaves,
            returns_by=returns_by,
            status=Absence.Status.RETURNED if returned else Absence.Status.AWAY,
            returned_on=returned_on,
            recorded_by_id=self.clerk_on(leaves),
        )
        self.obligation(ObligationKind.ABSENCE_BACK, number, leaves, returns_by, returned_on)
        self.event(
            leaves,
            "absence_away",
            f"外出：{date_format(leaves)} 至 {date_format(returns_by)}，前往{destination}（{reason}）",
        )
        if returned_on:
            self.event(returned_on, "absence_returned", f"返回销假（{date_format(returned_on)}）")

    def _exit(self, leaves: date, back_on: date, handover: bool = False) -> None:
        days = (back_on - leaves).days
        absence = self.w.add(
            Absence,
            episode_id=self.e.pk,
            person_id=self.e.person_id,
            destination=self.rng.choice(DESTINATIONS),
            reason="未报告",
            leaves_on=leaves,
            returns_by=back_on,
            returned_on=back_on,
            status=Absence.Status.UNREPORTED,
            recorded_by_id=self.clerk_on(back_on),
        )
        self.event(
            back_on,
            "absence_unreported",
            f"登记未报告外出：{date_format(leaves)} 至 {date_format(back_on)}，共{days}日",
        )
        self.breach(
            Breach.Kind.UNAUTHORISED_EXIT,
            leaves,
            "未经书面报告擅自离开县（市、区）。",
            handover=handover,
            absence_id=absence,
            days=days,
        )

    def _handover(self, reason: str, trigger: date) -> None:
        prepared = min(trigger + self.days(0, 1), self.today)
        relapse = reason in ("relapse", "ad_hoc")
        handover_reason = HandOver.Reason.RELAPSE if relapse else HandOver.Reason.SERIOUS_BREACH
        documents = "检测报告、移交回执" if relapse else "严重违反协议证明、移交回执"
        self.w.add(
            HandOver,
            episode_id=self.e.pk,
            reason=handover_reason,
            prepared_on=prepared,
            documents=documents,
            prepared_by_id=self.clerk,
        )
        self.obligation(ObligationKind.HANDOVER, 1, trigger, trigger, prepared)
        self.event(
            prepared, "handover", f"{HandOver.Reason(handover_reason).label}，移交公安机关（{documents}）"
        )

    def _transfer(self) -> None:
        rng = self.rng
        self.from_township = rng.choice(self.ctx.neighbours[self.e.township_id])
        accepted = self.start + self.days(30, self.age - 45)
        requested = max(self.start, accepted - self.days(0, 5))
        reported = min(accepted + self.days(1, 14), self.today)
        deadline = accepted + timedelta(days=15)
        self.moved_on = accepted
        communities = self.ctx.communities.get(self.from_township) or [self.e.community_id]
        self.w.add(
            Transfer,
            episode_id=self.e.pk,
            person_id=self.e.person_id,
            from_township_id=self.from_township,
            from_community_id=rng.choice(communities),
            to_township_id=self.e.township_id,
            to_community_id=self.e.community_id,
            reason=rng.choice(TRANSFER_REASONS),
            status=Transfer.Status.REPORTED,
            requested_by_id=self.ctx.clerks.get(self.from_township, self.clerk),
            requested_on=requested,
            decided_by_id=self.clerk,
            decided_on=accepted,
            report_deadline=deadline,
            reported_on=reported,
        )
        self.obligation(ObligationKind.TRANSFER_IN, 1, accepted, deadline, reported)
        self.event(reported, "transfer_reported", f"在新执行地报到（{date_format(reported)}）")


def seed_intake_flows(*, person_ids: Collection[int] | None = None) -> int:
    """Start the intake flow of every decided episode that has none (of these persons, if given).

    The first one is started through the flow's API; the others are copies of its rows with the
    episode's values (_FlowTemplate), so the stage costs a few statements, not one start each."""
    from viewflow.workflow.models import Process

    content_type = ContentType.objects.get_for_model(Episode)
    started = Process.objects.filter(
        artifact_content_type=content_type, flow_class=IntakeFlow, artifact_object_id=OuterRef("pk")
    )
    episodes = Episode.objects.filter(~Exists(started), status=Episode.Status.DECIDED)
    if person_ids is not None:
        episodes = episodes.filter(person_id__in=person_ids)
    rows = list(episodes.order_by("pk").values_list("pk", "person_id", "report_deadline"))
    if not rows:
        return 0
    first = Episode.objects.get(pk=rows[0][0])
    template = _FlowTemplate.read(IntakeFlow.start.run(episode=first), first)
    template.insert(
        [
            template.copy(
                episode_id,
                person_id,
                tasks={"report_in__timeout": {"scheduled": _intake_timer_due(report_deadline)}},
            )
            for episode_id, person_id, report_deadline in rows[1:]
        ]
    )
    return len(rows)


def _intake_timer_due(report_deadline: date) -> datetime:
    """The moment report_in's timeout timer is scheduled for, by the flow's own rule."""
    from types import SimpleNamespace

    from workflows.flows import report_deadline_passed

    stand_in = SimpleNamespace(
        process=SimpleNamespace(artifact=SimpleNamespace(report_deadline=report_deadline))
    )
    return report_deadline_passed(stand_in)


@dataclass
class _FlowCopy:
    """Where another episode's rows differ from the template's."""

    process: dict[str, object]
    tasks: list[dict[str, object]]  # one per template task, in its order


@dataclass
class _FlowTemplate:
    """The rows one real start wrote (Process, its Tasks and their Task.previous links), to be
    copied for other episodes: the same flow, nodes, statuses, tokens and permissions, with the
    episode, its person and whatever the caller gives per node substituted. A moment the start
    leaves at "now" is the template's, a few milliseconds before the copies are written."""

    BATCH = 2000  # processes per statement

    process: dict[str, object]
    tasks: list[dict[str, object]]  # in id order
    links: list[tuple[int, int]]  # (task, previous task) as indices into tasks
    episode_id: int
    person_id: int

    @classmethod
    def read(cls, process, episode: Episode) -> "_FlowTemplate":
        from viewflow.workflow.models import Process, Task

        def columns(model) -> list[str]:
            return [f.attname for f in model._meta.concrete_fields if not f.primary_key]

        tasks = list(Task.objects.filter(process_id=process.pk).order_by("pk").values("pk", *columns(Task)))
        index = {task.pop("pk"): i for i, task in enumerate(tasks)}
        links = [
            (index[from_id], index[to_id])
            for from_id, to_id in Task.previous.through.objects.filter(from_task_id__in=index)
            .order_by("pk")
            .values_list("from_task_id", "to_task_id")
        ]
        return cls(
            process=Process.objects.filter(pk=process.pk).values(*columns(Process)).get(),
            tasks=tasks,
            links=links,
            episode_id=episode.pk,
            person_id=episode.person_id,
        )

    def copy(
        self,
        episode_id: int,
        person_id: int,
        process: dict[str, object] | None = None,
        tasks: dict[str, dict[str, object]] | None = None,
    ) -> _FlowCopy:
        """The rows for another episode; `tasks` maps a node's name to the values of its task."""
        tasks = tasks or {}
        person = str(self.person_id)
        changes = []
        for task in self.tasks:
            values = dict(tasks.get(task["flow_task"].name, {}))
            # The steps' permission object is the episode's person (workflows.flows._person).
            if task["owner_permission_obj_pk"] == person:
                values.setdefault("owner_permission_obj_pk", str(person_id))
            changes.append(values)
        return _FlowCopy({"artifact_object_id": episode_id} | (process or {}), changes)

    def insert(self, copies: list[_FlowCopy]) -> None:
        """Write the copies: their processes, tasks and links, by batches of BATCH processes."""
        from viewflow.workflow.models import Process, Task

        previous = Task.previous.through
        width = len(self.tasks)
        for start in range(0, len(copies), self.BATCH):
            batch = copies[start : start + self.BATCH]
            if connection.vendor == "postgresql":
                self._copy_in(batch)
                continue
            processes = Process.objects.bulk_create([Process(**(self.process | c.process)) for c in batch])
            tasks = Task.objects.bulk_create(
                [
                    Task(**(template | values | {"process_id": p.pk}))
                    for c, p in zip(batch, processes, strict=True)
                    for template, values in zip(self.tasks, c.tasks, strict=True)
                ]
            )
            previous.objects.bulk_create(
                [
                    previous(from_task_id=tasks[i + a].pk, to_task_id=tasks[i + b].pk)
                    for i in range(0, len(tasks), width)
                    for a, b in self.links
                ]
            )

    def _copy_in(self, batch: list[_FlowCopy]) -> None:
        """PostgreSQL: ids drawn from the tables' sequences up front, rows sent by ``COPY``, the
        template's values converted for the database once and each copy's own values per row."""
        from viewflow.workflow.models import Process, Task

        previous = Task.previous.through
        ids = {
            model: take_ids(model, count)
            for model, count in (
                (Process, len(batch)),
                (Task, len(batch) * len(self.tasks)),
                (previous, len(batch) * len(self.links)),
            )
        }
        process_rows = []
        task_rows = []
        for c, process_id in zip(batch, ids[Process], strict=True):
            process_rows.append({"id": process_id} | c.process)
            for values in c.tasks:
                task_rows.append({"id": ids[Task][len(task_rows)], "process_id": process_id} | values)
        task_ids = [row["id"] for row in task_rows]
        width = len(self.tasks)
        link_rows = []
        for first in range(0, len(task_ids), width):
            for a, b in self.links:
                link_id = ids[previous][len(link_rows)]
                link_rows.append(
                    {"id": link_id, "from_task_id": task_ids[first + a], "to_task_id": task_ids[first + b]}
                )
        _rows_copy(Process, [self.process] * len(process_rows), process_rows)
        _rows_copy(Task, [self.tasks[n % width] for n in range(len(task_rows))], task_rows)
        _rows_copy(previous, [{}] * len(link_rows), link_rows)


def _rows_copy(model, templates: list[dict[str, object]], rows: list[dict[str, object]]) -> None:
    """``COPY`` rows into the model's table, each the values of its template with its own on top.

    A template's values are converted as the fields save them, once; a row's own only where the
    field needs it (JSON, viewflow's references to flows, nodes and tokens): ids, text and
    moments go to psycopg as they are, which is most of the work saved."""
    fields = model._meta.concrete_fields
    converted = {
        f.attname
        for f in fields
        if f.get_internal_type() == "JSONField" or type(f).__module__.startswith("viewflow.")
    }
    bases: dict[int, list[object]] = {}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for template, row in zip(templates, rows, strict=True):
            base = bases.get(id(template))
            if base is None:
                base = bases[id(template)] = [
                    f.get_db_prep_save(template[f.attname], connection) if f.attname in template else None
                    for f in fields
                ]
            copy.write_row(
                [
                    base[n]
                    if f.attname not in row
                    else f.get_db_prep_save(row[f.attname], connection)
                    if f.attname in converted
                    else row[f.attname]
                    for n, f in enumerate(fields)
                ]
            )


def seed_intake_records(*, person_ids: Collection[int] | None = None) -> int:
    """Give every reported episode (of ``person_ids`` when given) its reporting-in record,
    agreement and plan (as the flow would)."""
    from casework.models import Agreement, Plan, ReportingIn, Staff
    from workflows.branches.intake import AGREEMENT_LIABILITY, AGREEMENT_MEASURES, AGREEMENT_RULES

    clerks = dict(
        Staff.objects.filter(agency__kind="work_station")
        .order_by("agency__region_id", "pk")
        .values_list("agency__region_id", "user_id")
        .reverse()
    )
    episodes = Episode.objects.filter(reported_on__isnull=False).exclude(
        Exists(ReportingIn.objects.filter(episode=OuterRef("pk")))
    )
    if person_ids is not None:
        episodes = episodes.filter(person_id__in=list(person_ids))
    reports, agreements, plans = [], [], []
    for e in episodes.iterator(chunk_size=2000):
        clerk = clerks.get(e.township_id)
        if clerk is None:
            continue
        reports.append(
            ReportingIn(
                episode_id=e.pk,
                reported_on=e.reported_on,
                documents="决定书、身份证复印件、担保书",
                on_time=e.reported_on <= e.report_deadline,
                recorded_by_id=clerk,
            )
        )
        agreements.append(
            Agreement(
                episode_id=e.pk,
                signed_on=e.reported_on,
                measures=AGREEMENT_MEASURES,
                rules=AGREEMENT_RULES,
                liability=AGREEMENT_LIABILITY,
                period_start=e.start_date or e.reported_on,
                period_end=e.expected_end_date or e.reported_on,
                signed_by_id=clerk,
            )
        )
        plans.append(
            Plan(
                episode_id=e.pk,
                written_on=e.reported_on,
                current_situation="按时报到，态度端正，家庭支持。",
                counselling="每月谈心谈话一次。",
                assistance="协助申请就业培训。",
                written_by_id=clerk,
            )
        )
    insert_objects(ReportingIn, reports)
    insert_objects(Agreement, agreements)
    insert_objects(Plan, plans)
    return len(reports)


def seed_handover_flows(*, person_ids: Collection[int] | None = None) -> int:
    """Give every seeded hand-over that waits for the police (of these persons, if given) its
    BreachHandOverFlow, as the app leaves one: started by workflows.branches.breaches.handover_open
    when the hand-over fell due, the work station's package step done by the clerk who prepared
    it, the police station's step open (so the police see it in their tasks and on the 违规与外出
    tab). Backdated to the seeded days. The first is started and stepped through the flow's API;
    the others are copies of its rows (_FlowTemplate).
    Idempotent: episodes that already have the flow are left alone; return the number started."""
    waiting = _handovers_waiting(person_ids)
    if not waiting:
        return 0
    first = waiting[0]
    handover = HandOver.objects.select_related("episode", "prepared_by").get(pk=first.handover_id)
    process = _handover_flow_run(handover, first.drug_test_id, first.breach_id, first.due_from)
    template = _FlowTemplate.read(process, handover.episode)
    copies = []
    for w in waiting[1:]:
        opened, prepared = _at(w.due_from), _at(w.prepared_on)
        data = {"reason": w.reason, "drug_test_id": w.drug_test_id, "breach_id": w.breach_id}
        copies.append(
            template.copy(
                w.episode_id,
                w.person_id,
                process={"created": opened, "data": template.process["data"] | data},
                tasks={
                    "start": {"created": opened, "finished": opened},
                    "prepare": {
                        "owner_id": w.prepared_by_id,
                        "created": opened,
                        "assigned": prepared,
                        "started": prepared,
                        "finished": prepared,
                    },
                    "receive": {"created": prepared},
                },
            )
        )
    template.insert(copies)
    return len(waiting)


@dataclass(frozen=True)
class _WaitingHandOver:
    handover_id: int
    episode_id: int
    person_id: int
    reason: str
    prepared_on: date
    prepared_by_id: int
    drug_test_id: int | None  # the positive test of a relapse
    breach_id: int | None  # the breach answered by the hand-over (a serious breach)
    due_from: date  # the day the hand-over fell due


def _handovers_waiting(person_ids: Collection[int] | None) -> list[_WaitingHandOver]:
    """The latest hand-over of each episode handed over and not yet received, without the flow,
    with what handover_open is given: the positive test (relapse) or the breach answered by the
    hand-over (a serious breach), each the latest of its episode.

    The hand-overs first, then the other records by those episodes' ids, a few hundred at a
    time: the ids of a block's few hand-overs find their rows by index, where the block's
    persons as a subquery made PostgreSQL read every breach answered by a hand-over."""
    from viewflow.workflow.models import Process

    from workflows.flows import BreachHandOverFlow

    started = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Episode),
        flow_class=BreachHandOverFlow,
        artifact_object_id=OuterRef("episode_id"),
    )
    handovers = HandOver.objects.filter(
        ~Exists(started),
        received_on__isnull=True,
        reason__in=(HandOver.Reason.RELAPSE, HandOver.Reason.SERIOUS_BREACH),
        episode__status=Episode.Status.VIOLATION_REPORTED,
    )
    if person_ids is not None:
        handovers = handovers.filter(episode__person_id__in=person_ids)
    latest_handovers: dict[int, tuple] = {}
    for row in handovers.order_by("episode_id", "-prepared_on", "-pk").values_list(
        "episode_id", "pk", "episode__person_id", "reason", "prepared_on", "prepared_by_id"
    ):
        latest_handovers.setdefault(row[0], row)
    relapses = [e for e, row in latest_handovers.items() if row[3] == HandOver.Reason.RELAPSE]
    breaches = [e for e, row in latest_handovers.items() if row[3] != HandOver.Reason.RELAPSE]

    def latest(queryset, episode_ids: list[int], *order: str) -> dict[int, object]:
        first: dict[int, object] = {}
        for start in range(0, len(episode_ids), _IDS_PER_QUERY):
            chunk = episode_ids[start : start + _IDS_PER_QUERY]
            for episode_id, value in queryset.filter(episode_id__in=chunk).order_by("episode_id", *order):
                first.setdefault(episode_id, value)
        return first

    positive = latest(
        DrugTest.objects.filter(result=DrugTest.Result.POSITIVE).values_list("episode_id", "pk"),
        relapses,
        "-tested_on",
        "-pk",
    )
    answered = latest(
        Breach.objects.filter(response=Breach.Response.HANDOVER).values_list("episode_id", "pk"),
        breaches,
        "-occurred_on",
        "-pk",
    )
    fell_due = latest(
        Obligation.objects.filter(kind=ObligationKind.HANDOVER).values_list("episode_id", "due_from"),
        list(latest_handovers),
        "-due_by",
        "-pk",
    )
    return [
        _WaitingHandOver(
            handover_id=pk,
            episode_id=episode_id,
            person_id=person_id,
            reason=reason,
            prepared_on=prepared_on,
            prepared_by_id=prepared_by_id,
            drug_test_id=positive.get(episode_id),
            breach_id=answered.get(episode_id),
            due_from=fell_due.get(episode_id) or prepared_on,
        )
        for episode_id, pk, person_id, reason, prepared_on, prepared_by_id in latest_handovers.values()
    ]


_IDS_PER_QUERY = 500  # well under SQLite's limit of bound parameters


def _handover_flow_run(handover: HandOver, drug_test_id: int | None, breach_id: int | None, due_from: date):
    """Start one hand-over's flow and do its package step through the flow's API, backdated."""
    from viewflow.workflow.models import Process, Task

    from workflows.flows import BreachHandOverFlow

    process = BreachHandOverFlow.start.run(
        episode=handover.episode, reason=handover.reason, drug_test_id=drug_test_id, breach_id=breach_id
    )
    prepare = Task.objects.get(process=process, flow_task=BreachHandOverFlow.prepare)
    with BreachHandOverFlow.lock(process.pk):
        activation = prepare.flow_task.activation_class(prepare)
        activation.assign(handover.prepared_by)
        activation.start(None)
        activation.execute()
    opened, prepared = _at(due_from), _at(handover.prepared_on)
    Process.objects.filter(pk=process.pk).update(created=opened)
    Task.objects.filter(process=process, flow_task_type="START").update(created=opened, finished=opened)
    Task.objects.filter(pk=prepare.pk).update(
        created=opened, assigned=prepared, started=prepared, finished=prepared
    )
    Task.objects.filter(process=process, flow_task=BreachHandOverFlow.receive).update(created=prepared)
    return process
