"""Extended deadlines have an upper bound: Region.max_extension_days, 90 days by default.

No article bounds an extension (戒毒条例 art 14 gives the 15-day reporting period, art 19 the
written report for an absence); the bound is a local setting so a typo cannot park a person
outside every overdue list (rules.md §1.3 local settings)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from casework.models import Absence, Region
from casework.selectors import extension_latest
from tests.workflows.test_absences import day, report_data
from tests.workflows.test_breaches import active_person, post
from tests.workflows.test_intake_flow import open_task, register

pytestmark = pytest.mark.django_db


def test_the_default_bound_is_ninety_days_and_a_region_may_set_its_own(world):
    today = timezone.localdate()
    assert extension_latest(world["t1"]) == today + timedelta(days=90)
    Region.objects.filter(pk=world["county"].pk).update(max_extension_days=30)
    world["t1"].refresh_from_db()
    assert extension_latest(world["t1"]) == today + timedelta(days=30)


def test_a_refusal_check_cannot_move_the_reporting_deadline_to_2126(client, world):
    episode = register(client, world, served_days_ago=20)
    fire_due_timers()
    check = open_task(episode, "refusal_check")
    deadline_before = episode.report_deadline
    url = reverse("task_page", args=[check.pk])
    latest = timezone.localdate() + timedelta(days=90)
    for too_far in (date(2126, 1, 1), latest + timedelta(days=1)):
        response = client.post(
            url, {"legitimate_reason": "1", "reason": "住院治疗", "new_deadline": too_far.isoformat()}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["new_deadline"] == [
            f"延长后的日期最晚为 {latest.year}年{latest.month}月{latest.day}日（本地设置：自今天起最多 90 天）。"
        ]
    episode.refresh_from_db()
    assert episode.report_deadline == deadline_before
    response = client.post(
        url, {"legitimate_reason": "1", "reason": "住院治疗", "new_deadline": latest.isoformat()}
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.report_deadline == latest


def test_an_absence_cannot_be_extended_past_the_regions_bound(client, world):
    Region.objects.filter(pk=world["t1"].pk).update(max_extension_days=20)
    person, episode = active_person(world)
    ws = world["work_station1_user"]
    post(client, ws, reverse("absence_report", args=[person.pk]), report_data())
    absence = Absence.objects.get()
    url = reverse("absence_extend", args=[absence.pk])
    response = post(client, ws, url, {"extended_to": day(21), "note": "父亲住院"}, 200)
    latest = timezone.localdate() + timedelta(days=20)
    assert [str(m) for m in response.context["messages"]][-1] == (
        f"延长后的日期最晚为 {latest.year}年{latest.month}月{latest.day}日（本地设置：自今天起最多 20 天）。"
    )
    absence.refresh_from_db()
    assert absence.extended_to is None
    post(client, ws, url, {"extended_to": day(20), "note": "父亲住院"})
    absence.refresh_from_db()
    assert absence.extended_to == latest
