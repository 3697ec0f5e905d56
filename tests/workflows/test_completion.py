"""Completion (期满解除) and the follow-up after it, through the test client (戒毒条例 arts 23, 40)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.deadlines import add_months
from casework.errors import RecordRefused
from casework.models import Breach, DrugTest, Episode, HandOver, Obligation, ReleaseNotice
from obligations.services import obligations_scan
from tests import factories as f
from tests.steps import completion_notice
from workflows.branches.completion import (
    completions_open,
    follow_up_episodes,
    follow_up_relapse,
    follow_up_status,
)

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


def episode_ending_on(w, end):
    """An ACTIVE 社区戒毒 episode whose last day is `end` (started 36 months before end + 1 day)."""
    start = add_months(end + timedelta(days=1), -36)
    person = f.person_with_episode(w["c1"], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    assert episode.expected_end_date == end
    return person, episode


def notice_data(day, **overrides):
    return {
        "number": "县公安局解字(2026)8号",
        "issued_on": day.isoformat(),
        "served_person_on": day.isoformat(),
        "served_family_on": day.isoformat(),
        "township_notified_on": day.isoformat(),
        **overrides,
    }


def test_completion_from_the_window_to_the_release_notice(client, world):
    """戒毒条例 arts 23, 40: 30 days before the end the work station prepares the file; the police
    record the notice of release; the episode completes on its end date."""
    today = timezone.localdate()
    end = today - timedelta(days=2)
    person, episode = episode_ending_on(world, end)

    assert completions_open(end - timedelta(days=31)) == 0  # not yet in the window
    assert completions_open(end - timedelta(days=30)) == 1
    assert completions_open(end - timedelta(days=30)) == 0  # idempotent: never two
    call_command("scan_obligations", as_of=end.isoformat())
    assert Task.objects.filter(process__artifact_object_id=episode.pk, flow_task_type="HUMAN").count() == 1
    deadlines = {o.kind: (o.due_by, o.owner_party) for o in Obligation.objects.filter(episode=episode)}
    assert deadlines == {"closing_file": (end, "community"), "release": (end + timedelta(days=7), "police")}

    # The police cannot record the notice before the work station's step; the judicial office never.
    prepare = open_task(episode, "prepare_file")
    for username in ("police1_user", "judicial1_user", "work_station2_user"):
        client.force_login(world[username])
        assert client.get(reverse("task_page", args=[prepare.pk])).status_code == 404
    client.force_login(world["work_station1_user"])
    sent = end - timedelta(days=5)
    response = client.post(
        reverse("task_page", args=[prepare.pk]), {"sent_on": sent.isoformat(), "documents": "协议、档案"}
    )
    assert response.status_code == 302
    closing = Obligation.objects.get(episode=episode, kind="closing_file")
    assert (closing.status, closing.done_on) == ("done", sent)

    notice = open_task(episode, "release_notice")
    for username in ("work_station1_user", "judicial1_user", "police2_user"):
        client.force_login(world[username])
        assert client.get(reverse("task_page", args=[notice.pk])).status_code == 404
    client.force_login(world["police1_user"])
    assert client.post(reverse("task_page", args=[notice.pk]), notice_data(today)).status_code == 302
    episode.refresh_from_db()
    assert (episode.status, episode.closed_on, episode.closed_reason) == ("completed", end, "completed")
    assert episode.closed_documents == "解除通知书 县公安局解字(2026)8号"
    assert ReleaseNotice.objects.get(episode=episode).served_family_on == today
    release = Obligation.objects.get(episode=episode, kind="release")
    assert (release.status, release.done_on) == ("done", today)
    assert list(episode.events.order_by("id").values_list("kind", flat=True)) == [
        "completion_prep",
        "closing_file",
        "status_changed",
    ]
    # Recorded twice (from code): the step is gone, a clear refusal.
    with pytest.raises(RecordRefused):
        completion_notice(
            world["police1_user"],
            episode,
            number="x",
            issued_on=today,
            served_person_on=today,
            township_notified_on=today,
        )


def test_completing_before_the_end_date_is_refused(client, world):
    """戒毒条例 arts 23, 40: release is from the day the term expires, not before."""
    today = timezone.localdate()
    end = today + timedelta(days=10)
    person, episode = episode_ending_on(world, end)
    completions_open(today)
    client.force_login(world["work_station1_user"])
    client.post(
        reverse("task_page", args=[open_task(episode, "prepare_file").pk]),
        {"sent_on": today.isoformat(), "documents": "协议"},
    )
    client.force_login(world["police1_user"])
    response = client.post(
        reverse("task_page", args=[open_task(episode, "release_notice").pk]), notice_data(today)
    )
    assert response.status_code == 200
    assert "前不能出具解除通知书" in response.content.decode()
    episode.refresh_from_db()
    assert episode.status == "active" and episode.closed_on is None
    assert not ReleaseNotice.objects.exists()


def test_a_late_release_notice_shows_as_overdue(world):
    """戒毒条例 arts 23, 40: the township is notified within 7 days of expiry; later is overdue."""
    today = timezone.localdate()
    end = today - timedelta(days=20)
    person, episode = episode_ending_on(world, end)
    completions_open(end - timedelta(days=30))
    obligations_scan(end + timedelta(days=7))
    assert Obligation.objects.get(episode=episode, kind="release").status == "pending"
    obligations_scan(end + timedelta(days=8))
    assert Obligation.objects.get(episode=episode, kind="release").status == "overdue"


def test_an_episode_suspended_in_the_window_gets_the_flow_after_release(world):
    """The scan starts the flow for ACTIVE episodes only; a suspended one is caught once active again."""
    from workflows.branches.suspensions import suspension_end, suspension_start

    today = timezone.localdate()
    person, episode = episode_ending_on(world, today + timedelta(days=20))
    suspension = suspension_start(
        actor=world["police1_user"],
        episode=episode,
        reason="detention",
        starts_on=today - timedelta(days=3),
        place="拘留所",
    )
    assert completions_open(today) == 0
    suspension_end(actor=world["police1_user"], suspension=suspension, ends_on=today)
    episode.refresh_from_db()
    assert episode.expected_end_date == today + timedelta(days=23)
    assert completions_open(today) == 1
    assert Obligation.objects.get(episode=episode, kind="closing_file").due_by == today + timedelta(days=23)


def completed(w, start, *, community=None, term=36):
    person = f.person_with_episode(community or w["c1"], served_on=start - timedelta(days=5))
    end = add_months(start, term) - timedelta(days=1)
    Episode.objects.filter(person=person).update(
        status="completed",
        term_months=term,
        expected_end_date=end,
        closed_on=end,
        closed_reason="completed",
        kind="rehab" if term != 36 else "detox",
    )
    return person, person.episodes.get()


def confirm_refused_tests(w, episode, n):
    """Record `n` refused tests confirmed as breaches (rows as breach_confirm writes them)."""
    for i in range(n):
        day = episode.start_date + timedelta(days=30 * (i + 1))
        test = DrugTest.objects.create(
            episode=episode,
            person=episode.person,
            tested_on=day,
            place="站",
            result=DrugTest.Result.REFUSED,
            collector_1="甲",
            collector_1_sex="M",
            collector_2="乙",
            collector_2_sex="M",
            recorded_by=w["work_station1_user"],
        )
        Breach.objects.create(
            episode=episode,
            person=episode.person,
            kind=Breach.Kind.TEST_REFUSED,
            occurred_on=day,
            drug_test=test,
            description="拒绝接受检测",
            response=Breach.Response.EDUCATION,
            confirmed_by=w["work_station1_user"],
        )


def test_follow_up_statuses(world):
    """上海 S7 art 29, 山东 S8 art 36: 3 years without relapse from the start of execution, except
    refusers and serious breachers."""
    today = timezone.localdate()
    _, following = completed(world, add_months(today, -25), term=24)
    _, clean = completed(world, add_months(today, -36))
    _, excluded = completed(world, add_months(today, -25), term=24)
    confirm_refused_tests(world, excluded, 3)  # the counter of 戒毒条例 art 20, hand-over or not
    _, relapsed = completed(world, add_months(today, -25), term=24)
    Episode.objects.filter(pk=relapsed.pk).update(relapsed_on=today)
    relapsed.refresh_from_db()
    assert follow_up_status(following, today) == "following"
    assert follow_up_status(following, add_months(today, 11)) == "three_years_clean"
    assert follow_up_status(clean, today) == "three_years_clean"
    assert follow_up_status(excluded, today) == "excluded"
    assert follow_up_status(relapsed, today) == "relapsed"
    # Drug use during the term breaks the 3 years "without drug use" too (rules.md §1.12).
    _, used = completed(world, add_months(today, -36))
    HandOver.objects.create(
        episode=used,
        reason="relapse",
        prepared_on=add_months(today, -30),
        documents="检测报告",
        prepared_by=world["work_station1_user"],
    )
    assert follow_up_status(used, today) == "relapsed"
    annotated = {e.pk: e for e in follow_up_episodes(world["work_station1_user"])}
    assert follow_up_status(annotated[used.pk], today) == "relapsed"
    assert follow_up_status(annotated[clean.pk], today) == "three_years_clean"


def test_follow_up_page_lists_visible_persons_with_their_three_year_date(
    client, world, django_assert_max_num_queries
):
    """rules.md §1.12: the list shows who is still counting and who reached 戒断三年未复吸; query count flat."""
    today = timezone.localdate()
    start = add_months(today, -25)
    p1, e1 = completed(world, start, term=24)
    p2, e2 = completed(world, add_months(today, -40))
    p3, e3 = completed(world, start, term=24, community=world["c2"])  # another township's police
    client.force_login(world["police1_user"])
    with django_assert_max_num_queries(8):
        page = client.get(reverse("follow_up_list")).content.decode()
    assert p1.name in page and p2.name in page and p3.name not in page
    assert "社会面戒断不满三年" in page and "戒断三年未复吸" in page
    assert (
        f"{add_months(start, 36).year}年{add_months(start, 36).month}月{add_months(start, 36).day}日" in page
    )
    for _ in range(4):
        completed(world, start, term=24)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("follow_up_list")).content.decode()
    assert page.count("社会面戒断不满三年") == 5


def test_recording_a_relapse_during_follow_up(client, world):
    """A relapse after completion ends the 3-year count (戒毒条例 art 7 para 2); twice is refused."""
    today = timezone.localdate()
    person, episode = completed(world, add_months(today, -25), term=24)
    for username in ("work_station2_user", "judicial1_user"):
        client.force_login(world[username])
        assert client.get(reverse("follow_up_relapse", args=[person.pk])).status_code == 404
    client.force_login(world["police1_user"])
    url = reverse("follow_up_relapse", args=[person.pk])
    assert client.post(url, {"relapsed_on": today.isoformat(), "note": "尿检阳性"}).status_code == 302
    episode.refresh_from_db()
    assert episode.relapsed_on == today and follow_up_status(episode, today) == "relapsed"
    assert episode.events.get().kind == "relapse_after_completion"
    response = client.post(url, {"relapsed_on": today.isoformat(), "note": "再次"})
    assert response.status_code == 200 and "不能重复登记" in response.content.decode()
    assert episode.events.count() == 1
    with pytest.raises(RecordRefused):
        follow_up_relapse(actor=world["police1_user"], episode=episode, relapsed_on=today, note="x")


def test_follow_up_page_is_404_without_a_staff_post(client, world):
    """rules.md §1.12: the follow-up list is for staff; a login without a post gets 404."""
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user(username="nopost"))
    assert client.get(reverse("follow_up_list")).status_code == 404
