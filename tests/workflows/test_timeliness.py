"""Lateness stays on record: done on time, done late and still open for a period, in the overdue
audit, the monthly report and the rates (及时率), with the days late of each item."""

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from casework.deadlines import add_months
from casework.models import Obligation
from oversight.monthly import report_context
from oversight.rates import figures_refresh, rates_for
from tests import factories as f
from tests.steps import completion_notice, completion_prepare
from workflows.branches.completion import completions_open

pytestmark = pytest.mark.django_db

END = date(2025, 3, 10)  # the last day of the term
MARCH, MARCH_END = date(2025, 3, 1), date(2025, 3, 31)
TODAY = date(2025, 4, 15)


def ending_on(world, end, community=None):
    """An ACTIVE 社区戒毒 episode whose last day is `end`, with its completion flow opened."""
    start = add_months(end + timedelta(days=1), -36)
    person = f.person_with_episode(community or world["c1"], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    assert episode.expected_end_date == end
    assert completions_open(end - timedelta(days=30)) == 1
    return person, episode


@pytest.fixture
def late_notice(world):
    """The file is sent on 1 March (due 10 March: on time); the township is notified of the release
    on 21 March, 11 days after the end (due within 7 days, by 17 March: 4 days late)."""
    person, episode = ending_on(world, END)
    completion_prepare(world["work_station1_user"], episode, date(2025, 3, 1))
    notified = END + timedelta(days=11)
    completion_notice(
        world["police1_user"],
        episode,
        number="县公安局解字(2025)3号",
        issued_on=notified,
        served_person_on=notified,
        township_notified_on=notified,
    )
    return person, episode


def test_a_release_notice_recorded_11_days_late_counts_as_done_late(client, world, late_notice):
    """戒毒条例 arts 23, 40 (rules.md §1.12, §4.4 item 6): the township is notified within 7 days of
    expiry. A notice recorded 11 days after the end keeps its due date and its date done, and counts
    as done late (4 days) in March's overdue audit, monthly report and 及时率."""
    person, episode = late_notice
    release = Obligation.objects.get(episode=episode, kind="release")
    assert (release.status, release.due_by, release.done_on) == ("done", date(2025, 3, 17), date(2025, 3, 21))

    # The rates: 2 fell due in March (the file, the notice), 1 on time.
    sheet = rates_for(world["sup1_user"], world["t1"], MARCH, MARCH_END, live=True)
    assert sheet.timeliness == {"due": 2, "on_time": 1, "late": 1, "open": 0}
    timeliness = sheet.by_key()["timeliness"]
    assert (timeliness.numerator, timeliness.denominator, timeliness.value) == (1, 2, 50.0)
    # The nightly figures say the same.
    figures_refresh(TODAY)
    stored = rates_for(world["sup1_user"], world["t1"], MARCH, MARCH_END)
    assert stored.computed_at is not None and stored.timeliness == sheet.timeliness

    # The overdue audit: nothing is overdue any more, but March's late item stays, with its days.
    client.force_login(world["sup1_user"])
    url = reverse("overdue_audit") + "?t-start=2025-03-01&t-end=2025-03-31&t-bucket=late"
    response = client.get(url)
    audit = response.context["timeliness"]
    assert audit["totals"] == {"due": 2, "on_time": 1, "late": 1, "open": 0} and audit["rate"] == 50.0
    assert [(i["kind"], i["person_id"], i["due"], i["done"], i["days_late"]) for i in audit["items"]] == [
        ("release", person.pk, date(2025, 3, 17), date(2025, 3, 21), 4)
    ]
    page = response.content.decode()
    assert reverse("person_detail", args=[person.pk]) in page and "逾期完成明细（1 项）" in page
    on_time = client.get(reverse("overdue_audit") + "?t-start=2025-03-01&t-end=2025-03-31&t-bucket=on_time")
    assert [(i["kind"], i["days_late"]) for i in on_time.context["timeliness"]["items"]] == [
        ("closing_file", 0)
    ]
    # Another township's supervisor sees neither the count nor the person.
    client.force_login(world["sup2_user"])
    other = client.get(url).context["timeliness"]
    assert other["totals"]["due"] == 0 and other["items"] == []

    # The monthly report for March.
    ctx = report_context(world["sup1_user"], world["t1"], MARCH, today=TODAY)
    assert [(key, n) for key, _label, n in ctx["timeliness"]] == [("on_time", 1), ("late", 1), ("open", 0)]
    assert ctx["timeliness_due"] == 2
    assert [(r["kind"], r["person_id"], r["days_late"]) for r in ctx["late_listed"]] == [
        ("release", person.pk, 4)
    ]
    assert {r.key: (r.numerator, r.denominator) for r, _ in ctx["rates"]}["timeliness"] == (1, 2)
    html = render_to_string("oversight/monthly_report_pdf.html", ctx)
    assert "逾期完成的事项" in html and person.name in html and "2025年3月21日" in html
    assert "及时率" in html


def test_still_open_items_count_until_done_and_excused_ones_never(world):
    """rules.md §5 (及时率): what fell due and is not done is still open, its days late counted to
    today; an excused obligation is not counted; a reporting-in deadline is a deadline too
    (戒毒条例 arts 14, 38)."""
    from casework.models import Episode
    from oversight.audit import timeliness_items, timeliness_totals
    from oversight.rates import region_persons

    person = f.person_with_episode(world["c1"], status=Episode.Status.DECIDED, served_on=date(2025, 3, 1))
    active = f.person_with_episode(world["c1b"], served_on=date(2024, 1, 1))
    episode = active.episodes.get()
    for sequence, (due, status, done) in enumerate(
        (
            (date(2025, 3, 5), "overdue", None),
            (date(2025, 3, 6), "excused", None),
            (date(2025, 3, 7), "missed", None),
            (date(2025, 4, 2), "done", date(2025, 4, 1)),  # due in April: not March's
        ),
        start=1,
    ):
        Obligation.objects.create(
            episode=episode,
            person=active,
            kind="drug_test",
            sequence=sequence,
            programme_year=2,
            due_from=due,
            due_by=due,
            township=world["t1"],
            status=status,
            done_on=done,
        )
    persons = region_persons(world["sup1_user"], world["t1"])
    assert timeliness_totals(persons, MARCH, MARCH_END, TODAY) == {
        "due": 3,
        "on_time": 0,
        "late": 0,
        "open": 3,
    }
    items = timeliness_items(persons, MARCH, MARCH_END, TODAY, "open")
    assert [(i["kind"], i["person_id"], i["days_late"]) for i in items] == [
        ("drug_test", active.pk, 41),  # due 5 March, open on 15 April
        ("drug_test", active.pk, 39),  # missed: ended undone
        ("report_in", person.pk, 30),  # report deadline 16 March, never reported
    ]
    # Nothing due after the day asked about has fallen due yet.
    assert timeliness_totals(persons, MARCH, MARCH_END, date(2025, 3, 6))["due"] == 1


def test_audit_page_with_a_drill_down_costs_the_same_for_one_late_item_or_six(
    client, world, late_notice, django_assert_num_queries
):
    """The timeliness section and its drill-down are grouped queries: flat in the number of items."""
    client.force_login(world["county_sup_user"])
    url = reverse("overdue_audit") + "?t-start=2025-03-01&t-end=2025-03-31&t-bucket=late"
    client.get(url)
    with django_assert_num_queries(QUERIES):
        assert len(client.get(url).context["timeliness"]["items"]) == 1
    for community in (world["c1"], world["c1b"], world["c2"], world["c2b"], world["c2"]):
        other = f.person_with_episode(community, served_on=date(2024, 1, 1))
        Obligation.objects.create(
            episode=other.episodes.get(),
            person=other,
            kind="talk",
            sequence=1,
            programme_year=2,
            due_from=date(2025, 3, 3),
            due_by=date(2025, 3, 3),
            township=other.episodes.get().township,
            status="done",
            done_on=date(2025, 3, 9),
        )
    with django_assert_num_queries(QUERIES):
        assert len(client.get(url).context["timeliness"]["items"]) == 6


# session, user, staff post; the overdue list's count; the drill-down (child regions + 3); staff
# figures (3); the held completions (1 for the townships' windows, no calendar where every township
# counts calendar days, 1 for the episodes); timeliness (2 counts,
# 2 item lists); the region choices of the filter form.
QUERIES = 18
