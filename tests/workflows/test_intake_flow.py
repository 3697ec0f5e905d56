"""The intake flow end to end through the test client: on time, late with a reason, late and handed over."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_timers

from casework.models import Episode, HandOver, Obligation
from permissions import selectors
from tests.workflows.test_registration import form_data

pytestmark = pytest.mark.django_db


def register(client, w, served_days_ago=2):
    today = timezone.localdate()
    client.force_login(w["work_station1_user"])
    data = form_data(
        w,
        **{
            "episode-decision_date": (today - timedelta(days=served_days_ago)).isoformat(),
            "episode-served_on": (today - timedelta(days=served_days_ago)).isoformat(),
        },
    )
    assert client.post(reverse("person_register"), data).status_code == 302
    return Episode.objects.get()


def open_task(episode, name):
    tasks = [
        t
        for t in Task.objects.filter(process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED"])
        if t.flow_task.name == name
    ]
    assert len(tasks) == 1, [
        t.flow_task.name for t in Task.objects.filter(process__artifact_object_id=episode.pk)
    ]
    return tasks[0]


def do(client, user, task, data):
    client.force_login(user)
    response = client.post(reverse("task_page", args=[task.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def finish_intake(client, w, episode, reported_on):
    ws = w["work_station1_user"]
    do(
        client,
        ws,
        open_task(episode, "report_in"),
        {"reported_on": reported_on.isoformat(), "documents": "决定书"},
    )
    do(
        client,
        ws,
        open_task(episode, "agreement"),
        {"signed_on": reported_on.isoformat(), "measures": "检测", "rules": "守法", "liability": "移交"},
    )
    do(
        client,
        ws,
        open_task(episode, "plan"),
        {"written_on": reported_on.isoformat(), "current_situation": "稳定"},
    )
    do(
        client,
        ws,
        open_task(episode, "team"),
        {
            "start_date": reported_on.isoformat(),
            "community": ws.pk,
            "police": w["police1_user"].pk,
            "judicial": w["judicial1_user"].pk,
            "civil_affairs": w["civil_affairs1_user"].pk,
            "family_name": "王芳",
            "family_phone": "13900000000",
        },
    )


def test_on_time_intake_activates_the_episode_and_opens_obligations(client, world):
    """戒毒条例 arts 14-17: report within 15 days, agreement, plan, team; then the schedule starts."""
    episode = register(client, world)
    task = open_task(episode, "report_in")
    assert task in selectors.actionable_tasks(world["work_station1_user"])
    assert task not in selectors.actionable_tasks(world["police1_user"])
    today = timezone.localdate()
    finish_intake(client, world, episode, today)
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert episode.start_date == today
    assert episode.reporting_in.on_time is True
    assert episode.agreements.count() == 1 and episode.plans.count() == 1
    assert episode.team.count() == 5
    due = dict(Obligation.objects.filter(episode=episode).values_list("kind", "due_by"))
    from casework.deadlines import add_months

    assert due == {"drug_test": add_months(today, 1), "talk": add_months(today, 1)}
    kinds = list(episode.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        "decision_registered",
        "status_changed",
        "agreement",
        "plan",
        "status_changed",
        "schedule",
    ]
    assert not Task.objects.filter(
        process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED", "SCHEDULED"]
    ).exists()


@pytest.mark.parametrize("username", ["police1_user", "judicial1_user", "work_station2_user", "sup1_user"])
def test_other_parties_cannot_open_the_work_station_step(client, world, username):
    episode = register(client, world)
    task = open_task(episode, "report_in")
    client.force_login(world[username])
    assert client.get(reverse("task_page", args=[task.pk])).status_code == 404
    assert (
        client.post(reverse("task_page", args=[task.pk]), {"reported_on": timezone.localdate()}).status_code
        == 404
    )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.DECIDED


def test_late_with_a_legitimate_reason_extends_the_deadline(client, world):
    """戒毒条例 art 14: only a lapse without a legitimate reason counts as refusal."""
    episode = register(client, world, served_days_ago=20)
    fire_due_timers()
    check = open_task(episode, "refusal_check")
    new_deadline = timezone.localdate() + timedelta(days=5)
    do(
        client,
        world["work_station1_user"],
        check,
        {"legitimate_reason": "1", "reason": "住院治疗", "new_deadline": new_deadline.isoformat()},
    )
    episode.refresh_from_db()
    assert episode.report_deadline == new_deadline
    assert episode.status == Episode.Status.DECIDED
    report = open_task(episode, "report_in")
    do(client, world["work_station1_user"], report, {"reported_on": timezone.localdate().isoformat()})
    episode.refresh_from_db()
    assert episode.status == Episode.Status.REPORTED
    assert episode.reporting_in.on_time is True


def test_late_without_reason_is_handed_to_the_police_who_decide(client, world):
    """戒毒条例 arts 14 and 21, 禁毒法 art 38(1): refusal is reported to the police, who may order 强戒."""
    episode = register(client, world, served_days_ago=20)
    fire_due_timers()
    do(
        client,
        world["work_station1_user"],
        open_task(episode, "refusal_check"),
        {"legitimate_reason": "0", "reason": "拒不报到"},
    )
    handover = open_task(episode, "handover")
    # the handover package must include the certificate of failure to report
    client.force_login(world["work_station1_user"])
    response = client.post(
        reverse("task_page", args=[handover.pk]),
        {"prepared_on": timezone.localdate(), "documents": ["告诫书"]},
    )
    assert response.status_code == 200 and "逾期未报到证明" in response.content.decode()
    do(
        client,
        world["work_station1_user"],
        handover,
        {"prepared_on": timezone.localdate().isoformat(), "documents": ["逾期未报到证明", "告诫书"]},
    )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.REFUSAL_REPORTED
    decision = open_task(episode, "police_decision")
    client.force_login(world["work_station1_user"])
    assert client.get(reverse("task_page", args=[decision.pk])).status_code == 404
    do(
        client,
        world["police1_user"],
        decision,
        {
            "received_on": timezone.localdate().isoformat(),
            "receipt_number": "回执001",
            "decision": "compulsory",
            "decision_reason": "拒绝接受社区戒毒",
        },
    )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.COMPULSORY
    assert episode.closed_on == timezone.localdate()
    handover_row = HandOver.objects.get(episode=episode)
    assert (handover_row.receipt_number, handover_row.decision) == ("回执001", "compulsory")
    assert not Task.objects.filter(
        process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED"]
    ).exists()


def test_a_step_done_twice_is_refused_without_change(client, world):
    episode = register(client, world)
    task = open_task(episode, "report_in")
    do(client, world["work_station1_user"], task, {"reported_on": timezone.localdate().isoformat()})
    response = client.post(
        reverse("task_page", args=[task.pk]), {"reported_on": timezone.localdate().isoformat()}, follow=True
    )
    assert "已经办结" in response.content.decode()
    assert episode.events.filter(kind="status_changed").count() == 1


def test_report_date_before_service_is_refused(client, world):
    episode = register(client, world)
    client.force_login(world["work_station1_user"])
    task = open_task(episode, "report_in")
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"reported_on": (episode.served_on - timedelta(days=1)).isoformat()},
    )
    assert "不能早于决定书送达日期" in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == Episode.Status.DECIDED


def test_agreement_and_plan_print_as_a4_pages_for_visible_persons_only(client, world):
    episode = register(client, world)
    finish_intake(client, world, episode, timezone.localdate())
    client.force_login(world["work_station1_user"])
    agreement = client.get(reverse("agreement_print", args=[episode.pk]))
    plan = client.get(reverse("plan_print", args=[episode.pk]))
    assert agreement.status_code == plan.status_code == 200
    body = agreement.content.decode()
    assert "size: A4" in body and episode.person.name in body and episode.decision_number in body
    assert episode.person.id_number not in body
    assert "社区戒毒计划" in plan.content.decode()
    client.force_login(world["work_station2_user"])
    assert client.get(reverse("agreement_print", args=[episode.pk])).status_code == 404


def test_claim_and_release_move_a_step_between_the_agency_queue_and_one_inbox(client, world):
    from tests import factories as f

    episode = register(client, world)
    task = open_task(episode, "report_in")
    colleague = f.staff_user(world["work_station1"])
    me = world["work_station1_user"]
    client.force_login(me)
    client.post(reverse("task_claim", args=[task.pk]))
    task.refresh_from_db()
    assert (task.status, task.owner) == ("ASSIGNED", me)
    # the colleague no longer sees it in the queue and cannot open or claim it
    assert task not in selectors.actionable_tasks(colleague)
    client.force_login(colleague)
    assert client.get(reverse("task_page", args=[task.pk])).status_code == 404
    client.post(reverse("task_claim", args=[task.pk]))
    task.refresh_from_db()
    assert task.owner == me
    # released, it is back in the queue
    client.force_login(me)
    client.post(reverse("task_release", args=[task.pk]))
    task.refresh_from_db()
    assert (task.status, task.owner) == ("NEW", None)
    assert task in selectors.actionable_tasks(colleague)


def test_follow_up_of_a_refused_test_is_done_by_the_work_station(client, world):
    from casework.models import DrugTest
    from workflows.branches.records import drug_test_record

    episode = register(client, world)
    finish_intake(client, world, episode, timezone.localdate())
    episode.refresh_from_db()
    drug_test_record(
        actor=world["police1_user"],
        episode=episode,
        tested_on=timezone.localdate(),
        place="派出所",
        result=DrugTest.Result.REFUSED,
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
    )
    review = open_task(episode, "review")
    client.force_login(world["police1_user"])
    assert client.get(reverse("task_page", args=[review.pk])).status_code == 404
    do(client, world["work_station1_user"], review, {"action": "education", "note": "已谈话教育"})
    assert episode.events.filter(kind="follow_up").count() == 1
