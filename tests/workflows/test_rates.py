"""The rates: exact values on known data, equal to a plain-Python recount."""

from datetime import date

import pytest
from django.urls import reverse

from casework.models import Agreement, DrugTest, Episode, HandOver, Obligation, Talk
from oversight.rates import community_figures, rates_for, region_persons
from tests import factories as f

pytestmark = pytest.mark.django_db

START, END = date(2025, 1, 1), date(2025, 12, 31)


def add_test(person, day, result, user):
    episode = person.episodes.get()
    return DrugTest.objects.create(
        episode=episode,
        person=person,
        tested_on=day,
        place="站",
        result=result,
        substances="冰毒" if result == "positive" else "",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
        recorded_by=user,
    )


@pytest.fixture
def region(world):
    w = world
    a = f.person_with_episode(w["c1"], served_on=date(2025, 2, 1))  # on time (reported day 5)
    b = f.person_with_episode(w["c1"], served_on=date(2025, 3, 1))
    Episode.objects.filter(person=b).update(reported_on=date(2025, 3, 30))  # late
    c = f.person_with_episode(w["c1b"], served_on=date(2025, 4, 1), status=Episode.Status.MISSING)
    d = f.person_with_episode(w["c1b"], served_on=date(2025, 5, 1), status=Episode.Status.DECIDED)
    other = f.person_with_episode(w["c2"], served_on=date(2025, 2, 1))
    ws = w["work_station1_user"]
    Agreement.objects.create(
        episode=a.episodes.get(),
        signed_on=date(2025, 2, 6),
        measures="m",
        rules="r",
        liability="l",
        period_start=date(2025, 2, 6),
        period_end=date(2028, 2, 5),
        signed_by=ws,
    )
    for person, due, status in (
        (a, date(2025, 3, 6), "done"),
        (a, date(2025, 4, 6), "overdue"),
        (b, date(2025, 5, 1), "done"),
    ):
        Obligation.objects.create(
            episode=person.episodes.get(),
            person=person,
            kind="drug_test",
            sequence=Obligation.objects.filter(person=person).count() + 1,
            programme_year=1,
            due_from=due,
            due_by=due,
            township=w["t1"],
            status=status,
        )
    add_test(a, date(2025, 3, 5), "negative", ws)
    add_test(b, date(2025, 5, 1), "positive", ws)
    Talk.objects.create(
        episode=a.episodes.get(), person=a, held_on=date(2025, 6, 1), staff=ws, summary="谈话"
    )
    HandOver.objects.create(
        episode=b.episodes.get(),
        reason="serious_breach",
        prepared_on=date(2025, 6, 2),
        documents="严重违反协议证明",
        prepared_by=ws,
    )
    return {"a": a, "b": b, "c": c, "d": d, "other": other}


def recount(persons):
    """Plain Python over the same records, following the definitions shown on the page."""
    episodes = [p.episodes.get() for p in persons]
    due = [e for e in episodes if START <= e.report_deadline <= END]
    managed = [e for e in episodes if e.status not in Episode.CLOSED_STATUSES and e.status != "decided"]
    reported = [e for e in episodes if e.reported_on and e.reported_on <= END]
    tests_due = [
        o for p in persons for o in p.obligations.all() if o.kind == "drug_test" and START <= o.due_by <= END
    ]
    obligations = [
        o for p in persons for o in p.obligations.all() if START <= o.due_by <= END and o.status != "excused"
    ]
    done_tests = [t for p in persons for t in p.drug_tests.all() if t.result in ("negative", "positive")]
    return {
        "report": (sum(1 for e in due if e.reported_on and e.reported_on <= e.report_deadline), len(due)),
        "execution": (sum(1 for e in episodes if e.reported_on), len(episodes)),
        "agreement": (sum(1 for e in reported if e.agreements.exists()), len(reported)),
        "testing": (sum(1 for o in tests_due if o.status == "done"), len(tests_due)),
        "positive": (sum(1 for t in done_tests if t.result == "positive"), len(done_tests)),
        "control": (sum(1 for e in managed if e.status != "missing"), len(managed)),
        "lost": (sum(1 for e in managed if e.status == "missing"), len(managed)),
        "breach": (
            sum(1 for e in managed if e.handovers.filter(reason="serious_breach").exists()),
            len(managed),
        ),
        "relapse": (sum(1 for e in managed if e.drug_tests.filter(result="positive").exists()), len(managed)),
        "help": (sum(1 for e in managed if e.talks.exists()), len(managed)),
        "timeliness": (
            sum(1 for e in due if e.reported_on and e.reported_on <= e.report_deadline)
            + sum(1 for o in obligations if o.done_on and o.done_on <= o.due_by),
            len(due) + len(obligations),
        ),
    }


