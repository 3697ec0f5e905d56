"""Chinese wherever a person reads: record types by their names, people by name not login, the
access log searched by name or the ID number's last four characters, 请选择 for an empty choice,
the lockout pages of the admin in Chinese."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from casework.models import Person
from permissions.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_access_log_names_people_and_record_types_and_is_searched_by_name_or_id_tail(client, world):
    officer = world["police1_user"]
    User.objects.filter(pk=officer.pk).update(last_name="吴", first_name="林")
    wang, li = f.person_with_episode(world["c1"]), f.person_with_episode(world["c1"])
    Person.objects.filter(pk=wang.pk).update(name="王小明")
    Person.objects.filter(pk=li.pk).update(name="李大华")
    AccessLog.objects.create(user=officer, person=wang, action="detail", record_types="drugtest,training")
    AccessLog.objects.create(user=officer, person=li, action="detail", record_types="identity,agreement")
    client.force_login(world["sup1_user"])
    html = client.get(reverse("access_log")).content.decode()
    assert "检测记录、培训就业" in html and "基本信息、协议" in html
    assert "drugtest" not in html and "training" not in html
    assert "吴林" in html and ">police1<" not in html
    by_name = client.get(reverse("access_log"), {"q": "小明"}).context["page"].object_list
    assert [r.person_id for r in by_name] == [wang.pk]
    by_tail = client.get(reverse("access_log"), {"q": li.id_number[-4:]}).context["page"].object_list
    assert [r.person_id for r in by_tail] == [li.pk]
    by_staff = client.get(reverse("access_log"), {"user": "吴林"}).context["page"].paginator.count
    assert by_staff == 2


def test_who_can_see_names_record_types_in_chinese_and_people_by_name(client, world):
    person = f.person_with_episode(world["c1"])
    User.objects.filter(pk=world["sw1_user"].pk).update(last_name="史", first_name="飞亮")
    f.add_member(person, world["sw1_user"], "community")
    client.force_login(world["sup1_user"])  # the tab is the supervisor's
    html = client.get(reverse("person_access", args=[person.pk])).content.decode()
    assert "史飞亮" in html and "（sw1）" not in html
    assert "检测记录" in html and "drugtest" not in html and "legalaid" not in html


def test_an_empty_choice_reads_please_choose(client, world):
    client.force_login(world["work_station1_user"])
    html = client.get(reverse("person_register")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>请选择</option>' in html


def test_the_admins_lockout_pages_are_chinese(client):
    admin = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(admin)
    html = client.get(reverse("admin:index")).content.decode()
    assert "登录尝试" in html and "登录安全" in html
    assert "Access attempts" not in html and "Axes" not in html


def test_the_access_log_by_date_holds_that_local_day_only(client, world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    person = f.person_with_episode(world["c1"])
    officer = world["police1_user"]
    late = AccessLog.objects.create(
        user=officer, person=person, action="detail", at=datetime(2026, 12, 2, 23, 30, tzinfo=shanghai)
    )
    early = AccessLog.objects.create(
        user=officer, person=person, action="detail", at=datetime(2026, 12, 3, 0, 30, tzinfo=shanghai)
    )
    client.force_login(world["sup1_user"])
    by_day = client.get(reverse("access_log"), {"date": "2026-12-03"}).context["page"].object_list
    assert [r.pk for r in by_day] == [early.pk]
    by_day = client.get(reverse("access_log"), {"date": "2026-12-02"}).context["page"].object_list
    assert [r.pk for r in by_day] == [late.pk]


def test_the_access_log_refuses_a_date_it_cannot_search_with_a_message(client, world):
    client.force_login(world["sup1_user"])
    for day in ("9999-12-31", "0001-01-01"):
        page = client.get(reverse("access_log"), {"date": day})
        assert page.status_code == 200
        assert "日期超出可查询的范围。" in page.content.decode()
        assert list(page.context["page"].object_list) == []
