"""From each figure of the rates page to its persons: the list holds exactly the persons the
figure counts, recounted here in plain Python from the rows, and its `counted` column adds up
to the figure on the page (rules.md §5, working definitions)."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import Agreement, DrugTest, Episode, HandOver, Obligation, ObligationKind, Talk
from oversight.drilldown import UNITS, figure_persons
from oversight.rates import rates_for
from tests import factories as f

START, END = date(2025, 3, 1), date(2025, 3, 31)
CLOSED = set(Episode.CLOSED_STATUSES)


def _test(person, on, result, user):
    return DrugTest.objects.create(
        episode=person.episodes.get(),
        person=person,
        tested_on=on,
        place="工作站",
        result=result,
        substances="甲基苯丙胺" if result == DrugTest.Result.POSITIVE else "",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
        recorded_by=user,
    )


def _due_test(person, sequence, due_by, status):
    episode = person.episodes.get()
    return Obligation.objects.create(
        episode=episode,
        person=person,
        kind=ObligationKind.DRUG_TEST,
        sequence=sequence,
        programme_year=1,
        due_from=due_by - timedelta(days=20),
        due_by=due_by,
        township=episode.township,
        status=status,
    )


def _scene(world):
    """Persons in township 1 (the supervisor's) and one in township 2 (outside the view)."""
    user = world["sw1_user"]
    S = Episode.Status
    on = f.person_with_episode
    a = on(world["c1"], served_on=date(2025, 1, 10))  # active all March
    b = on(world["c1b"], served_on=date(2025, 2, 20))  # deadline in March, reported on time
    c = on(world["c1"], status=S.DECIDED, served_on=date(2025, 3, 2))  # deadline in March, not reported
    d = on(world["c1"], status=S.MISSING, served_on=date(2024, 6, 1))  # missing
    e = on(world["c1b"], served_on=date(2024, 6, 1))
    done = on(world["c1"], status=S.COMPLETED, served_on=date(2021, 1, 1))
    Episode.objects.filter(person=done).update(closed_on=date(2025, 2, 1))
    late = on(world["c1"], served_on=date(2025, 2, 25))
    Episode.objects.filter(person=late).update(reported_on=date(2025, 3, 30))  # deadline ~3-12, late
    outside = on(world["c2"], served_on=date(2025, 1, 10))
    for p in (a, e, outside):
        Agreement.objects.create(
            episode=p.episodes.get(),
            signed_on=date(2025, 1, 20),
            measures="m",
            rules="r",
            liability="l",
            period_start=date(2025, 1, 20),
            period_end=date(2028, 1, 19),
            signed_by=user,
        )
    _due_test(a, 1, date(2025, 3, 10), Obligation.Status.DONE)
    _due_test(a, 2, date(2025, 3, 25), Obligation.Status.OVERDUE)
    _due_test(e, 1, date(2025, 3, 5), Obligation.Status.DONE)
    _due_test(e, 2, date(2025, 3, 28), Obligation.Status.EXCUSED)
    _due_test(d, 1, date(2025, 3, 5), Obligation.Status.MISSED)
    _due_test(outside, 1, date(2025, 3, 5), Obligation.Status.DONE)
    _test(a, date(2025, 3, 10), DrugTest.Result.NEGATIVE, user)
    _test(e, date(2025, 3, 5), DrugTest.Result.POSITIVE, user)
    _test(e, date(2025, 3, 20), DrugTest.Result.POSITIVE, user)
    _test(d, date(2025, 3, 6), DrugTest.Result.REFUSED, user)
    _test(outside, date(2025, 3, 6), DrugTest.Result.POSITIVE, user)
    for p, held in ((a, date(2025, 3, 3)), (a, date(2025, 3, 13)), (e, date(2025, 2, 27)), (outside, START)):
        Talk.objects.create(episode=p.episodes.get(), person=p, held_on=held, staff=user, summary="谈话")
    HandOver.objects.create(
        episode=e.episodes.get(),
        reason=HandOver.Reason.SERIOUS_BREACH,
        prepared_on=date(2025, 3, 21),
        documents="证明",
        prepared_by=user,
    )
    return [a, b, c, d, e, done, late]


def recount(persons) -> dict[str, Counter]:
    """Every figure's units per person id, from the rows in plain Python."""
    ids = {p.pk for p in persons}
    episodes = [e for e in Episode.objects.all() if e.person_id in ids]
    out = {figure: Counter() for figure in UNITS}

    def closed_before(e):
        return e.closed_on is not None and e.closed_on < START

    due = [e for e in episodes if START <= e.report_deadline <= END]
    late = {e.person_id for e in due if e.reported_on is None or e.reported_on > e.report_deadline}
    for pid in {e.person_id for e in due}:
        out["report_due"][pid] = 1
        if pid not in late:
            out["report_on_time"][pid] = 1
    ordered = [e for e in episodes if e.decision_date <= END and not closed_before(e)]
    for e in ordered:
        out["ordered"][e.person_id] = 1
        if e.reported_on is not None:
            out["executed"][e.person_id] = 1
    signed = set(Agreement.objects.values_list("episode_id", flat=True))
    for e in episodes:
        if e.reported_on is not None and e.reported_on <= END and not closed_before(e):
            out["reported"][e.person_id] += 1
            if e.pk in signed:
                out["signed"][e.person_id] += 1
    for o in Obligation.objects.filter(kind=ObligationKind.DRUG_TEST):
        if o.person_id in ids and START <= o.due_by <= END and o.status != Obligation.Status.EXCUSED:
            out["tests_due"][o.person_id] += 1
            if o.status == Obligation.Status.DONE:
                out["tests_done"][o.person_id] += 1
    for t in DrugTest.objects.all():
        if t.person_id in ids and START <= t.tested_on <= END and t.result in ("negative", "positive"):
            out["tested"][t.person_id] += 1
            if t.result == "positive":
                out["positive"][t.person_id] += 1
    managed = [
        e
        for e in episodes
        if e.decision_date <= END
        and not (e.status in CLOSED and e.closed_on is not None and e.closed_on <= END)
        and e.status != Episode.Status.DECIDED
    ]
    missing = {e.person_id for e in managed if e.status == Episode.Status.MISSING}
    positive = {
        t.person_id for t in DrugTest.objects.filter(result="positive", tested_on__range=(START, END))
    }
    talked = {t.person_id for t in Talk.objects.filter(held_on__range=(START, END))}
    breach = {
        h.episode.person_id
        for h in HandOver.objects.select_related("episode")
        if h.reason == HandOver.Reason.SERIOUS_BREACH and START <= h.prepared_on <= END
    }
    for pid in {e.person_id for e in managed}:
        out["managed"][pid] = 1
        for figure, holds in (
            ("missing", pid in missing),
            ("controlled", pid not in missing),
            ("breach", pid in breach),
            ("relapse", pid in positive),
            ("helped", pid in talked),
        ):
            if holds:
                out[figure][pid] = 1
    return out


@pytest.mark.django_db
def test_every_figures_list_is_exactly_the_persons_it_counts(world):
    persons = _scene(world)
    user, region = world["sup1_user"], world["t1"]
    expected = recount(persons)
    sheet = rates_for(user, region, START, END, live=True)
    for figure in UNITS:
        listed = {p.pk: p.counted for p in figure_persons(user, region, figure, START, END)}
        if figure != "three_years_clean":
            assert listed == dict(expected[figure]), figure
        assert sum(listed.values()) == sheet.figures[figure], figure
    # The scene exercises every branch: none of these lists is empty.
    for figure in ("report_on_time", "tests_done", "positive", "missing", "breach", "relapse", "helped"):
        assert expected[figure], figure


@pytest.mark.django_db
def test_the_rates_page_links_numerator_and_denominator_to_their_lists(client, world):
    _scene(world)
    client.force_login(world["sup1_user"])
    query = "start=2025-03-01&end=2025-03-31"
    body = client.get(f"{reverse('rates')}?{query}").content.decode()
    assert f'href="/oversight/rates/persons/?{query.replace("&", "&amp;")}&amp;figure=tests_done"' in body
    assert "figure=tests_due" in body and "figure=three_years_clean" in body
    page = client.get(
        reverse("rates_persons"), {"start": "2025-03-01", "end": "2025-03-31", "figure": "tests_done"}
    )
    assert page.status_code == 200
    assert page.context["total"] == 2 and page.context["page"].paginator.count == 2
    assert client.get(reverse("rates_persons"), {"figure": "drop"}).status_code == 404


@pytest.mark.django_db
def test_a_list_reaches_only_persons_in_the_supervisors_region(client, world):
    """Township 1's supervisor sees township 1's positive tests, not township 2's; asking for the
    county (above their region) is refused by the period form and falls back to their own."""
    persons = _scene(world)
    client.force_login(world["sup1_user"])
    period = {"start": "2025-03-01", "end": "2025-03-31", "figure": "positive"}
    page = client.get(reverse("rates_persons"), period)
    assert [p.pk for p in page.context["page"].object_list] == [persons[4].pk]
    above = client.get(reverse("rates_persons"), {**period, "region": world["county"].pk})
    assert above.context["region"] == world["t1"] and not above.context["form"].is_valid()
    client.force_login(world["work_station1_user"])
    assert client.get(reverse("rates_persons"), period).status_code == 404


def _count(client, params):
    client.get(reverse("rates_persons"), params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("rates_persons"), params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("figure", ["tests_due", "managed", "report_on_time"])
def test_drilldown_query_count_is_flat(client, world, figure):
    client.force_login(world["county_sup_user"])
    params = {"start": "2025-01-01", "end": "2025-03-31", "figure": figure}
    _scene(world)
    small = _count(client, params)
    for _i in range(4):
        _scene(world)
    # session, user, staff post, count, sum of counted, page
    assert _count(client, params) == small == 6
