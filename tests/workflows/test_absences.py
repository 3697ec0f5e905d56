"""Out-of-county absences end to end: the written report, approval, extension, return, unreported exits."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.errors import RecordRefused
from casework.models import Absence, Breach, Episode, Obligation, Staff
from obligations.services import obligations_scan
from oversight.audit import overdue_rows, with_days
from tests import factories as f
from tests.workflows.test_breaches import active_person, open_task, post, snapshot
from workflows.branches.absences import absence_report, absence_return, absence_unreported_record
from workflows.branches.breaches import breach_counters

pytestmark = pytest.mark.django_db


def day(offset):
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def report_data(**overrides):
    return {
        "reported_on": day(0),
        "leaves_on": day(1),
        "returns_by": day(6),
        "destination": "广东省东莞市",
        "reason": "探望病重的父亲",
        "contact_phone": "13900001111",
        **overrides,
    }


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_reported_absence_puts_the_episode_out_of_county_until_the_return_check_in(client, world):
    """戒毒条例 art 19(3): leaving the county for 3 days or more needs a written report before leaving;
    while away the episode is OUT_OF_COUNTY and a return check-in falls due on the return date."""
    person, episode = active_person(world)
    ws = world["work_station1_user"]
    url = reverse("absence_report", args=[person.pk])
    before = snapshot(episode)
    # A trip under 3 days needs no report: the user is told so and nothing is saved.
    response = post(client, ws, url, report_data(returns_by=day(3)), status=200)
    assert any("无需书面报告" in m for m in messages_of(response))
    # An absence ending before it starts.
    response = post(client, ws, url, report_data(returns_by=day(0)), status=200)
    assert "返回日期不能早于离开日期" in str(response.context["form"].errors)
    # A report after leaving is not a report before leaving.
    response = post(client, ws, url, report_data(leaves_on=day(-1)), status=200)
    assert "离开前" in str(response.context["form"].errors)
    assert snapshot(episode) == before
    assert Absence.objects.count() == 0

    post(client, ws, url, report_data())
    absence = Absence.objects.get()
    assert (absence.status, absence.reported_on, absence.returns_by, absence.recorded_by) == (
        "away",
        timezone.localdate(),
        timezone.localdate() + timedelta(days=6),
        ws,
    )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.OUT_OF_COUNTY
    back = Obligation.objects.get(episode=episode, kind="absence_back")
    assert (back.status, back.due_from, back.due_by) == (
        "pending",
        timezone.localdate() + timedelta(days=1),
        timezone.localdate() + timedelta(days=6),
    )
    # The due check-in links to the absences, not to a talk form.
    client.force_login(ws)
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert f"?obligation={back.pk}" not in page and reverse("person_breaches", args=[person.pk]) in page
    # A second report while away is refused.
    response = post(client, ws, url, report_data(), status=200)
    assert any("尚未销假" in m for m in messages_of(response))
    assert Absence.objects.count() == 1

    # 续假: the return date and its deadline move.
    post(
        client, ws, reverse("absence_extend", args=[absence.pk]), {"extended_to": day(4), "note": "改期"}, 200
    )
    post(
        client, ws, reverse("absence_extend", args=[absence.pk]), {"extended_to": day(10), "note": "父亲住院"}
    )
    absence.refresh_from_db()
    back.refresh_from_db()
    assert absence.extended_to == back.due_by == timezone.localdate() + timedelta(days=10)

    # Bad input: a return before leaving.
    before = snapshot(episode)
    response = post(client, ws, reverse("absence_return", args=[absence.pk]), {"returned_on": day(0)}, 200)
    assert any("销假日期不能早于离开日期" in m for m in messages_of(response))
    assert snapshot(episode) == before
    # The return itself: as the trip lies ahead, record it through the service on a past calendar.
    Absence.objects.filter(pk=absence.pk).update(leaves_on=timezone.localdate() - timedelta(days=5))
    absence.refresh_from_db()
    post(client, ws, reverse("absence_return", args=[absence.pk]), {"returned_on": day(0)})
    absence.refresh_from_db()
    back.refresh_from_db()
    episode.refresh_from_db()
    assert (absence.status, absence.returned_on) == ("returned", timezone.localdate())
    assert (back.status, back.done_on) == ("done", timezone.localdate())
    assert episode.status == Episode.Status.ACTIVE
    kinds = list(episode.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-5:] == [
        "status_changed",
        "absence_away",
        "absence_extended",
        "status_changed",
        "absence_returned",
    ]
    # Where the person went shows only to readers of absences: not to the judicial office.
    client.force_login(world["judicial1_user"])
    assert "广东省东莞市" not in client.get(reverse("person_detail", args=[person.pk])).content.decode()
    client.force_login(ws)
    assert breach_counters(episode).exits == 0  # a reported absence is no breach

    # Parties without the right: judicial (no absences in its matrix), police (may not write),
    # another township's work station, 人社 (does not see the person).
    for username in ("judicial1_user", "police1_user", "work_station2_user", "human_resources1_user"):
        client.force_login(world[username])
        assert client.get(url).status_code == 404
        assert (
            client.post(reverse("absence_return", args=[absence.pk]), {"returned_on": day(0)}).status_code
            == 404
        )
        extend = reverse("absence_extend", args=[absence.pk])
        assert client.get(extend).status_code == 404
        assert client.post(extend, {"extended_to": day(20), "note": "续假"}).status_code == 404
    absence.refresh_from_db()
    assert absence.extended_to == timezone.localdate() + timedelta(days=10)
    client.force_login(world["police1_user"])  # but the police read absences
    assert "广东省东莞市" in client.get(reverse("person_breaches", args=[person.pk])).content.decode()
    client.force_login(world["judicial1_user"])
    assert "广东省东莞市" not in client.get(reverse("person_breaches", args=[person.pk])).content.decode()


def test_no_return_by_the_end_date_is_marked_overdue_by_the_scan(client, world):
    """戒毒条例 art 19(3): the report names the return; without a check-in the scan marks it overdue
    and it shows on the supervisor's overdue list."""
    person, episode = active_person(world)
    today = timezone.localdate()
    absence = absence_report(
        actor=world["work_station1_user"],
        episode=episode,
        reported_on=today - timedelta(days=8),
        leaves_on=today - timedelta(days=7),
        returns_by=today - timedelta(days=2),
        destination="昆明",
        reason="务工",
    )
    assert obligations_scan(today)[0] >= 1
    back = Obligation.objects.get(episode=episode, kind="absence_back")
    assert back.status == "overdue"
    rows = with_days(overdue_rows(world["sup1_user"], today), today)
    mine = [r for r in rows if r["person_id"] == person.pk and r["kind"] == "absence_back"]
    assert [(r["kind_label"], r["days"]) for r in mine] == [("外出逾期未返回销假", 2)]
    absence_return(actor=world["work_station1_user"], absence=absence, returned_on=today)
    back.refresh_from_db()
    episode.refresh_from_db()
    assert (back.status, back.done_on, episode.status) == ("done", today, "active")
    assert "逾期2日" in episode.events.order_by("-id").first().message


