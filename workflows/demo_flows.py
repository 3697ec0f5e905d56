"""Demo data for the workflow layer: the current obligations of running episodes and the
intake flows of decisions not yet reported. Idempotent: episodes that already have
obligations or a flow are left alone. Bulk writes, so it scales with seed_demo."""

import random
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef

from casework.models import Episode, Obligation, Region
from workflows.flows import IntakeFlow
from workflows.obligations import obligations_scan
from workflows.schedule import intervals_for, plan_dates, programme_year, term_bounds

RUNNING = [
    Episode.Status.ACTIVE,
    Episode.Status.OUT_OF_COUNTY,
    Episode.Status.VIOLATION_REPORTED,
    Episode.Status.MISSING,
    Episode.Status.TRANSFER_PENDING,
]


def seed_obligations(today: date, seed: int = 1) -> int:
    """Open the current obligation of each kind for running episodes; about 1 in 8 falls overdue."""
    rng = random.Random(seed)
    episodes = (
        Episode.objects.filter(status__in=RUNNING, start_date__isnull=False)
        .exclude(Exists(Obligation.objects.filter(episode=OuterRef("pk"))))
        .order_by("pk")
    )
    townships = {r.pk: r for r in Region.objects.filter(level=Region.Level.TOWNSHIP)}
    clerks = _clerks()
    cache: dict[tuple[int, str], dict] = {}
    rows: list[Obligation] = []
    history: list[tuple[Obligation, str]] = []  # done obligations, with the record kind to attach
    for episode in episodes.iterator(chunk_size=2000):
        key = (episode.township_id, episode.kind)
        if key not in cache:
            cache[key] = intervals_for(townships[episode.township_id], episode.kind)
        start, end = term_bounds(episode)
        for kind, intervals in cache[key].items():
            dates = plan_dates(start, end, intervals)
            lag = timedelta(days=rng.choice([0] * 7 + [rng.randint(3, 40)]))
            index = next((i for i, d in enumerate(dates) if d >= today - lag), None)
            if index is None:
                continue
            due = dates[index]
            previous = dates[index - 1] if index else start
            # The two duties before the current one were done on their due dates.
            for back in range(max(0, index - 2), index):
                done = Obligation(
                    episode_id=episode.pk,
                    person_id=episode.person_id,
                    kind=kind,
                    sequence=back + 1,
                    programme_year=programme_year(start, dates[back]),
                    due_from=(dates[back - 1] if back else start) + timedelta(days=1),
                    due_by=dates[back],
                    township_id=episode.township_id,
                    status=Obligation.Status.DONE,
                    done_on=dates[back],
                )
                history.append((done, clerks.get(episode.township_id)))
            rows.append(
                Obligation(
                    episode_id=episode.pk,
                    person_id=episode.person_id,
                    kind=kind,
                    sequence=index + 1,
                    programme_year=programme_year(start, due),
                    due_from=min(previous + timedelta(days=1), due),
                    due_by=due,
                    township_id=episode.township_id,
                )
            )
    Obligation.objects.bulk_create(rows, batch_size=5000)
    _seed_history(history, rng)
    obligations_scan(today)
    return len(rows)


def _clerks() -> dict[int, int]:
    """{township id: a work-station user}, to sign the demo records."""
    from casework.models import Staff

    return dict(
        Staff.objects.filter(agency__kind="work_station", role="member")
        .order_by("-agency__region_id", "-pk")
        .values_list("agency__region_id", "user_id")
    )


def _seed_history(history, rng: random.Random) -> None:
    """Save done obligations with the drug test or talk that fulfilled each (about 2% positive)."""
    from casework.models import DrugTest, Talk

    done = Obligation.objects.bulk_create([o for o, _clerk in history if _clerk], batch_size=5000)
    clerks = [c for _o, c in history if c]
    tests, talks = [], []
    for obligation, clerk in zip(done, clerks, strict=True):
        if obligation.kind == "drug_test":
            positive = rng.random() < 0.02
            tests.append(
                DrugTest(
                    episode_id=obligation.episode_id,
                    person_id=obligation.person_id,
                    obligation_id=obligation.pk,
                    tested_on=obligation.due_by,
                    place="社区戒毒社区康复工作站",
                    result="positive" if positive else "negative",
                    substances="甲基苯丙胺" if positive else "",
                    collector_1="工作人员甲",
                    collector_1_sex="F",
                    collector_2="工作人员乙",
                    collector_2_sex="F",
                    recorded_by_id=clerk,
                )
            )
        else:
            talks.append(
                Talk(
                    episode_id=obligation.episode_id,
                    person_id=obligation.person_id,
                    obligation_id=obligation.pk,
                    held_on=obligation.due_by,
                    staff_id=clerk,
                    place="工作站",
                    summary="了解近况，情绪稳定，按时参加检测。",
                )
            )
    DrugTest.objects.bulk_create(tests, batch_size=5000)
    Talk.objects.bulk_create(talks, batch_size=5000)


def seed_intake_flows() -> int:
    """Start the intake flow of every decided episode that has none."""
    content_type = ContentType.objects.get_for_model(Episode)
    from viewflow.workflow.models import Process

    started = Process.objects.filter(artifact_content_type=content_type, flow_class=IntakeFlow).values(
        "artifact_object_id"
    )
    count = 0
    for episode in (
        Episode.objects.filter(status=Episode.Status.DECIDED).exclude(pk__in=started).order_by("pk")
    ):
        IntakeFlow.start.run(episode=episode)
        count += 1
    return count


def seed_intake_records() -> int:
    """Give every reported episode its reporting-in record, agreement and plan (as the flow would)."""
    from casework.models import Agreement, Plan, ReportingIn, Staff

    from .forms import AGREEMENT_LIABILITY, AGREEMENT_MEASURES, AGREEMENT_RULES

    clerks = dict(
        Staff.objects.filter(agency__kind="work_station")
        .order_by("agency__region_id", "pk")
        .values_list("agency__region_id", "user_id")
        .reverse()
    )
    episodes = Episode.objects.filter(reported_on__isnull=False).exclude(
        Exists(ReportingIn.objects.filter(episode=OuterRef("pk")))
    )
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
    ReportingIn.objects.bulk_create(reports, batch_size=5000)
    Agreement.objects.bulk_create(agreements, batch_size=5000)
    Plan.objects.bulk_create(plans, batch_size=5000)
    return len(reports)
