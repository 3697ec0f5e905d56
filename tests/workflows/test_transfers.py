"""Change of execution place (变更执行地) end to end through the test client (戒毒条例 art 22)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.deadlines import add_months
from casework.errors import RecordRefused
from casework.models import Agreement, Episode, Obligation, ObligationRule, TeamMember, Transfer
from obligations.services import obligations_open_first, talk_record
from permissions import selectors
from tests import factories as f
from tests.steps import transfer_accept
from workflows.branches.transfers import transfer_request

pytestmark = pytest.mark.django_db


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


def active_person(w, days_ago=200):
    """A person in 社区戒毒 at the first township, with a help team and the first obligations open."""
    today = timezone.localdate()
    person = f.person_with_episode(w["c1"], served_on=today - timedelta(days=days_ago))
    episode = person.episodes.get()
    f.add_member(person, w["sw1_user"], "community", start=episode.start_date)
    f.add_member(person, w["police1_user"], "police", start=episode.start_date)
    f.add_member(person, None, "family", start=episode.start_date, name="王芳")
    obligations_open_first(episode)
    return person, episode


def request_transfer(client, w, person, **overrides):
    client.force_login(w["work_station1_user"])
    data = {
        "to_township": w["t2"].pk,
        "reason": "迁居和平镇",
        "new_address": "和平路3号",
        "requested_on": timezone.localdate().isoformat(),
        **overrides,
    }
    return client.post(reverse("transfer_new", args=[person.pk]), data)


def test_transfer_accepted_reported_and_new_agreement(client, world):
    """戒毒条例 art 22: the new township accepts, the person reports within 15 days, a new agreement
    is signed, the clock runs on, the grants and the schedule follow the new place."""
    person, episode = active_person(world)
    today = timezone.localdate()
    start, end = episode.start_date, episode.expected_end_date
    open_due = dict(Obligation.objects.filter(episode=episode).values_list("kind", "due_by"))
    # The new township's table: talks every 2 months in year 1.
    ObligationRule.objects.create(
        region=world["t2"], episode_kind="detox", programme_year=1, obligation_kind="talk", interval_months=2
    )

    assert request_transfer(client, world, person).status_code == 302
    episode.refresh_from_db()
    transfer = Transfer.objects.get()
    assert episode.status == Episode.Status.TRANSFER_PENDING
    assert (transfer.status, transfer.from_township, transfer.to_township) == (
        "requested",
        world["t1"],
        world["t2"],
    )
    # The receiving station sees the request (and the person), nothing more.
    ws2 = world["work_station2_user"]
    task = open_task(episode, "accept_or_decline")
    assert task in selectors.actionable_tasks(ws2)
    assert selectors.visible_persons(ws2).filter(pk=person.pk).exists()
    assert selectors.record_types_for(ws2, person) == set()

    # The sender may not accept its own request: the step is not its to do (404), nothing changed.
    client.force_login(world["work_station1_user"])
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "accept", "community": world["c2"].pk, "decided_on": today.isoformat()},
    )
    assert response.status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == "requested"

    client.force_login(ws2)
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "accept", "community": world["c2"].pk, "decided_on": today.isoformat()},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    transfer.refresh_from_db()
    person.refresh_from_db()
    assert (episode.township, episode.community, episode.status) == (
        world["t2"],
        world["c2"],
        "transfer_pending",
    )
    assert (episode.start_date, episode.expected_end_date) == (start, end)  # time runs on
    assert transfer.status == "accepted" and transfer.report_deadline == today + timedelta(days=15)
    assert (person.region, person.residence_region, person.residence_address) == (
        world["c2"],
        world["c2"],
        "和平路3号",
    )
    transfer_in = Obligation.objects.get(episode=episode, kind="transfer_in")
    assert (transfer_in.due_by, transfer_in.status, transfer_in.township) == (
        today + timedelta(days=15),
        "pending",
        world["t2"],
    )
    # Open recurring obligations move to the new township and keep their due dates.
    moved = Obligation.objects.filter(episode=episode, kind__in=["drug_test", "talk"], status="pending")
    assert {o.kind: o.due_by for o in moved} == open_due
    assert {o.township_id for o in moved} == {world["t2"].pk}
    # The old agency and the old team lose access; the family member stays on the team.
    for user in (world["work_station1_user"], world["sw1_user"]):
        client.force_login(user)
        assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404
    assert not TeamMember.objects.filter(episode=episode, user__isnull=False, end_date__isnull=True).exists()
    assert TeamMember.objects.filter(episode=episode, name="王芳", end_date__isnull=True).exists()

    # Accepting twice: the step is done; a clear message and nothing changed.
    events = episode.events.count()
    client.force_login(ws2)
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "accept", "community": world["c2b"].pk, "decided_on": today.isoformat()},
        follow=True,
    )
    assert "该步骤已经办结" in response.content.decode()
    with pytest.raises(RecordRefused):
        transfer_accept(ws2, transfer, world["c2b"], today)
    episode.refresh_from_db()
    assert episode.community == world["c2"] and episode.events.count() == events

    report = open_task(episode, "report_at_new_place")
    assert (
        client.post(reverse("task_page", args=[report.pk]), {"reported_on": today.isoformat()}).status_code
        == 302
    )
    transfer.refresh_from_db()
    assert (transfer.status, transfer.reported_on) == ("reported", today)
    transfer_in.refresh_from_db()
    assert (transfer_in.status, transfer_in.done_on) == ("done", today)

    agreement = open_task(episode, "agreement")
    response = client.post(
        reverse("task_page", args=[agreement.pk]),
        {"signed_on": today.isoformat(), "measures": "检测", "rules": "守法", "liability": "移交"},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert (episode.start_date, episode.expected_end_date) == (start, end)
    signed = Agreement.objects.get(episode=episode)
    assert (signed.period_start, signed.period_end, signed.signed_by) == (start, end, ws2)
    assert list(episode.events.order_by("id").values_list("kind", flat=True)) == [
        "status_changed",  # requested -> TRANSFER_PENDING
        "transfer_accepted",
        "transfer_reported",
        "agreement",
        "status_changed",  # -> ACTIVE
    ]

    # From the next due date the new township's table applies: the talk done today opens the
    # next one 2 months on (the default table says 1).
    talk_record(actor=ws2, episode=episode, held_on=today, summary="到新执行地后首次谈话")
    nxt = Obligation.objects.get(episode=episode, kind="talk", status="pending")
    assert (nxt.due_by, nxt.township) == (add_months(today, 2), world["t2"])

    # The old station keeps a readable history (name, dates, status), not the file.
    client.force_login(world["work_station1_user"])
    page = client.get(reverse("transfer_history")).content.decode()
    assert person.name in page and "已在新执行地报到" in page and "迁居和平镇" in page
    assert reverse("person_detail", args=[person.pk]) not in page


def test_transfer_declined_with_a_reason_stays_at_the_old_place(client, world):
    """戒毒条例 art 22: the receiving work station may decline with a reason; nothing moves."""
    person, episode = active_person(world)
    today = timezone.localdate()
    assert request_transfer(client, world, person).status_code == 302
    task = open_task(episode, "accept_or_decline")
    client.force_login(world["work_station2_user"])
    response = client.post(
        reverse("task_page", args=[task.pk]), {"decision": "decline", "decided_on": today.isoformat()}
    )
    assert response.status_code == 200  # no reason: a message on the form, nothing saved
    assert Transfer.objects.get().status == "requested"
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "decline", "decline_reason": "该地址不在本镇辖区", "decided_on": today.isoformat()},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    transfer = Transfer.objects.get()
    assert (episode.status, episode.township) == (Episode.Status.ACTIVE, world["t1"])
    assert (transfer.status, transfer.decline_reason, transfer.decided_on) == (
        "declined",
        "该地址不在本镇辖区",
        today,
    )
    assert not Obligation.objects.filter(episode=episode, kind="transfer_in").exists()
    # The receiving station no longer sees the person, but both keep the history.
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404
    assert person.name in client.get(reverse("transfer_history")).content.decode()
    client.force_login(world["work_station1_user"])
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 200
    assert "该地址不在本镇辖区" in client.get(reverse("transfer_history")).content.decode()
    assert list(episode.events.order_by("id").values_list("message", flat=True))[-1].startswith(
        f"{world['t2'].name}拒绝接收"
    )


def test_transfer_to_the_same_township_is_refused(client, world):
    """戒毒条例 art 22 is a change of place: the same township is refused with a message."""
    person, episode = active_person(world)
    response = request_transfer(client, world, person, to_township=world["t1"].pk)
    assert response.status_code == 200
    assert "新执行地不能与原执行地相同" in response.content.decode()
    with pytest.raises(RecordRefused):
        transfer_request(
            actor=world["work_station1_user"],
            episode=episode,
            to_township=world["t1"],
            reason="同镇",
            on=timezone.localdate(),
        )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert not Transfer.objects.exists()
    assert not episode.events.exists()


def test_a_second_request_while_one_is_open_is_refused(client, world):
    person, episode = active_person(world)
    assert request_transfer(client, world, person).status_code == 302
    response = request_transfer(client, world, person)
    assert response.status_code == 200
    assert Transfer.objects.count() == 1


@pytest.mark.parametrize("username", ["police2_user", "judicial1_user", "sw1_user", "work_station2_user"])
def test_parties_without_the_right_get_404(client, world, username):
    """Only the current work station requests (戒毒条例 art 22); others get 404 and nothing changes."""
    person, episode = active_person(world)
    client.force_login(world[username])
    url = reverse("transfer_new", args=[person.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(
            url, {"to_township": world["t2"].pk, "reason": "x", "requested_on": "2026-01-01"}
        ).status_code
        == 404
    )
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("username", ["police1_user", "judicial1_user", "police2_user"])
def test_the_accept_step_is_404_for_other_parties(client, world, username):
    person, episode = active_person(world)
    request_transfer(client, world, person)
    task = open_task(episode, "accept_or_decline")
    client.force_login(world[username])
    assert client.get(reverse("task_page", args=[task.pk])).status_code == 404
    assert Transfer.objects.get().status == "requested"


def test_history_page_query_count_is_flat(client, world, django_assert_max_num_queries):
    """The history page reads Transfer rows by township; its cost does not grow with rows."""
    client.force_login(world["work_station1_user"])
    for _ in range(2):
        person, episode = active_person(world)
        transfer_request(
            actor=world["work_station1_user"],
            episode=episode,
            to_township=world["t2"],
            reason="迁居",
            on=timezone.localdate(),
        )
    with django_assert_max_num_queries(8):
        assert client.get(reverse("transfer_history")).status_code == 200
    for _ in range(4):
        person, episode = active_person(world)
        transfer_request(
            actor=world["work_station1_user"],
            episode=episode,
            to_township=world["t2"],
            reason="迁居",
            on=timezone.localdate(),
        )
    with django_assert_max_num_queries(8):
        page = client.get(reverse("transfer_history")).content.decode()
    assert page.count("迁居") == 6


@pytest.mark.parametrize("username", ["police1_user", "judicial1_user", "sw1_user"])
def test_history_page_is_404_for_parties_without_the_right(client, world, username):
    """转出/转入记录 is the work station's and the drug-control office's (戒毒条例 art 22); others get 404."""
    person, episode = active_person(world)
    transfer_request(
        actor=world["work_station1_user"],
        episode=episode,
        to_township=world["t2"],
        reason="迁居",
        on=timezone.localdate(),
    )
    client.force_login(world[username])
    assert client.get(reverse("transfer_history")).status_code == 404
    client.force_login(world["sup1_user"])
    assert "迁居" in client.get(reverse("transfer_history")).content.decode()
