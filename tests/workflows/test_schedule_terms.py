"""Schedules that fit the order: rows by order length, the minimum number of tests, no duty after the end.

rules.md §2.1 (Huaihua practice, S21): 社区戒毒 at least 22 tests; 社区康复 3-year orders every 2
months / quarterly / half-yearly, at least 12; 2-year orders every 2 months, at least 12.
"""

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from casework.deadlines import add_months, expected_end_date, minimum_tests
from casework.models import CaseEvent, Episode, Obligation, ObligationRule
from notifications.models import Notification
from obligations.schedule import Shortfall, intervals_for, plan_dates, schedule_shortfalls
from tests import factories as f
from workflows.branches.records import drug_test_record
from workflows.duties import duties_start

pytestmark = pytest.mark.django_db

START = date(2023, 3, 10)
COLLECTORS = {
    "place": "派出所",
    "collector_1": "甲",
    "collector_1_sex": "M",
    "collector_2": "乙",
    "collector_2_sex": "M",
}


def rehab_order(world, months, community="c1"):
    """An ACTIVE 社区康复 episode of `months`, started on START, with its first obligations open."""
    person = f.person_with_episode(
        world[community], kind=Episode.Kind.REHAB, served_on=START - timedelta(days=5)
    )
    episode = person.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(
        term_months=months,
        start_date=START,
        reported_on=START,
        expected_end_date=expected_end_date(START, months),
    )
    episode.refresh_from_db()
    duties_start(episode)
    return episode


def walk_tests(world, episode):
    """Do every scheduled test on its due date until the schedule opens no more; return the due dates."""
    while (
        due := Obligation.objects.filter(episode=episode, kind="drug_test", status="pending").first()
    ) is not None:
        drug_test_record(
            actor=world["work_station1_user"],
            episode=episode,
            obligation_id=due.pk,
            tested_on=due.due_by,
            result="negative",
            **COLLECTORS,
        )
    return list(
        Obligation.objects.filter(episode=episode, kind="drug_test")
        .order_by("sequence")
        .values_list("due_by", flat=True)
    )


def test_a_two_year_rehab_order_gets_twelve_tests_and_none_after_its_end(world):
    """rules.md §2.1 (Huaihua: 2-year 社区康复 orders are tested every 2 months, at least 12 times);
    戒毒条例 art 37: the order's own length. 24 months from 10 March 2023 end on 9 March 2025; the
    12th test falls on that last day, and nothing is scheduled after it."""
    episode = rehab_order(world, 24)
    assert episode.expected_end_date == date(2025, 3, 9)
    dates = walk_tests(world, episode)
    assert dates == [add_months(START, m) for m in range(2, 24, 2)] + [date(2025, 3, 9)]
    assert len(dates) == 12 == minimum_tests("rehab", 24)
    assert max(dates) <= episode.expected_end_date
    assert not CaseEvent.objects.filter(episode=episode, kind="schedule_short").exists()


def test_an_eighteen_month_order_gets_a_schedule_that_meets_its_rule(world):
    """rules.md §2.1: an order shorter than 2 years keeps the 2-year rate (one test every 2 months):
    18 months from 10 March 2023 give 9 tests, the last on the last day, 9 September 2024."""
    episode = rehab_order(world, 18)
    assert episode.expected_end_date == date(2024, 9, 9)
    dates = walk_tests(world, episode)
    assert dates == [add_months(START, m) for m in range(2, 18, 2)] + [date(2024, 9, 9)]
    assert len(dates) == 9 == minimum_tests("rehab", 18)
    assert not Notification.objects.filter(kind="schedule").exists()


def test_the_three_year_table_still_applies_to_three_year_orders(world):
    """rules.md §2.1 (Huaihua, 3-year 社区康复): 6 / 4 / 2 tests a year, 12 in all."""
    intervals = intervals_for(world["t1"], "rehab", 36)["drug_test"]
    assert intervals == {1: 2, 2: 3, 3: 6}
    assert len(plan_dates(START, add_months(START, 36), intervals)) == 12


def test_every_order_length_reaches_its_minimum_with_the_default_table(world):
    """rules.md §2.1: the default table meets the minimum for every 社区康复 length from 1 to 36 months
    (12, 18, 24, 30, 36 among them) and for 社区戒毒 (22)."""
    assert schedule_shortfalls(None, "rehab") == []
    assert schedule_shortfalls(world["t1"], "rehab") == []
    assert schedule_shortfalls(None, "detox") == []
    counts = {
        months: len(
            plan_dates(START, add_months(START, months), intervals_for(None, "rehab", months)["drug_test"])
        )
        for months in (12, 18, 24, 30, 36)
    }
    assert counts == {12: 6, 18: 9, 24: 12, 30: 15, 36: 12}


