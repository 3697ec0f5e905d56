"""A small data set over two counties for the nightly jobs, built from the factories, with every
kind of record the figures count: late and missing reports, agreements, duties done, excused,
missed and open, drug tests, talks, serious breaches, and completed orders past three years."""

import random
from datetime import date, timedelta

from casework.models import (
    Agency,
    Agreement,
    DrugTest,
    Episode,
    HandOver,
    Obligation,
    RegionFigures,
    Staff,
    StaffFigures,
    Talk,
)
from tests import factories as f

COUNTIES = ("320999", "320001")


def two_counties(today: date, persons: int = 14) -> list[dict]:
    rng = random.Random(11)
    return [county(code, today, persons, rng) for code in COUNTIES]


def county(code: str, today: date, persons: int, rng: random.Random) -> dict:
    tree = f.region_tree(code, townships=2, communities=2)
    station = f.agency(Agency.Kind.WORK_STATION, tree["townships"][0])
    workers = [f.staff_user(station, role=Staff.Role.SOCIAL_WORKER) for _ in range(2)]
    communities = [c for township in tree["townships"] for c in tree["communities"][township.pk]]
    statuses = [Episode.Status.ACTIVE] * 6 + [Episode.Status.MISSING, Episode.Status.DECIDED]
    for i in range(persons):
        community = communities[i % len(communities)]
        if i % 7 == 6:
            # Completed long ago: 戒断三年未复吸 by now, or not yet in the older months.
            served = today - timedelta(days=rng.randint(3 * 365 + 20, 3 * 365 + 330))
            person = f.person_with_episode(community, served_on=served, status=Episode.Status.COMPLETED)
            Episode.objects.filter(person=person).update(closed_on=served + timedelta(days=3 * 365 - 30))
            continue
        served = today - timedelta(days=rng.randint(20, 500))
        person = f.person_with_episode(community, served_on=served, status=rng.choice(statuses))
        episode = person.episodes.get()
        if episode.reported_on and rng.random() < 0.3:
            Episode.objects.filter(pk=episode.pk).update(
                reported_on=episode.report_deadline + timedelta(days=3)
            )
        f.add_member(person, workers[i % 2], "community", start=served)
        if episode.reported_on is None:
            continue
        if rng.random() < 0.7:
            Agreement.objects.create(
                episode=episode,
                signed_on=episode.reported_on,
                measures="m",
                rules="r",
                liability="l",
                period_start=episode.reported_on,
                period_end=episode.reported_on + timedelta(days=1000),
                signed_by=workers[0],
            )
        # Each kind's earlier duties are history; its last one is open (one open per kind).
        for n in range(1, 7):
            due = episode.reported_on + timedelta(days=rng.randint(20, 40) * n)
            status = rng.choice(["done", "done", "excused", "missed"]) if n <= 3 else "pending"
            done_on = due + timedelta(days=rng.randint(-5, 5)) if status == "done" else None
            Obligation.objects.create(
                episode=episode,
                person=person,
                kind=("drug_test", "talk", "home_visit")[(n - 1) % 3],
                sequence=n,
                programme_year=1,
                due_from=due - timedelta(days=10),
                due_by=due,
                done_on=done_on,
                township=episode.township,
                status=status,
            )
        for _ in range(rng.randint(0, 3)):
            result = rng.choice(["negative", "negative", "positive"])
            DrugTest.objects.create(
                episode=episode,
                person=person,
                tested_on=today - timedelta(days=rng.randint(0, 300)),
                place="站",
                result=result,
                substances="冰毒" if result == "positive" else "",
                collector_1="甲",
                collector_1_sex="M",
                collector_2="乙",
                collector_2_sex="M",
                recorded_by=workers[0],
            )
        if rng.random() < 0.6:
            Talk.objects.create(
                episode=episode,
                person=person,
                held_on=today - timedelta(days=rng.randint(0, 300)),
                staff=workers[1],
                summary="谈话",
            )
        if rng.random() < 0.2:
            HandOver.objects.create(
                episode=episode,
                reason="serious_breach",
                prepared_on=today - timedelta(days=rng.randint(0, 300)),
                documents="严重违反协议证明",
                prepared_by=workers[0],
            )
    return tree


def region_rows() -> dict:
    """The stored region figures, {(region, start, end): figures}."""
    return {(r.region_id, r.start, r.end): r.data for r in RegionFigures.objects.all()}


def staff_rows() -> dict:
    """The stored workers' figures, {(community, user): (open, overdue, sorted days late)}."""
    return {
        (s.community_id, s.user_id): (s.open, s.overdue, sorted(s.days_late))
        for s in StaffFigures.objects.all()
    }