def test_rates_are_exact_and_agree_with_a_recount(world, region):
    sheet = rates_for(world["sup1_user"], world["t1"], START, END)
    got = {r.key: (r.numerator, r.denominator) for r in sheet.rates}
    assert got == {
        "report": (2, 4),  # deadlines of a, b, c, d fall in 2025; a and c reported on time, b late, d not
        "execution": (3, 4),
        "agreement": (1, 3),
        "testing": (2, 3),
        "positive": (1, 2),
        "control": (2, 3),
        "lost": (1, 3),
        "breach": (1, 3),
        "relapse": (1, 3),
        "help": (1, 3),
        # four report deadlines (a, c on time) and three tests due, none with a date done
        "timeliness": (2, 7),
    }
    assert got == recount([region["a"], region["b"], region["c"], region["d"]])
    assert sheet.by_key()["testing"].value == 66.7


def test_township_supervisor_never_counts_another_township(world, region):
    mine = rates_for(world["sup1_user"], world["t1"], START, END).by_key()["execution"].denominator
    county = (
        rates_for(world["county_sup_user"], world["county"], START, END).by_key()["execution"].denominator
    )
    assert (mine, county) == (4, 5)
    # asking for the other township's region gives nothing, not its numbers
    assert rates_for(world["sup1_user"], world["t2"], START, END).by_key()["execution"].denominator == 0


def test_pages_and_export_for_supervisors_only(client, world, region):
    client.force_login(world["police1_user"])
    for name in ("rates", "rates_export"):
        assert client.get(reverse(name)).status_code == 404
    client.force_login(world["sup1_user"])
    query = "?start=2025-01-01&end=2025-12-31"
    page = client.get(reverse("rates") + query)
    assert page.status_code == 200 and "66.7%" in page.content.decode()
    assert client.get(reverse("rates_export") + query).status_code == 200
    bad = client.get(reverse("rates") + "?start=2025-12-31&end=2025-01-01")
    assert "截止日期不能早于起始日期" in bad.content.decode()


@pytest.mark.parametrize("name", ["rates"])
def test_rates_query_counts_are_flat(client, world, region, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["county_sup_user"])
    url = reverse(name) + "?start=2025-01-01&end=2025-12-31"

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = measure()
    for _ in range(12):
        f.person_with_episode(world["c2b"], served_on=date(2025, 7, 1))
    assert measure() == small


def test_nightly_figures_sum_to_the_live_sheet_and_keep_townships_apart(client, world, region):
    """The stored per-community figures give the same rates as the records, for each scope."""
    from casework.models import RegionFigures
    from oversight.rates import figures_refresh, standard_periods

    today = date(2025, 12, 31)
    assert standard_periods(today)[0] == (START, END)
    assert figures_refresh(today) > 0
    assert RegionFigures.objects.filter(start=START, end=END).exists()
    for user, where in (
        (world["sup1_user"], world["t1"]),
        (world["county_sup_user"], world["county"]),
        (world["county_sup_user"], world["t2"]),
    ):
        stored = rates_for(user, where, START, END)
        live = rates_for(user, where, START, END, live=True)
        assert stored.computed_at is not None and live.computed_at is None
        assert [(r.key, r.numerator, r.denominator) for r in stored.rates] == [
            (r.key, r.numerator, r.denominator) for r in live.rates
        ]
        assert stored.three_years_clean == live.three_years_clean
    # A township supervisor asking about the other township gets neither stored nor live rows.
    assert rates_for(world["sup1_user"], world["t2"], START, END).by_key()["execution"].denominator == 0
    # The figures are as of the night: a record added today shows only live, until the next refresh.
    f.person_with_episode(world["c1"], served_on=date(2025, 8, 1))
    stored = rates_for(world["sup1_user"], world["t1"], START, END).by_key()["execution"].denominator
    live = rates_for(world["sup1_user"], world["t1"], START, END, live=True).by_key()["execution"].denominator
    assert live == stored + 1
    figures_refresh(today)
    assert rates_for(world["sup1_user"], world["t1"], START, END).by_key()["execution"].denominator == live
    client.force_login(world["sup1_user"])
    page = client.get(reverse("rates") + "?start=2025-01-01&end=2025-12-31").content.decode()
    assert "数据截至" in page and "live=1" in page
    assert (
        "数据截至"
        not in client.get(reverse("rates") + "?start=2025-01-01&end=2025-12-31&live=1").content.decode()
    )


def test_refresh_replaces_rows_and_drops_old_periods(world, region):
    from casework.models import RegionFigures
    from oversight.rates import figures_refresh

    figures_refresh(date(2025, 12, 31))
    first = RegionFigures.objects.count()
    figures_refresh(date(2025, 12, 31))
    assert RegionFigures.objects.count() == first  # idempotent
    figures_refresh(date(2026, 1, 5))
    assert not RegionFigures.objects.filter(start=START, end=END).exists()  # last year's YTD is gone


