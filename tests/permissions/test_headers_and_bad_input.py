"""Response headers for personal data, and hostile input that must not reach the database."""

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from permissions.models import AccessLog

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def test_a_username_longer_than_the_lockout_column_is_refused_before_it_is_written(client, world):
    """django-axes stores failed usernames in varchar(255): a longer one is bad input (400-class), not a 500."""
    response = client.post(reverse("login"), {"username": "a" * 300, "password": "whatever-pass"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["用户名最多 150 个字符。"]
    assert AccessAttempt.objects.count() == 0


def test_a_normal_failed_login_is_still_counted(client, world):
    client.post(reverse("login"), {"username": "nobody", "password": "whatever-pass"})
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("nobody", 1)]


def test_a_nul_byte_in_a_query_parameter_answers_400(client, world):
    client.force_login(world["sup1_user"])
    response = client.get(reverse("access_log"), {"user": "\x00"})
    assert response.status_code == 400
    assert client.get(reverse("access_log"), {"user": "sup1"}).status_code == 200


def test_a_nul_byte_in_a_posted_value_answers_400_and_saves_nothing(client, world):
    from tests import factories as f

    person = f.person_with_episode(world["c1"])
    client.force_login(world["work_station1_user"])
    before = AccessLog.objects.count()
    response = client.post(reverse("person_reveal", args=[person.pk]), {"reason": "核查\x00"})
    assert response.status_code == 400
    assert AccessLog.objects.count() == before


def test_a_month_that_overflows_answers_404(client, world):
    client.force_login(world["sup1_user"])
    url = f"/oversight/monthly-report/{world['t1'].pk}/2026-99999999999999999999.pdf"
    assert client.get(url).status_code == 404
    url = f"/oversight/monthly-report/{world['t1'].pk}/99999999999999999999-01.pdf"
    assert client.get(url).status_code == 404


def test_authenticated_pages_are_not_stored_and_carry_csp_and_permissions_policy(client, world):
    client.force_login(world["work_station1_user"])
    response = client.get(reverse("person_list"))
    assert response.status_code == 200
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"no-store", "private"}
    csp = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def test_the_login_page_carries_the_csp_too(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_template_carries_an_inline_script_or_event_handler():
    """The CSP forbids inline scripts; a template that relied on one would silently break."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if inline_script.search(path.read_text()) or handler.search(path.read_text())
    ]
    assert offenders == []
