"""Every page needs a login; list and detail cost a fixed number of queries whatever the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from permissions.services import sync_person_grants
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", []),
    ("person_list", []),
    ("person_register", []),
    ("person_detail", [1]),
    ("person_edit", [1]),
    ("person_reveal", [1]),
    ("person_records", [1]),
    ("my_tasks", []),
    ("task_page", [1]),
    ("drug_test_new", [1]),
    ("talk_new", [1]),
    ("obligation_excuse", [1]),
    ("person_access", [1]),
    ("episode_add", [1]),
    ("access_log", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_users_are_sent_to_login(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_and_language_switch_are_open(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_lockout_after_five_failures(client, world):
    user = world["police1_user"]
    for _ in range(5):
        client.post(reverse("login"), {"username": user.username, "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_real_login_reaches_the_person_list(client, world):
    response = client.post(reverse("login"), {"username": "police1", "password": f.PASSWORD}, follow=True)
    assert response.status_code == 200
    assert client.get(reverse("person_list")).status_code == 200


def build(world, n):
    persons = [f.person_with_episode(world["c1"], sync=False) for _ in range(n)]
    sync_person_grants([p.pk for p in persons])
    for p in persons:
        f.add_member(p, world["civil_affairs1_user"], "civil_affairs")
        f.add_member(p, world["sw1_user"], "community")
    return persons


def count_queries(client, url):
    client.get(url)  # warm up: content-type cache, the once-a-minute session touch
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("work_station1_user", 8),
        ("sw1_user", 8),
        # The county's communities for a police station, found from its region's path.
        ("police1_user", 8),
        ("civil_affairs1_user", 8),
        ("sup1_user", 9),
        ("county_sup_user", 9),
    ],
)
def test_person_list_query_count_is_flat(client, world, username, expected):
    client.force_login(world[username])
    build(world, 5)
    small = count_queries(client, reverse("person_list"))
    build(world, 60)
    large = count_queries(client, reverse("person_list") + "?q=人员&page=2")
    # session, user, staff post (with "holds grants?"), count, community choices, the page's rows,
    # their open due items and their last talks (persons.selectors.figures_attach); a supervisor
    # also reads the matrix, for which record types the region gives them
    assert small == large == expected


def test_person_detail_query_count_is_flat(client, world):
    client.force_login(world["work_station1_user"])
    few = build(world, 1)[0]
    small = count_queries(client, reverse("person_detail", args=[few.pk]))
    many = build(world, 1)[0]
    for i in range(30):
        f.add_member(
            many, world[["police1_user", "judicial1_user", "human_resources1_user"][i % 3]], "police"
        )
    large = count_queries(client, reverse("person_detail", args=[many.pk]))
    # session, user, staff post, person, grants on the person, access-log insert, episodes,
    # team, events, family, open flow steps, due obligations
    assert small == large == 12


def test_access_tab_query_count_is_flat(client, world):
    client.force_login(world["sup1_user"])
    few = build(world, 1)[0]
    small = count_queries(client, reverse("person_access", args=[few.pk]))
    many = build(world, 1)[0]
    for _i in range(20):
        f.add_member(many, f.staff_user(world["police1"]), "police")
    large = count_queries(client, reverse("person_access", args=[many.pk]))
    assert small == large


def test_session_ends_twelve_hours_after_login_however_active(client, world):
    client.force_login(world["police1_user"])
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["login_at"] -= 12 * 60 * 60 + 1
    session.save()
    response = client.get(reverse("person_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_idle_limit_is_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