def test_unreported_absences_count_their_days_and_past_30_days_make_a_serious_breach(client, world):
    """戒毒条例 arts 19-20: an unreported exit, once confirmed, counts once and by its days;
    more than 30 days in total is a serious breach handed to the police (art 21)."""
    person, episode = active_person(world, days_ago=90)
    ws = world["work_station1_user"]
    url = reverse("absence_unreported", args=[person.pk])
    before = snapshot(episode)
    response = post(
        client,
        ws,
        url,
        {"leaves_on": day(-10), "returned_on": day(-12), "destination": "外省", "reason": "x"},
        200,
    )
    assert "返回日期不能早于离开日期" in str(response.context["form"].errors)
    response = post(
        client,
        ws,
        url,
        {"leaves_on": day(-10), "returned_on": day(-8), "destination": "外省", "reason": "x"},
        200,
    )
    assert any("不足3日" in m for m in messages_of(response))
    assert snapshot(episode) == before

    response = post(
        client,
        ws,
        url,
        {"leaves_on": day(-60), "returned_on": day(-48), "destination": "外省", "reason": "打工"},
    )
    first = Absence.objects.get()
    assert (first.status, first.reported_on, first.returned_on) == (
        "unreported",
        None,
        timezone.localdate() - timedelta(days=48),
    )
    assert breach_counters(episode).exits == 0  # not counted until confirmed
    assert response.url.endswith(f"?kind=unauthorised_exit&absence={first.pk}")
    confirm = {
        "kind": "unauthorised_exit",
        "absence": first.pk,
        "response": "education",
        "description": "未报告外出",
    }
    post(client, ws, reverse("breach_confirm", args=[person.pk]), confirm)
    breach = Breach.objects.get()
    assert (breach.kind, breach.days, breach.absence, breach.occurred_on) == (
        "unauthorised_exit",
        12,
        first,
        first.leaves_on,
    )
    counters = breach_counters(episode)
    assert (counters.exits, counters.exit_days, counters.serious) == (1, 12, False)
    # Overlapping an absence already on record is refused.
    response = post(
        client,
        ws,
        url,
        {"leaves_on": day(-50), "returned_on": day(-40), "destination": "外省", "reason": "y"},
        200,
    )
    assert any("重叠" in m for m in messages_of(response))
    # The same absence cannot be confirmed twice.
    with pytest.raises(RecordRefused, match="不能重复确认"):
        from workflows.branches.breaches import breach_confirm

        breach_confirm(actor=ws, episode=episode, kind="unauthorised_exit", absence=first, description="再次")

    second = absence_unreported_record(
        actor=ws,
        episode=episode,
        leaves_on=timezone.localdate() - timedelta(days=30),
        returned_on=timezone.localdate() - timedelta(days=10),
        destination="外省",
        reason="未报告",
    )
    client.force_login(ws)
    response = client.post(
        reverse("breach_confirm", args=[person.pk]), {**confirm, "absence": second.pk}, follow=True
    )
    assert any("严重违反协议" in m and "累计32日" in m for m in messages_of(response))
    counters = breach_counters(episode)
    assert (counters.exits, counters.exit_days, counters.criteria) == (2, 32, ("exit_days",))
    assert Breach.objects.get(absence=second).response == "handover"
    assert Obligation.objects.get(episode=episode, kind="handover").status == "pending"
    assert open_task(episode, "prepare")
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE  # handed over when the package is prepared
    for username in ("judicial1_user", "police1_user", "human_resources1_user"):
        client.force_login(world[username])
        assert client.get(url).status_code == 404


