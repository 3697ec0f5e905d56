"""The township check's deadline (the region setting `check_days`, 30 days by default) fires a
timer on the same sweep as intake's (`fire_due_timers`, what `manage.py workflow_timers` and the
Celery beat entry run). Seed text 第三篇 四(一): the township 禁毒办 checks and names 镇级, the
county 禁毒办 names 县级 from among them; so a check left open is brought to the county over the
township, and the check stays the township's to do."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers

from casework.models import Agency, Staff
from drugfree import services
from drugfree.models import Application, ProgrammeSettings
from notifications.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def apply(w, key="c1", on=date(2026, 3, 1)):
    return services.application_submit(
        actor=w[f"committee_{key}"],
        community=w[key],
        year=on.year,
        statement="本村无吸贩毒人员",
        applied_on=on,
    )


def escalations():
    return Notification.objects.filter(kind=Notification.Kind.TITLE_CHECK)


def at_noon(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=12))


def test_an_open_check_past_its_deadline_escalates_once_to_the_county_over_its_township(programme):
    w = programme
    # Another county with its own 禁毒办: it must not hear of this township's check.
    other = f.region_tree("329999", townships=1, communities=1)
    other_user = f.staff_user(f.agency(Agency.Kind.DRUG_CONTROL, other["county"]), role=Staff.Role.HEAD)
    late = apply(w, "c1", on=date(2026, 3, 1))  # due 2026-03-31, long past
    waiting = apply(w, "c2", on=date(2026, 3, 1))

    assert fire_due_timers() == 2
    assert fire_due_timers() == 0  # a second sweep changes nothing

    late.refresh_from_db()
    assert late.check_escalated_on == timezone.localdate()
    messages = escalations()
    assert messages.count() == 2  # one a check, both to the one county office, on the same day
    assert set(messages.values_list("user", flat=True)) == {w["county_sup_user"].pk}
    assert other_user.notifications.count() == 0
    assert w["sup1_user"].notifications.count() == 0
    texts = sorted(messages.values_list("text", flat=True))
    assert any(w["c1"].name in t and "2026-03-31" in t for t in texts)
    assert any(w["c2"].name in t for t in texts)
    assert Notification.objects.exclude(kind=Notification.Kind.TITLE_CHECK).count() == 0

    # Escalation informs: the township still checks, and the flow goes on to the county.
    assert services.open_step(late).flow_task.name == "check"
    services.application_check(actor=w["sup1_user"], application=late, name=True, note="达标")
    late.refresh_from_db()
    assert late.status == Application.Status.TOWN
    assert services.open_step(late).flow_task.name == "county"
    assert fire_due_timers() == 0
    assert escalations().count() == 2

    # A rejection after the escalation ends the flow as it would have without it.
    services.application_check(actor=w["sup2_user"], application=waiting, name=False, note="发现吸毒人员")
    waiting.refresh_from_db()
    assert waiting.status == Application.Status.REJECTED
    assert services.open_step(waiting) is None
    assert Task.objects.filter(process__artifact_object_id=waiting.pk, finished__isnull=True).count() == 0


def test_the_timer_waits_for_the_end_of_the_last_day_set_by_the_region(programme):
    w = programme
    ProgrammeSettings.objects.create(region=w["county"], check_days=10)
    applied = timezone.localdate()
    application = apply(w, "c1", on=applied)
    assert application.check_due == applied + timedelta(days=10)

    with time_machine.travel(at_noon(application.check_due), tick=False):  # the last day
        assert fire_due_timers() == 0
    assert escalations().count() == 0
    with time_machine.travel(at_noon(application.check_due + timedelta(days=1)), tick=False):
        assert fire_due_timers() == 1
        assert fire_due_timers() == 0
    assert list(escalations().values_list("user", flat=True)) == [w["county_sup_user"].pk]


def test_a_check_done_in_time_never_escalates(programme):
    w = programme
    application = apply(w, "c1", on=timezone.localdate())
    services.application_check(actor=w["sup1_user"], application=application, name=True, note="达标")

    timer = Task.objects.get(process__artifact_object_id=application.pk, flow_task_type="TIMER")
    assert timer.status == STATUS.CANCELED
    with time_machine.travel(at_noon(application.check_due + timedelta(days=60)), tick=False):
        assert fire_due_timers() == 0
    application.refresh_from_db()
    assert application.check_escalated_on is None
    assert escalations().count() == 0
    assert services.open_step(application).flow_task.name == "county"


def test_the_county_sees_the_overdue_check_on_its_titles_page(client, programme):
    w = programme
    apply(w, "c1", on=date(2026, 3, 1))
    on_time = apply(w, "c2", on=timezone.localdate())
    fire_due_timers()

    client.force_login(w["county_sup_user"])
    page = client.get(reverse("drugfree_titles")).content.decode()
    assert page.count("审核逾期（期限 2026-03-31）") == 1
    assert f"审核逾期（期限 {on_time.check_due:%Y-%m-%d}）" not in page
