"""戒断三年未复吸 trusts the counter, and completion waits for the police's decision.

A serious breach is a fact of the confirmed breaches (戒毒条例 art 20), whether or not a hand-over
package was ever prepared; it is reported to the police, who decide (arts 21, 25; 禁毒法 art 38).
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import selectors as casework_selectors
from casework.deadlines import add_months, three_years_cutoff, three_years_on
from casework.errors import RecordRefused
from casework.holds import HOLD_REASONS, completion_hold
from casework.models import Breach, DrugTest, Episode, Obligation, ReleaseNotice
from obligations.services import obligation_excuse
from oversight.rates import rates_for, three_years_clean_persons
from tests import factories as f
from tests.steps import completion_notice, completion_prepare
from tests.workflows.test_completion import completed, confirm_refused_tests
from workflows.branches.breaches import breach_confirm
from workflows.branches.completion import completions_open, follow_up_status
from workflows.engine import step_run
from workflows.flows import BreachHandOverFlow

pytestmark = pytest.mark.django_db


def ending_on(world, end):
    start = add_months(end + timedelta(days=1), -36)
    person = f.person_with_episode(world["c1"], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    assert episode.expected_end_date == end
    return person, episode


def refuse_three_tests(world, episode, first_day):
    """Three refused tests, each confirmed by the work station: the third crosses art 20."""
    for i in range(3):
        test = DrugTest.objects.create(
            episode=episode,
            person=episode.person,
            tested_on=first_day + timedelta(days=i),
            place="站",
            result=DrugTest.Result.REFUSED,
            collector_1="甲",
            collector_1_sex="M",
            collector_2="乙",
            collector_2_sex="M",
            recorded_by=world["police1_user"],
        )
        breach_confirm(
            actor=world["work_station1_user"],
            episode=episode,
            kind=Breach.Kind.TEST_REFUSED,
            drug_test=test,
            description="拒绝接受检测",
        )


def police_decide_continue(world, episode, day):
    step_run(
        world["work_station1_user"],
        BreachHandOverFlow,
        "prepare",
        episode,
        {"prepared_on": day, "documents": ["严重违反协议证明", "移交回执"]},
    )
    step_run(
        world["police1_user"],
        BreachHandOverFlow,
        "receive",
        episode,
        {
            "received_on": day,
            "receipt_number": "回执1",
            "decision": "continue",
            "decided_on": day,
            "decision_number": "",
            "decision_reason": "认错态度好，继续执行",
        },
    )


def test_a_confirmed_serious_breach_without_a_package_holds_completion_and_is_never_clean(client, world):
    """戒毒条例 arts 20-21, 25; 禁毒法 art 38; rules.md §1.12: the counter crossed art 20, the package
    never went to the police. The completion flow does not start, the person's file and the overdue
    audit show the hold with its reason; once the police decide to continue, completion goes on,
    and the person is still not counted 戒断三年未复吸."""
    today = timezone.localdate()
    person, episode = ending_on(world, today + timedelta(days=10))
    refuse_three_tests(world, episode, today - timedelta(days=40))
    deadline = Obligation.objects.get(episode=episode, kind="handover")
    assert completion_hold(episode) == str(HOLD_REASONS["package_due"])
    assert completions_open(today) == 0

    # The package is never prepared: the deadline is excused, the counter still holds completion.
    obligation_excuse(actor=world["work_station1_user"], obligation=deadline, reason="材料未齐")
    assert completion_hold(episode) == str(HOLD_REASONS["counter_unanswered"])
    assert completions_open(today) == 0
    assert not Obligation.objects.filter(episode=episode, kind__in=["closing_file", "release"]).exists()

    client.force_login(world["work_station1_user"])
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "期满解除暂缓" in page and str(HOLD_REASONS["counter_unanswered"]) in page
    # 人社 on the help team does not read violations: the hold shows, its reason does not.
    f.add_member(person, world["human_resources1_user"], "human_resources")
    client.force_login(world["human_resources1_user"])
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "期满解除暂缓" in page and "待公安机关对移交事项作出决定" in page
    assert str(HOLD_REASONS["counter_unanswered"]) not in page
    client.force_login(world["sup1_user"])
    held = client.get(reverse("overdue_audit")).context["held"]
    assert [(e.pk, e.hold_reason) for e in held] == [(episode.pk, str(HOLD_REASONS["counter_unanswered"]))]
    client.force_login(world["sup2_user"])  # another township's supervisor
    assert client.get(reverse("overdue_audit")).context["held"] == []

    # The package goes to the police at last, and they decide to continue: no longer held.
    police_decide_continue(world, episode, today)
    assert completion_hold(episode) == ""
    assert completions_open(today) == 1
    client.force_login(world["sup1_user"])
    assert client.get(reverse("overdue_audit")).context["held"] == []

    # Completed, but a serious breacher: excluded from 戒断三年未复吸, at any date.
    Episode.objects.filter(pk=episode.pk).update(status="completed", closed_on=episode.expected_end_date)
    episode.refresh_from_db()
    later = three_years_on(episode.start_date) + timedelta(days=400)
    assert follow_up_status(episode, later) == "excluded"
    assert not three_years_clean_persons([person.pk], later).exists()


def test_the_release_notice_is_refused_while_a_hand_over_awaits_the_police(world):
    """戒毒条例 arts 21, 25: a serious breach confirmed after the completion flow started; the notice of
    release is refused with the reason until the police decide, nothing saved."""
    today = timezone.localdate()
    person, episode = ending_on(world, today - timedelta(days=3))
    assert completions_open(today - timedelta(days=20)) == 1
    refuse_three_tests(world, episode, today - timedelta(days=15))
    completion_prepare(world["work_station1_user"], episode, today - timedelta(days=5))
    with pytest.raises(RecordRefused, match="期满解除暂缓"):
        completion_notice(
            world["police1_user"],
            episode,
            number="解字1号",
            issued_on=today,
            served_person_on=today,
            township_notified_on=today,
        )
    episode.refresh_from_db()
    assert episode.status == "active" and not ReleaseNotice.objects.exists()
    police_decide_continue(world, episode, today)
    episode = completion_notice(
        world["police1_user"],
        episode,
        number="解字1号",
        issued_on=today,
        served_person_on=today,
        township_notified_on=today,
    )
    assert episode.status == "completed"


def test_three_years_clean_counts_the_counter_not_the_hand_over(world):
    """rules.md §1.12, §5 (戒断三年未复吸); 戒毒条例 art 20: of two completed episodes 3 years since
    the start, the one with three confirmed refused tests and no hand-over package is excluded;
    the rates count the other one; relapse and refusal exclude as well."""
    today = timezone.localdate()
    clean_person, clean = completed(world, add_months(today, -40))
    breacher_person, breacher = completed(world, add_months(today, -40))
    confirm_refused_tests(world, breacher, 3)
    assert not breacher.handovers.exists()
    two_refusals_person, two_refusals = completed(world, add_months(today, -40))
    confirm_refused_tests(world, two_refusals, 2)  # not serious: still counted
    relapsed_person, relapsed = completed(world, add_months(today, -40))
    Breach.objects.create(
        episode=relapsed,
        person=relapsed_person,
        kind=Breach.Kind.RELAPSE,
        occurred_on=relapsed.start_date + timedelta(days=100),
        description="承认吸食",
        response=Breach.Response.HANDOVER,
        confirmed_by=world["work_station1_user"],
    )
    assert [follow_up_status(e, today) for e in (clean, breacher, two_refusals, relapsed)] == [
        "three_years_clean",
        "excluded",
        "three_years_clean",
        "relapsed",
    ]
    everyone = [p.pk for p in (clean_person, breacher_person, two_refusals_person, relapsed_person)]
    assert set(three_years_clean_persons(everyone, today).values_list("pk", flat=True)) == {
        clean_person.pk,
        two_refusals_person.pk,
    }
    assert rates_for(world["sup1_user"], world["t1"], date(today.year, 1, 1), today).three_years_clean == 2


def test_three_years_are_counted_from_the_start_of_execution_month_end_included():
    """上海市禁毒条例 art 29, 山东省禁毒条例 art 36: 3 years from the start of execution; the filter's
    cutoff agrees with the date for every start, month ends and 29 February included."""
    assert three_years_on(date(2022, 3, 11)) == date(2025, 3, 11)
    assert three_years_on(date(2020, 2, 29)) == date(2023, 2, 28)
    assert three_years_cutoff(date(2023, 2, 28)) == date(2020, 2, 29)
    day = date(2019, 12, 1)
    while day < date(2021, 3, 31):
        for offset in (-1, 0, 1):
            asked = three_years_on(day) + timedelta(days=offset)
            assert (day <= three_years_cutoff(asked)) == (three_years_on(day) <= asked), (day, asked)
        day += timedelta(days=1)


def test_the_definition_is_one_query_for_a_list(world, django_assert_num_queries):
    """The facts ride on the episodes query as subqueries: a list of any length costs one query."""
    today = timezone.localdate()
    for _ in range(3):
        completed(world, add_months(today, -40))
    with django_assert_num_queries(1):
        episodes = list(casework_selectors.episodes_with_follow_up_facts(Episode.objects.all()))
        states = [casework_selectors.follow_up_state(e, today) for e in episodes]
    assert states == ["three_years_clean"] * 3
