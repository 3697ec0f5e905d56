"""The person list: search by the full ID number, pinyin initials, the due/overdue/last-talk/risk
columns, sorting and the masked export."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from casework.models import Obligation, ObligationKind, Person, Talk
from casework.search_keys import id_number_key, name_initials
from permissions.models import AccessLog
from permissions.services import sync_person_grants
from tests import factories as f


def _obligation(person, kind, sequence, due_by, status=Obligation.Status.PENDING):
    episode = person.episodes.get()
    return Obligation.objects.create(
        episode=episode,
        person=person,
        kind=kind,
        sequence=sequence,
        programme_year=1,
        due_from=due_by - timedelta(days=20),
        due_by=due_by,
        township=episode.township,
        status=status,
    )


def _talk(person, user, held_on):
    return Talk.objects.create(
        episode=person.episodes.get(), person=person, held_on=held_on, staff=user, summary="谈话"
    )


def _names(response):
    return [p.name for p in response.context["page"].object_list]


def test_name_initials_take_every_reading_of_a_character():
    """Pinyin initials of each character; a surname with two readings (单 dan/shan) is stored both ways."""
    assert name_initials("张三") == "zs"
    assert {"sl", "dl"} <= set(name_initials("单丽").split())
    assert "ayx" in name_initials("阿依X").split()


def test_person_saved_or_bulk_created_carries_its_search_keys(world):
    person = f.person_with_episode(world["c1"])
    assert person.id_number_key == id_number_key(person.id_number)
    assert len(person.id_number_key) == 64 and person.id_number not in person.id_number_key
    person.name = "王小明"
    person.save(update_fields=["name"])
    person.refresh_from_db()
    assert "wxm" in person.name_initials.split()
    clone = Person(**{**{k: getattr(person, k) for k in ("sex", "birth_date", "household_address")}})
    clone.name, clone.id_number = "李四", "11010519491231002X"
    clone.household_region = clone.residence_region = clone.region = world["c1"]
    Person.objects.bulk_create([clone])
    stored = Person.objects.get(id_number="11010519491231002X")
    assert stored.name_initials == "ls" and stored.id_number_key == id_number_key("11010519491231002x")


def test_full_id_number_with_spaces_and_lower_case_x_finds_the_person_without_echoing_it(client, world):
    """The number off the decision document, typed with spaces and a lower-case x, finds the one
    person; the page and its address show the number only masked."""
    person = f.person_with_episode(world["c1"])
    f.person_with_episode(world["c1"])
    person.id_number = "11010519491231002X"
    person.save()
    client.force_login(world["police1_user"])
    typed = "110105 19491231 002x"
    response = client.get(reverse("person_list"), {"q": typed})
    assert response.status_code == 302
    assert "1949" not in response["Location"] and "idk=" in response["Location"]
    page = client.get(response["Location"])
    assert _names(page) == [person.name]
    html = page.content.decode()
    assert "11010519491231002X" not in html and "110105********002X" in html
    assert page.context["form"]["q"].value() in (None, "")


def test_full_id_number_of_a_person_out_of_view_answers_like_a_missing_one(client, world):
    """Another township's person: the same empty list as a number nobody has."""
    other = f.person_with_episode(world["c2"])
    client.force_login(world["work_station1_user"])
    hidden = client.get(client.get(reverse("person_list"), {"q": other.id_number})["Location"])
    assert _names(hidden) == []
    missing = client.get(client.get(reverse("person_list"), {"q": "110105194912310029"})["Location"])
    assert _names(missing) == []
    assert hidden.content.decode().count("没有符合条件的人员") == 1
    assert missing.content.decode().count("没有符合条件的人员") == 1


def test_a_number_with_a_wrong_check_digit_is_refused_with_its_reason(client, world):
    f.person_with_episode(world["c1"])
    client.force_login(world["work_station1_user"])
    response = client.get(reverse("person_list"), {"q": "110105194912310021"}, follow=True)
    assert "公民身份号码校验码错误，请核对。" in response.content.decode()
    assert _names(response) == []
    assert "110105194912310021" not in response.content.decode()


def test_pinyin_initials_find_the_name_and_one_letter_is_refused(client, world):
    zhang = f.person_with_episode(world["c1"])
    li = f.person_with_episode(world["c1"])
    Person.objects.filter(pk=zhang.pk).update(name="张三", name_initials=name_initials("张三"))
    Person.objects.filter(pk=li.pk).update(name="李四", name_initials=name_initials("李四"))
    client.force_login(world["work_station1_user"])
    assert _names(client.get(reverse("person_list"), {"q": "ZS"})) == ["张三"]
    assert _names(client.get(reverse("person_list"), {"q": "s"})) == []
    one = client.get(reverse("person_list"), {"q": "z"})
    assert "拼音首字母请至少输入两个字母" in one.content.decode()
    assert _names(one) == []
    assert _names(client.get(reverse("person_list"), {"q": "李"})) == ["李四"]


