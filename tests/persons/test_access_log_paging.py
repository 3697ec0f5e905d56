"""The access-log page pages through the newest rows only, up to ACCESS_LOG_PAGE_ROWS_MAX: its
count reads no more than that many rows (a county's log holds millions), it says where the list
stops, and a date still finds the older rows."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from permissions.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _log(world, person, n, start):
    AccessLog.objects.bulk_create(
        AccessLog(user=world["police1_user"], person=person, action="detail", at=start + timedelta(minutes=i))
        for i in range(n)
    )


def test_the_pages_stop_at_the_cap_and_say_so(client, world, settings):
    settings.ACCESS_LOG_PAGE_ROWS_MAX = 60
    person = f.person_with_episode(world["c1"])
    _log(world, person, 130, datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI))
    client.force_login(world["sup1_user"])
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("access_log"), {"person": person.pk})
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(")]
    assert len(counts) == 1 and "LIMIT 61" in counts[0]
    html = first.content.decode()
    assert "1 / 2+" in html and "更早的记录请按日期查询" not in html
    last = client.get(reverse("access_log"), {"person": person.pk, "page": 2})
    assert "2 / 2+" in last.content.decode()
    assert "此处列出最近的 60 条；更早的记录请按日期查询。" in last.content.decode()
    assert len(last.context["page"].object_list) == 10
    newest = AccessLog.objects.filter(person=person).order_by("-at", "-id")
    assert [r.pk for r in last.context["page"].object_list] == [r.pk for r in newest[50:60]]
    # Past the cap, the last page it holds.
    assert client.get(reverse("access_log"), {"person": person.pk, "page": 3}).context["page"].number == 2


def test_a_log_under_the_cap_is_counted_exactly_and_older_rows_are_found_by_date(client, world, settings):
    settings.ACCESS_LOG_PAGE_ROWS_MAX = 60
    person = f.person_with_episode(world["c1"])
    _log(world, person, 30, datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI))
    _log(world, person, 70, datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI))
    client.force_login(world["sup1_user"])
    by_day = client.get(reverse("access_log"), {"person": person.pk, "date": "2026-11-02"})
    assert by_day.context["page"].paginator.count == 30
    assert not by_day.context["page"].paginator.capped
    html = by_day.content.decode()
    assert "<span>1 / 1</span>" in html and "更早的记录请按日期查询" not in html