def test_monthly_series_reads_the_stored_months_in_one_query(world, region, django_assert_num_queries):
    """The charts' twelve months come from the nightly figures in one query and equal the live sheets."""
    from oversight.rates import figures_refresh, monthly_series

    today = date(2025, 12, 31)
    figures_refresh(today)
    with django_assert_num_queries(2):  # the supervisor's post (cached after) + the figures
        sheets = monthly_series(world["county_sup_user"], world["county"], 12, today)
    assert [(s.start, s.end) for s in sheets][0] == (date(2025, 1, 1), date(2025, 1, 31))
    assert [(s.start, s.end) for s in sheets][-1] == (date(2025, 12, 1), date(2025, 12, 31))
    for sheet in sheets:
        live = rates_for(world["county_sup_user"], world["county"], sheet.start, sheet.end, live=True)
        assert [(r.numerator, r.denominator) for r in sheet.rates] == [
            (r.numerator, r.denominator) for r in live.rates
        ]
    may = next(s for s in sheets if s.start == date(2025, 5, 1)).by_key()
    assert (may["positive"].numerator, may["testing"].numerator, may["testing"].denominator) == (1, 1, 1)


def test_a_person_with_two_episodes_in_the_year_is_counted_once(client, world):
    """rules.md §5: 执行率, 管控率, 失控率 and 复吸率 count people, 协议签订率 counts cases. A person
    whose 社区戒毒 ended in March and whose 社区康复 began in June is one person ordered, executed,
    under management and relapsed in 2025, with two reported cases and one signed agreement."""
    from casework.models import RegionFigures
    from oversight.rates import figures_refresh

    ws = world["work_station1_user"]
    two = f.person_with_episode(world["c1"], served_on=date(2024, 1, 1))
    detox = two.episodes.get()
    Episode.objects.filter(pk=detox.pk).update(
        status=Episode.Status.COMPULSORY, closed_on=date(2025, 3, 1), closed_reason="compulsory"
    )
    rehab = Episode.objects.create(
        person=two,
        kind=Episode.Kind.REHAB,
        decision_number="康复决字1号",
        decision_date=date(2025, 6, 1),
        issuing_authority="县公安局",
        served_on=date(2025, 6, 1),
        term_months=24,
        township=world["t1"],
        community=world["c1"],
        report_deadline=date(2025, 6, 16),
        reported_on=date(2025, 6, 5),
        start_date=date(2025, 6, 5),
        expected_end_date=date(2027, 6, 4),
        status=Episode.Status.ACTIVE,
    )
    Agreement.objects.create(
        episode=detox,
        signed_on=date(2024, 1, 7),
        measures="m",
        rules="r",
        liability="l",
        period_start=date(2024, 1, 7),
        period_end=date(2027, 1, 6),
        signed_by=ws,
    )
    for episode, day in ((detox, date(2025, 2, 1)), (rehab, date(2025, 8, 1))):
        DrugTest.objects.create(
            episode=episode,
            person=two,
            tested_on=day,
            place="站",
            result="positive",
            substances="冰毒",
            collector_1="甲",
            collector_1_sex="M",
            collector_2="乙",
            collector_2_sex="M",
            recorded_by=ws,
        )
    f.person_with_episode(world["c1b"], served_on=date(2025, 4, 1), status=Episode.Status.MISSING)

    sheet = rates_for(world["sup1_user"], world["t1"], START, END, live=True)
    got = {r.key: (r.numerator, r.denominator) for r in sheet.rates}
    assert {k: got[k] for k in ("execution", "control", "lost", "relapse", "agreement", "report")} == {
        "execution": (2, 2),  # the two-episode person once, not 2 / 2 for one person
        "control": (1, 2),
        "lost": (1, 2),
        "relapse": (1, 2),  # two positive tests, one person
        "agreement": (1, 3),  # cases: the detox (signed), the rehab and the missing person's
        "report": (2, 2),  # one deadline each in 2025 (the rehab's, the missing person's), both met
    }
    per = community_figures(region_persons(world["sup1_user"], world["t1"]), START, END)
    assert (per[world["c1"].pk]["new"], per[world["c1"].pk]["managed"]) == (1, 1)
    # The nightly figures give the same, and the page writes each unit beside its rate.
    figures_refresh(END)
    assert RegionFigures.objects.filter(region=world["t1"], start=START, end=END).exists()
    stored = rates_for(world["sup1_user"], world["t1"], START, END)
    assert [(r.key, r.numerator, r.denominator) for r in stored.rates] == [
        (r.key, r.numerator, r.denominator) for r in sheet.rates
    ]
    client.force_login(world["sup1_user"])
    page = client.get(reverse("rates") + "?start=2025-01-01&end=2025-12-31").content.decode()
    for key in ("execution", "control", "lost", "relapse", "agreement"):
        assert str(sheet.by_key()[key].definition) in page
    assert "按人计" in str(sheet.by_key()["execution"].definition)
    assert "按案件计" in str(sheet.by_key()["agreement"].definition)
