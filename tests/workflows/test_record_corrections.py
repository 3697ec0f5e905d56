"""Correcting and voiding a saved test or talk: the reason kept on the timeline, the schedule
recomputed (rules.md §2.1: the next due date is the last date plus the interval), the counters
and rates counting only standing records; bad input refused with nothing changed."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from casework.errors import RecordRefused
from casework.models import CaseEvent, DrugTest, Obligation, Talk
from obligations.schedule import intervals_for, next_due, term_bounds
from obligations.services import (
    drug_test_save,
    obligations_open_first,
    record_correct,
    record_void,
    talk_record,
)
from oversight.rates import rates_for
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(world):
    today = date.today()
    person = f.person_with_episode(world["c1"], served_on=today - timedelta(days=100))
    f.add_member(person, world["sw1_user"], "community")
    episode = person.episodes.get()
    obligations_open_first(episode)
    return person, episode


def _open(episode, kind):
    return Obligation.objects.get(episode=episode, kind=kind, status__in=Obligation.OPEN_STATUSES)


def _state(episode):
    return (
        sorted(
            Obligation.objects.filter(episode=episode).values_list(
                "kind", "sequence", "status", "due_by", "done_on"
            )
        ),
        CaseEvent.objects.filter(episode=episode).count(),
        sorted(Talk.all_records.filter(episode=episode).values_list("pk", "held_on", "voided_on")),
        sorted(DrugTest.all_records.filter(episode=episode).values_list("pk", "tested_on", "voided_on")),
    )


def _expected_next(episode, kind, after):
    start, end = term_bounds(episode)
    return next_due(
        start, end, after, intervals_for(episode.township, episode.kind, episode.term_months)[kind]
    )


def test_correcting_a_talks_date_moves_the_done_date_and_reschedules_the_next(world, active):
    person, episode = active
    first = _open(episode, "talk")
    held = date.today() - timedelta(days=10)
    talk = talk_record(
        actor=world["sw1_user"], episode=episode, obligation_id=first.pk, held_on=held, summary="谈话"
    )
    nxt = _open(episode, "talk")
    assert nxt.due_by == _expected_next(episode, "talk", held)
    new_day = held - timedelta(days=5)
    record_correct(actor=world["sw1_user"], record=talk, on=new_day, reason="录入时日期填错")
    first.refresh_from_db()
    nxt.refresh_from_db()
    talk.refresh_from_db()
    assert (talk.held_on, first.done_on) == (new_day, new_day)
    assert nxt.due_by == _expected_next(episode, "talk", new_day)
    event = CaseEvent.objects.filter(episode=episode, kind="talk_corrected").get()
    assert "录入时日期填错" in event.message and event.data["old"] == held.isoformat()


def test_voiding_a_talk_reopens_its_duty_withdraws_the_next_and_stops_counting_it(world, active):
    person, episode = active
    first = _open(episode, "talk")
    held = date.today() - timedelta(days=3)
    talk = talk_record(
        actor=world["sw1_user"], episode=episode, obligation_id=first.pk, held_on=held, summary="谈话"
    )
    period = (date.today() - timedelta(days=30), date.today())
    assert rates_for(world["sup1_user"], world["t1"], *period, live=True).figures["helped"] == 1
    second = _open(episode, "talk")
    record_void(actor=world["sw1_user"], record=talk, reason="记错了人员")
    first.refresh_from_db()
    assert first.status in Obligation.OPEN_STATUSES and first.done_on is None
    assert not Obligation.objects.filter(pk=second.pk).exists()
    voided = Talk.all_records.get(pk=talk.pk)
    assert (voided.voided_by, voided.void_reason, voided.obligation_id) == (
        world["sw1_user"],
        "记错了人员",
        None,
    )
    assert not Talk.objects.filter(pk=talk.pk).exists() and not person.talks.exists()
    assert rates_for(world["sup1_user"], world["t1"], *period, live=True).figures["helped"] == 0
    assert CaseEvent.objects.filter(episode=episode, kind="talk_voided").count() == 1
    # the duty can be fulfilled again
    talk_record(
        actor=world["sw1_user"], episode=episode, obligation_id=first.pk, held_on=held, summary="重新登记"
    )
    first.refresh_from_db()
    assert first.status == Obligation.Status.DONE


def _negative_test(world, episode, obligation, on):
    return drug_test_save(
        actor=world["sw1_user"],
        episode=episode,
        obligation_id=obligation.pk,
        tested_on=on,
        place="工作站",
        result="negative",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "错"}, "请写明理由"),
        ({"on": "future"}, "日期不能晚于今天"),
        ({"on": "before_start"}, "日期不能早于执行起始日期"),
        ({"on": "before_previous"}, "早于上一次同类事项的完成日期"),
        ({"on": "after_next_done"}, "其后的同类事项已经办理"),
    ],
)
def test_a_correction_that_breaks_the_schedule_is_refused_and_changes_nothing(world, active, change, message):
    person, episode = active
    today = date.today()
    first = _open(episode, "drug_test")
    one = _negative_test(world, episode, first, today - timedelta(days=40))
    second = _open(episode, "drug_test")
    two = _negative_test(world, episode, second, today - timedelta(days=5))
    target = (
        two
        if change.get("on") in ("before_previous",)
        else (one if change.get("on") == "after_next_done" else two)
    )
    on = {
        None: today - timedelta(days=6),
        "future": today + timedelta(days=1),
        "before_start": episode.start_date - timedelta(days=1),
        "before_previous": today - timedelta(days=41),
        "after_next_done": today - timedelta(days=39),
    }[change.get("on")]
    before = _state(episode)
    with pytest.raises(RecordRefused, match=message):
        record_correct(
            actor=world["sw1_user"], record=target, on=on, reason=change.get("reason", "日期填写错误")
        )
    assert _state(episode) == before


def test_voiding_without_a_reason_or_a_followed_up_test_is_refused(world, active):
    person, episode = active
    first = _open(episode, "drug_test")
    test = _negative_test(world, episode, first, date.today() - timedelta(days=2))
    before = _state(episode)
    with pytest.raises(RecordRefused, match="请写明理由"):
        record_void(actor=world["sw1_user"], record=test, reason="  ")
    DrugTest.all_records.filter(pk=test.pk).update(result="refused")
    with pytest.raises(RecordRefused, match="已启动后续处置"):
        record_void(actor=world["sw1_user"], record=test, reason="结果录错")
    DrugTest.all_records.filter(pk=test.pk).update(result="negative")
    assert _state(episode) == before


def test_the_pages_correct_and_void_through_the_gate(client, world, active):
    person, episode = active
    first = _open(episode, "talk")
    talk = talk_record(
        actor=world["sw1_user"],
        episode=episode,
        obligation_id=first.pk,
        held_on=date.today() - timedelta(days=4),
        summary="谈话",
    )
    client.force_login(world["sw1_user"])
    records = client.get(reverse("person_records", args=[person.pk])).content.decode()
    assert reverse("record_correct", args=["talks", talk.pk]) in records
    url = reverse("record_void", args=["talks", talk.pk])
    page = client.get(url)
    hidden = {"submission_key": page.context["form"]["submission_key"].value()}
    refused = client.post(url, {"reason": "记错人员", **hidden})
    assert refused.status_code == 200 and "请勾选确认后再作废。" in refused.content.decode()
    assert Talk.objects.filter(pk=talk.pk).exists()
    done = client.post(url, {"reason": "记错人员", "confirm": "on", **hidden})
    assert done.status_code == 302 and not Talk.objects.filter(pk=talk.pk).exists()
    # another township's station, police for a talk, an unknown kind: 404
    client.force_login(world["work_station2_user"])
    assert client.get(reverse("record_correct", args=["talks", talk.pk])).status_code == 404
    client.force_login(world["police1_user"])
    assert client.get(reverse("record_correct", args=["talks", talk.pk])).status_code == 404
    assert client.get(f"/records/notes/{talk.pk}/void/").status_code == 404
