"""The idle-logout warning's inputs and its keep-alive, and the phone order of the person's file."""

import time

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_page_tells_the_script_the_idle_time_left(client, world, settings):
    """Warned two minutes before the 30-minute idle logout: the page says 29 minutes left (the
    session may have been saved a minute earlier)."""
    client.force_login(world["work_station1_user"])
    body = client.get(reverse("person_list")).content.decode()
    assert f'data-idle-seconds="{settings.SESSION_COOKIE_AGE - 60}"' in body
    assert f'data-user="{world["work_station1_user"].pk}"' in body
    assert "js/session.js" in body and "data-logout" in body


def test_keep_alive_slides_the_idle_limit(client, world, settings):
    client.force_login(world["work_station1_user"])
    client.get(reverse("person_list"))
    session = client.session
    session["touched_at"] = time.time() - 25 * 60
    session.save()
    response = client.get(reverse("session_alive"))
    assert response.json() == {"idle_seconds": settings.SESSION_COOKIE_AGE}
    assert time.time() - client.session["touched_at"] < 5


def test_keep_alive_does_not_revive_an_anonymous_visitor(client):
    response = client.get(reverse("session_alive"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_login_page_carries_no_user_and_no_session_script(client):
    body = client.get(reverse("login")).content.decode()
    assert "data-user=" not in body and "session.js" not in body


def test_the_persons_due_items_are_inside_the_file_container_the_phone_reorders(client, world):
    person = f.person_with_episode(world["c1"])
    client.force_login(world["work_station1_user"])
    body = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    start = body.index('<div class="person-file">')
    assert start < body.index('id="due"') < body.index("</main>")
