"""The admin is no back door: viewflow's flow tables are not in it, and every staff post given,
changed or removed there is recorded with who did it (perf-security.md, audit of privilege changes)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from viewflow.workflow.models import Process, Task

from casework.models import Staff, StaffPostEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(user)
    return user


def test_viewflows_process_and_task_admin_are_not_registered(client, root):
    assert not admin.site.is_registered(Process)
    assert not admin.site.is_registered(Task)
    assert client.get("/admin/viewflow/process/").status_code == 404
    assert client.get("/admin/viewflow/task/").status_code == 404
    assert client.get("/admin/workflow/process/").status_code == 404


def test_a_superuser_giving_itself_a_post_is_recorded_by_name(client, root, world):
    agency = world["work_station1"]
    response = client.post(
        reverse("admin:casework_staff_add"),
        {"user": root.pk, "agency": agency.pk, "role": "head", "phone": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = StaffPostEvent.objects.get()
    assert (event.actor, event.staff_user, event.action) == (root, root, "created")
    assert event.message == f"root为root设立岗位：{agency.name} · 负责人"
    assert root.groups.filter(pk=agency.group_id).exists()


def test_changing_and_removing_a_post_are_recorded(client, root, world):
    user = world["work_station1_user"]
    staff = Staff.objects.get(user=user)
    other = world["work_station2"]
    response = client.post(
        reverse("admin:casework_staff_change", args=[staff.pk]),
        {"user": user.pk, "agency": other.pk, "role": "member", "phone": ""},
    )
    assert response.status_code == 302
    response = client.post(reverse("admin:casework_staff_delete", args=[staff.pk]), {"post": "yes"})
    assert response.status_code == 302
    events = list(StaffPostEvent.objects.order_by("id").values_list("actor__username", "action", "message"))
    assert events == [
        (
            "root",
            "changed",
            f"root为work_station1变更岗位：{world['work_station1'].name} · 工作人员 → {other.name} · 工作人员",
        ),
        ("root", "deleted", f"root为work_station1撤销岗位：{other.name} · 工作人员"),
    ]
    assert not user.groups.filter(pk__in=[world["work_station1"].group_id, other.group_id]).exists()


def test_the_post_events_cannot_be_changed_or_deleted_in_the_admin(client, root, world):
    client.post(
        reverse("admin:casework_staff_add"),
        {"user": root.pk, "agency": world["police1"].pk, "role": "officer", "phone": ""},
    )
    event = StaffPostEvent.objects.get()
    assert client.get(reverse("admin:casework_staffpostevent_changelist")).status_code == 200
    assert (
        client.post(
            reverse("admin:casework_staffpostevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    with pytest.raises(PermissionError):
        event.delete()
    assert StaffPostEvent.objects.count() == 1
