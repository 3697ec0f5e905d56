"""The person list's pages: by cursor in name order (whole list, no row twice, none missed, forward
and back, with filters), by number in the other sorts, and the count: exact for a small scope,
PostgreSQL's estimate ("约 N 人") for a large one."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from casework.models import Person
from permissions import selectors
from permissions.services import sync_person_grants
from persons.views import PAGE_SIZE
from tests import factories as f

pytestmark = pytest.mark.django_db


def _persons(world, n, community="c1"):
    persons = [f.person_with_episode(world[community], sync=False) for _ in range(n)]
    sync_person_grants([p.pk for p in persons])
    return persons


def _same_names(persons, every=3):
    """Ties on the name: every third person shares one name, so the id must order them."""
    for i, person in enumerate(persons):
        if i % every == 0:
            Person.objects.filter(pk=person.pk).update(name="同名人员")


def _walk(client, params, key="after"):
    """Follow the list's next (or previous) links from its first (or given) page; return the ids
    page by page."""
    pages = []
    response = client.get(reverse("person_list"), params)
    while True:
        assert response.status_code == 200
        page = response.context["page"]
        pages.append([p.pk for p in page.object_list])
        more = page.has_next if key == "after" else page.has_previous
        if not more:
            return pages, response
        cursor = page.after if key == "after" else page.before
        link = f"{key}={cursor}"
        assert link in response.content.decode()
        response = client.get(reverse("person_list"), {**params, key: cursor})


@pytest.mark.parametrize("username", ["sup1_user", "county_sup_user", "work_station1_user"])
def test_cursor_pages_walk_the_whole_list_once_in_order(client, world, username):
    persons = _persons(world, 2 * PAGE_SIZE + 7) + _persons(world, 12, community="c1b")
    persons += _persons(world, 9, community="c2")
    _same_names(persons)
    user = world[username]
    client.force_login(user)
    expected = list(selectors.visible_persons(user).order_by("name", "pk").values_list("pk", flat=True))
    assert len(expected) > 2 * PAGE_SIZE

    pages, last = _walk(client, {})
    walked = [pk for page in pages for pk in page]
    assert walked == expected
    assert all(len(page) == PAGE_SIZE for page in pages[:-1]) and 0 < len(pages[-1]) <= PAGE_SIZE

    # Back from the last page by the previous links: the same pages, in reverse.
    back = [pages[-1]]
    response = last
    while response.context["page"].has_previous:
        response = client.get(reverse("person_list"), {"before": response.context["page"].before})
        back.append([p.pk for p in response.context["page"].object_list])
    assert [pk for page in reversed(back) for pk in page] == expected


def test_cursor_pages_keep_the_search_and_filters(client, world):
    persons = _persons(world, 2 * PAGE_SIZE + 3) + _persons(world, PAGE_SIZE, community="c1b")
    _same_names(persons, every=2)
    client.force_login(world["sup1_user"])
    params = {"region": world["c1"].pk, "q": "人员"}
    pages, _ = _walk(client, params)
    in_c1 = (
        selectors.visible_persons(world["sup1_user"])
        .filter(region=world["c1"], name__contains="人员")
        .order_by("name", "pk")
        .values_list("pk", flat=True)
    )
    assert [pk for page in pages for pk in page] == list(in_c1)
    assert len(pages) == 3


def test_a_cursor_outside_the_users_view_or_malformed_answers_safely(client, world):
    _persons(world, 5)
    hidden = _persons(world, 1, community="c2")[0]
    client.force_login(world["sup1_user"])
    # A person of another township as the cursor: an empty page, nothing about where they sort.
    response = client.get(reverse("person_list"), {"after": hidden.pk})
    assert response.status_code == 200 and response.context["page"].object_list == []
    for bad in ("x", "-3", "1e9", "'; drop table"):
        response = client.get(reverse("person_list"), {"after": bad, "before": bad})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 5


def test_numbered_pages_in_a_sort_by_figures(client, world):
    persons = _persons(world, PAGE_SIZE + 4)
    client.force_login(world["work_station1_user"])
    first = client.get(reverse("person_list"), {"sort": "risk"})
    second = client.get(reverse("person_list"), {"sort": "risk", "page": "2"})
    ids = [p.pk for response in (first, second) for p in response.context["page"].object_list]
    assert sorted(ids) == sorted(p.pk for p in persons) and len(set(ids)) == len(ids)
    assert "第 1 / 2 页" in first.content.decode() and "page=2" in first.content.decode()
    assert not second.context["page"].has_next and "page=1" in second.content.decode()


@override_settings(PERSON_LIST_EXACT_COUNT_MAX=20)
def test_a_large_scope_shows_an_estimated_count_a_small_one_the_exact_count(client, world):
    _persons(world, 60)
    _persons(world, 7, community="c2")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE casework_person")
    client.force_login(world["sup1_user"])
    large = client.get(reverse("person_list"))
    page = large.context["page"]
    if connection.vendor == "postgresql":
        assert page.count_estimated
        # The planner's figure for township 1's persons, not a count: above the exact limit.
        assert page.count > 20
        assert re.search(r"约 \d+ 人", large.content.decode())
    else:
        assert not page.count_estimated and page.count == 60
        assert "共 60 人" in large.content.decode()
    client.force_login(world["sup2_user"])
    small = client.get(reverse("person_list"))
    assert not small.context["page"].count_estimated and small.context["page"].count == 7
    assert "共 7 人" in small.content.decode()