def test_where_approval_is_required_the_head_approves_and_never_the_recorder(client, world):
    """Leave approval (请假) is local practice a region may switch on (rules.md §1.9); the statutory
    written report of 戒毒条例 art 19(3) still comes first. The recorder cannot approve their own report."""
    world["t1"].absence_approval_required = True
    world["t1"].save()
    head = f.staff_user(world["work_station1"], username="ws1_head", role=Staff.Role.HEAD)
    person, episode = active_person(world)
    ws = world["work_station1_user"]
    post(client, ws, reverse("absence_report", args=[person.pk]), report_data())
    absence = Absence.objects.get()
    episode.refresh_from_db()
    assert (absence.status, episode.status) == ("pending", "active")
    assert not Obligation.objects.filter(kind="absence_back").exists()
    decide = open_task(episode, "decide")
    client.force_login(world["police1_user"])
    assert client.get(reverse("task_page", args=[decide.pk])).status_code == 404
    before = snapshot(episode)
    response = post(client, ws, reverse("task_page", args=[decide.pk]), {"approve": "1", "note": ""}, 200)
    assert any("不能审批自己录入" in m for m in messages_of(response))
    assert snapshot(episode) == before
    post(client, head, reverse("task_page", args=[decide.pk]), {"approve": "1", "note": "同意，按时销假"})
    absence.refresh_from_db()
    episode.refresh_from_db()
    assert (absence.status, absence.decided_by, absence.decided_on, absence.decision_note) == (
        "away",
        head,
        timezone.localdate(),
        "同意，按时销假",
    )
    assert episode.status == Episode.Status.OUT_OF_COUNTY
    assert Obligation.objects.get(kind="absence_back").due_by == timezone.localdate() + timedelta(days=6)
    # A decision recorded twice: the step is done, nothing changes.
    before = snapshot(episode)
    response = client.post(reverse("task_page", args=[decide.pk]), {"approve": "0"}, follow=True)
    assert "已经办结" in response.content.decode()
    assert snapshot(episode) == before


def test_a_refused_leave_leaves_the_episode_active(client, world):
    """Where approval is required, a refusal keeps the person under the measure at home (rules.md §1.9)."""
    world["t1"].absence_approval_required = True
    world["t1"].save()
    head = f.staff_user(world["work_station1"], username="ws1_head", role=Staff.Role.HEAD)
    person, episode = active_person(world)
    post(client, world["work_station1_user"], reverse("absence_report", args=[person.pk]), report_data())
    post(
        client,
        head,
        reverse("task_page", args=[open_task(episode, "decide").pk]),
        {"approve": "0", "note": "期间须检测"},
    )
    absence = Absence.objects.get()
    episode.refresh_from_db()
    assert (absence.status, episode.status) == ("refused", "active")
    assert not Obligation.objects.filter(kind="absence_back").exists()


def test_absence_list_query_count_is_flat(client, world):
    person, episode = active_person(world, days_ago=200)

    def count():
        client.get(reverse("person_breaches", args=[person.pk]))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("person_breaches", args=[person.pk]))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.force_login(world["police1_user"])
    small = count()
    for i in range(5):
        absence_unreported_record(
            actor=world["work_station1_user"],
            episode=episode,
            leaves_on=timezone.localdate() - timedelta(days=150 - i * 20),
            returned_on=timezone.localdate() - timedelta(days=145 - i * 20),
            destination=f"外地{i}",
        )
    assert count() == small == 11  # the open hand-over steps are one more query (lead)
