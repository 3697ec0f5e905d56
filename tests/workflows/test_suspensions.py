"""Suspension (中止) and termination (终止) through the test client (戒毒条例 art 24)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.deadlines import add_months, expected_end_date
from casework.errors import RecordRefused
from casework.models import Episode, Obligation, Suspension
from obligations.services import obligations_open_first, obligations_scan
from tests import factories as f
from workflows.branches.completion import completion_start
from workflows.branches.suspensions import episode_terminate, suspension_end, suspension_start

pytestmark = pytest.mark.django_db


def active_episode(w, days_ago=200):
    person = f.person_with_episode(w["c1"], served_on=timezone.localdate() - timedelta(days=days_ago))
    episode = person.episodes.get()
    obligations_open_first(episode)
    return person, episode


def suspend(client, w, person, starts_on, **overrides):
    client.force_login(w["work_station1_user"])
    data = {"reason": "detention", "starts_on": starts_on.isoformat(), "place": "县拘留所", **overrides}
    return client.post(reverse("suspension_new", args=[person.pk]), data)


def test_detention_suspends_and_release_resumes_with_the_clock_paused(client, world):
    """戒毒条例 art 24: detention suspends the measure; after release it continues. By default the
    clock pauses (rules.md §1.11), so the 40 days in custody push the end date back 40 days."""
    person, episode = active_episode(world)
    today = timezone.localdate()
    starts, ends = today - timedelta(days=40), today
    end_before = episode.expected_end_date
    assert suspend(client, world, person, starts).status_code == 302
    episode.refresh_from_db()
    suspension = Suspension.objects.get()
    assert episode.status == Episode.Status.SUSPENDED
    assert (suspension.starts_on, suspension.place, suspension.pauses_clock) == (starts, "县拘留所", True)
    # The open duties pause: excused with the reason, so the scan has nothing to mark overdue.
    paused = Obligation.objects.filter(episode=episode)
    assert {(o.kind, o.status, o.excused_reason) for o in paused} == {
        ("drug_test", "excused", "中止（被依法拘留）"),
        ("talk", "excused", "中止（被依法拘留）"),
    }
    assert obligations_scan(today + timedelta(days=400)) == (0, 0)

    # Suspending twice: a message, nothing changed.
    assert suspend(client, world, person, starts).status_code == 200
    assert Suspension.objects.count() == 1

    response = client.post(reverse("suspension_end", args=[person.pk]), {"ends_on": ends.isoformat()})
    assert response.status_code == 302
    episode.refresh_from_db()
    suspension.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert suspension.ends_on == ends and suspension.days == 40
    assert episode.paused_days == 40
    assert episode.expected_end_date == end_before + timedelta(days=40)
    assert episode.expected_end_date == expected_end_date(episode.start_date, 36, 40)
    # The duties resume with due dates counted from the release date (monthly in year 1).
    reopened = Obligation.objects.filter(episode=episode, status="pending")
    assert {(o.kind, o.sequence, o.due_by) for o in reopened} == {
        ("drug_test", 2, add_months(ends, 1)),
        ("talk", 2, add_months(ends, 1)),
    }
    assert list(episode.events.order_by("id").values_list("kind", flat=True)) == [
        "status_changed",
        "suspension_start",
        "status_changed",
        "suspension_end",
    ]


def test_a_region_may_keep_the_clock_running(client, world):
    """戒毒条例 art 24 is silent on the clock: a region that sets it not to pause keeps the end date."""
    world["t1"].suspension_pauses_clock = False
    world["t1"].save()
    person, episode = active_episode(world)
    end_before = episode.expected_end_date
    today = timezone.localdate()
    suspend(client, world, person, today - timedelta(days=10))
    client.post(reverse("suspension_end", args=[person.pk]), {"ends_on": today.isoformat()})
    episode.refresh_from_db()
    assert (episode.status, episode.paused_days, episode.expected_end_date) == ("active", 0, end_before)
    assert Suspension.objects.get().pauses_clock is False


def test_an_overdue_duty_at_detention_stays_on_record_as_missed(world):
    """Pausing does not whitewash a duty already missed before the detention."""
    person, episode = active_episode(world)
    obligations_scan(timezone.localdate())  # the first duties fell due 5 months ago
    Obligation.objects.filter(episode=episode, kind="drug_test").update(
        status="pending", due_by=timezone.localdate() + timedelta(days=3)
    )
    assert dict(Obligation.objects.filter(episode=episode).values_list("kind", "status")) == {
        "talk": "overdue",
        "drug_test": "pending",
    }
    suspension_start(
        actor=world["police1_user"],
        episode=episode,
        reason="arrest",
        starts_on=timezone.localdate(),
        place="县看守所",
    )
    assert dict(Obligation.objects.filter(episode=episode).values_list("kind", "status")) == {
        "talk": "missed",
        "drug_test": "excused",
    }


def test_release_before_detention_starts_is_refused(client, world):
    """戒毒条例 art 24: release ends a suspension; a date before it began is refused, nothing changes."""
    person, episode = active_episode(world)
    today = timezone.localdate()
    suspend(client, world, person, today - timedelta(days=5))
    response = client.post(
        reverse("suspension_end", args=[person.pk]), {"ends_on": (today - timedelta(days=6)).isoformat()}
    )
    assert response.status_code == 200
    assert "不能早于中止日期" in response.content.decode()
    episode.refresh_from_db()
    assert (episode.status, episode.paused_days) == ("suspended", 0)
    assert Suspension.objects.get().ends_on is None
    suspension = Suspension.objects.get()
    suspension_end(actor=world["work_station1_user"], suspension=suspension, ends_on=today)
    with pytest.raises(RecordRefused):  # a release recorded twice
        suspension_end(actor=world["work_station1_user"], suspension=suspension, ends_on=today)


@pytest.mark.parametrize("username", ["judicial1_user", "work_station2_user", "police2_user", "sw1_user"])
def test_suspension_pages_are_404_for_parties_without_the_right(client, world, username):
    person, episode = active_episode(world)
    client.force_login(world[username])
    for name in ("suspension_new", "episode_terminate"):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404
    response = client.post(
        reverse("suspension_new", args=[person.pk]),
        {"reason": "detention", "starts_on": timezone.localdate().isoformat(), "place": "x"},
    )
    assert response.status_code == 404
    episode.refresh_from_db()
    assert episode.status == "active" and not Suspension.objects.exists() and not episode.events.exists()


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("imprisonment", "terminated"),
        ("education", "terminated"),
        ("compulsory", "compulsory"),
        ("deceased", "deceased"),
        ("left_country", "terminated"),
    ],
)
def test_termination_closes_the_episode_its_duties_and_flows(client, world, reason, status):
    """戒毒条例 art 24: imprisonment or a compulsory educational measure terminates; a 强戒 decision
    (禁毒法 art 38), death or leaving the country ends the episode too, with reason and documents."""
    person, episode = active_episode(world, days_ago=1080)
    today = timezone.localdate()
    completion_start(episode.pk, today)  # an open flow with a work-station task
    client.force_login(world["work_station1_user"])
    data = {
        "reason": reason,
        "closed_on": today.isoformat(),
        "documents": "县法院刑事判决书(2026)1号",
        "confirm": "on",
    }
    unconfirmed = client.post(reverse("episode_terminate", args=[person.pk]), {**data, "confirm": ""})
    assert "请勾选确认后再终止执行。" in unconfirmed.content.decode()
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert client.post(reverse("episode_terminate", args=[person.pk]), data).status_code == 302
    episode.refresh_from_db()
    assert (episode.status, episode.closed_reason, episode.closed_on) == (status, reason, today)
    assert episode.closed_documents == "县法院刑事判决书(2026)1号"
    assert not Obligation.objects.filter(episode=episode, status__in=["pending", "overdue"]).exists()
    assert set(Obligation.objects.filter(episode=episode).values_list("status", flat=True)) == {"excused"}
    assert not Task.objects.filter(
        process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED"], flow_task_type="HUMAN"
    ).exists()
    kinds = list(episode.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == ["status_changed", "episode_closed"]

    # A decision recorded twice: a clear message, nothing changed.
    events = episode.events.count()
    response = client.post(reverse("episode_terminate", args=[person.pk]), data)
    assert response.status_code == 200
    assert "该执行已结束" in response.content.decode()
    assert episode.events.count() == events


def test_terminate_while_suspended_after_an_arrest_leads_to_prison(world):
    """戒毒条例 art 24: an arrest suspends; the later prison sentence terminates."""
    person, episode = active_episode(world)
    today = timezone.localdate()
    suspension_start(
        actor=world["police1_user"],
        episode=episode,
        reason="arrest",
        starts_on=today - timedelta(days=30),
        place="县看守所",
    )
    episode = episode_terminate(
        actor=world["police1_user"], episode=episode, reason="imprisonment", on=today, documents="判决书"
    )
    assert (episode.status, episode.closed_reason) == ("terminated", "imprisonment")


def test_the_file_links_to_the_actions_only_for_agencies_that_act(client, world):
    person, episode = active_episode(world)
    url = reverse("suspension_new", args=[person.pk])
    client.force_login(world["work_station1_user"])
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert url in page and reverse("transfer_new", args=[person.pk]) in page
    client.force_login(world["judicial1_user"])
    assert url not in client.get(reverse("person_detail", args=[person.pk])).content.decode()
