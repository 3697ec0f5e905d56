"""The admin is no back door: its person pages read through the same selectors."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from permissions.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_superuser_without_a_post_sees_no_person_in_the_admin(client, world, django_user_model):
    person = f.person_with_episode(world["c1"])
    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    changelist = client.get(reverse("admin:casework_person_changelist"))
    assert changelist.status_code == 200
    assert person.name not in changelist.content.decode()
    assert client.get(reverse("admin:casework_person_change", args=[person.pk])).status_code == 302
    assert client.get(reverse("admin:casework_episode_changelist")).context["cl"].result_count == 0


def test_staff_admin_lists_only_visible_persons(client, world):
    mine = f.person_with_episode(world["c1"])
    other = f.person_with_episode(world["c2"])
    user = world["work_station1_user"]
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_person", "change_person"]))
    client.force_login(user)
    body = client.get(reverse("admin:casework_person_changelist")).content.decode()
    assert mine.name in body
    assert other.name not in body
    assert mine.id_number not in body


def test_access_log_admin_cannot_change_or_delete(client, world, django_user_model):
    person = f.person_with_episode(world["c1"])
    row = AccessLog.objects.create(user=world["police1_user"], person=person, action="detail")
    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    assert client.post(
        reverse("admin:permissions_accesslog_delete", args=[row.pk]), {"post": "yes"}
    ).status_code in (
        302,
        403,
    )
    assert AccessLog.objects.filter(pk=row.pk).exists()
