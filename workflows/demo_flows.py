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
    cache: dict[tuple[int, str], dict] = {}
    rows: list[Obligation] = []
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
    obligations_scan(today)
    return len(rows)


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