def test_a_region_table_that_cannot_reach_the_minimum_warns_the_work_station(world):
    """rules.md §2.1: a township's own table for 2-year orders (quarterly) gives 8 tests, fewer
    than 12: the schedule still starts, the timeline says why, and every work-station user of the
    township gets a message; the other township's staff get nothing."""
    for year in (1, 2):
        ObligationRule.objects.create(
            region=world["t1"],
            episode_kind="rehab",
            term_months_min=13,
            term_months_max=24,
            programme_year=year,
            obligation_kind="drug_test",
            interval_months=3,
        )
    # Quarterly for 13 to 24 months: 4 tests in year 1, then one more each 3 months the order lasts.
    assert schedule_shortfalls(world["t1"], "rehab") == [
        Shortfall(term, planned, minimum)
        for term, planned, minimum in [
            (13, 4, 6), (14, 4, 7), (15, 5, 7), (16, 5, 8), (17, 5, 8), (18, 6, 9),
            (19, 6, 9), (20, 6, 10), (21, 7, 10), (22, 7, 11), (23, 7, 11), (24, 8, 12),
        ]
    ]  # fmt: skip
    episode = rehab_order(world, 24)
    event = CaseEvent.objects.get(episode=episode, kind="schedule_short")
    text = f"{episode.person.name}：本地频次表为24个月期的社区康复只安排8次检测，少于规定的至少12次，请增加检测或调整频次表。"
    assert (event.message, event.data) == (text, {"planned": 8, "minimum": 12})
    notes = Notification.objects.filter(kind="schedule")
    assert sorted(notes.values_list("user__username", flat=True)) == ["sw1", "work_station1"]
    assert set(notes.values_list("text", flat=True)) == {text}
    first = Obligation.objects.get(episode=episode, kind="drug_test")
    assert (first.due_by, set(notes.values_list("obligation_id", flat=True))) == (
        add_months(START, 3),
        {first.pk},
    )
    # The other township keeps the default table: no warning for its 24-month orders.
    other = rehab_order(world, 24, community="c2")
    assert not CaseEvent.objects.filter(episode=other, kind="schedule_short").exists()


# --- the admin form: bad rows refused, short tables warned -------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    return client


def rule_data(**overrides):
    data = {
        "region": "",
        "episode_kind": "rehab",
        "term_months_min": "12",
        "term_months_max": "12",
        "programme_year": "1",
        "obligation_kind": "drug_test",
        "interval_months": "2",
        "owner_party": "community",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"interval_months": "18"},
            "interval_months",
            "间隔18个月长于适用的最短期限12个月：该期限的人员在期满前等不到这一事项。",
        ),
        (
            {"term_months_min": "13", "term_months_max": "24", "interval_months": "14"},
            "interval_months",
            "间隔14个月长于适用的最短期限13个月：该期限的人员在期满前等不到这一事项。",
        ),
        (
            {"term_months_min": "13", "term_months_max": "24", "programme_year": "3"},
            "programme_year",
            "13至24个月的期限没有第3年。",
        ),
        (
            {"term_months_min": "24", "term_months_max": "12"},
            "term_months_max",
            "适用期限止不能早于适用期限起。",
        ),
        (
            {"term_months_min": "2", "term_months_max": "20"},
            "__all__",
            "与已有规则“社区康复 2-35个月期 第1年 吸毒检测 每2个月”的适用期限重叠。",
        ),
    ],
)
def test_a_schedule_row_no_order_could_use_is_refused_with_a_message(
    admin_client, world, overrides, field, message
):
    """rules.md §2.1: a row whose gap is longer than the order it covers (the order would end before
    its first duty), a year the order never reaches, an empty range or one overlapping another row:
    the admin form says why and nothing is saved."""
    before = ObligationRule.objects.count()
    response = admin_client.post(reverse("admin:casework_obligationrule_add"), rule_data(**overrides))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert ObligationRule.objects.count() == before


def test_saving_a_short_table_warns_which_order_lengths_fall_short(admin_client, world):
    """rules.md §2.1: after a change the page lists every order length the table now leaves short."""
    response = admin_client.post(
        reverse("admin:casework_obligationrule_add"),
        rule_data(region=world["t1"].pk, term_months_min="12", term_months_max="12", interval_months="3"),
    )
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [f"按{world['t1'].name}的频次表，以下期限达不到最少检测次数：12个月（4次，至少6次）。"]