def test_columns_count_only_what_the_viewer_may_read(client, world):
    """Next due, overdue count and last talk per row; civil affairs, who reads neither drug tests
    nor talks (the default matrix), sees the file's own duties only."""
    person = f.person_with_episode(world["c1"])
    f.add_member(person, world["civil_affairs1_user"], "civil_affairs")
    today = date.today()
    _obligation(person, ObligationKind.DRUG_TEST, 1, today - timedelta(days=3), Obligation.Status.OVERDUE)
    _obligation(person, ObligationKind.TALK, 1, today - timedelta(days=1), Obligation.Status.OVERDUE)
    _obligation(person, ObligationKind.CLOSING_FILE, 1, today + timedelta(days=30))
    _talk(person, world["sw1_user"], today - timedelta(days=40))
    _talk(person, world["sw1_user"], today - timedelta(days=10))
    client.force_login(world["work_station1_user"])
    row = client.get(reverse("person_list")).context["page"].object_list[0]
    assert (row.next_due, row.next_due_kind, row.overdue_count) == (
        today - timedelta(days=3),
        ObligationKind.DRUG_TEST,
        2,
    )
    assert row.last_contact == today - timedelta(days=10)
    client.force_login(world["civil_affairs1_user"])
    row = client.get(reverse("person_list")).context["page"].object_list[0]
    assert (row.next_due, row.overdue_count, row.last_contact) == (today + timedelta(days=30), 0, None)


def test_sorts_put_the_most_urgent_first(client, world):
    a, b, c = (f.person_with_episode(world["c1"]) for _ in range(3))
    today = date.today()
    _obligation(b, ObligationKind.TALK, 1, today - timedelta(days=5), Obligation.Status.OVERDUE)
    _obligation(c, ObligationKind.TALK, 1, today + timedelta(days=5))
    Person.objects.filter(pk=c.pk).update(risk_level=Person.Risk.HIGH)
    Person.objects.filter(pk=a.pk).update(risk_level=Person.Risk.LOW)
    _talk(a, world["sw1_user"], today - timedelta(days=2))
    client.force_login(world["work_station1_user"])

    def order(sort):
        return [p.pk for p in client.get(reverse("person_list"), {"sort": sort}).context["page"].object_list]

    assert order("overdue")[0] == b.pk
    assert order("next_due")[:2] == [b.pk, c.pk]
    assert order("risk") == [c.pk, b.pk, a.pk]
    assert order("last_contact")[-1] == a.pk
    assert client.get(reverse("person_list"), {"sort": "drop table"}).status_code == 200


def test_export_is_masked_and_writes_one_access_log_row_per_person(client, world):
    persons = [f.person_with_episode(world["c1"]) for _ in range(3)]
    client.force_login(world["work_station1_user"])
    before = AccessLog.objects.count()
    response = client.get(reverse("person_export"))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    for p in persons:
        assert p.id_number not in values and p.id_number_masked in values
    logged = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=world["work_station1_user"])
    assert AccessLog.objects.count() - before == 3
    assert sorted(logged.values_list("person_id", flat=True)) == sorted(p.pk for p in persons)


def _count(client, url, params):
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _build(world, n):
    persons = [f.person_with_episode(world["c1"], sync=False) for _ in range(n)]
    sync_person_grants([p.pk for p in persons])
    today = date.today()
    for i, p in enumerate(persons):
        _obligation(p, ObligationKind.TALK, 1, today - timedelta(days=i % 7), Obligation.Status.OVERDUE)
        _talk(p, world["sw1_user"], today - timedelta(days=i))
    return persons


@pytest.mark.parametrize(
    ("username", "expected"), [("work_station1_user", 6), ("police1_user", 6), ("sup1_user", 7)]
)
@pytest.mark.parametrize(
    "params", [{"q": "rY"}, {"q": "人员", "sort": "overdue"}, {"sort": "last_contact", "page": "2"}]
)
def test_search_and_sorted_list_query_counts_are_flat(client, world, username, expected, params):
    """session, user, staff post, count, community choices, the page with its columns (in the
    name sort, the page's rows, then their due items and last talks); a supervisor also reads the
    matrix. A police station's choices span its county, found from its region's path without a
    query. For 3 persons and for 40."""
    client.force_login(world[username])
    _build(world, 3)
    small = _count(client, reverse("person_list"), params)
    _build(world, 40)
    large = _count(client, reverse("person_list"), params)
    by_name = params.get("sort", "name") == "name"
    assert small == large == expected + (2 if by_name else 0)


def test_full_id_search_query_count_is_flat(client, world):
    persons = _build(world, 3)
    client.force_login(world["work_station1_user"])
    params = {"idk": id_number_key(persons[0].id_number)}
    small = _count(client, reverse("person_list"), params)
    _build(world, 40)
    assert _count(client, reverse("person_list"), params) == small == 8


def test_export_query_count_is_flat(client, world):
    client.force_login(world["work_station1_user"])
    _build(world, 3)
    small = _count(client, reverse("person_export"), {})
    _build(world, 40)
    # session, user, staff post, rows with their columns, access-log insert
    assert _count(client, reverse("person_export"), {}) == small == 5
