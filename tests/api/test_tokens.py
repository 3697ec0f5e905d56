"""API tokens: made from the browser session and shown once, stored hashed, named in the access
log, ending on expiry or revocation (by the user or an administrator), and throttled."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from tests import factories as f
from tests.api.conftest import token_client, token_for

pytestmark = pytest.mark.django_db


def _call(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get(reverse("api:person-list"))


def test_the_settings_page_makes_a_token_shown_once_and_stored_only_as_a_hash(client, world):
    client.force_login(world["police1_user"])
    page = client.post(reverse("api_tokens"), {"name": "公安对接", "days": 30})
    assert page.status_code == 200
    secret = page.context["shown"]
    assert secret.startswith("cw_") and secret in page.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.user) == ("公安对接", world["police1_user"])
    assert secret not in (token.digest, token.token_key) and len(token.digest) == 128
    assert timedelta(days=29) < token.expiry - timezone.now() <= timedelta(days=30)
    again = client.get(reverse("api_tokens")).content.decode()
    assert "公安对接" in again and secret not in again
    assert _call(secret).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_is_made_through_the_api_from_a_session_but_never_by_another_token(world):
    session = APIClient()
    session.force_login(world["police1_user"])
    made = session.post(reverse("api:token-list"), {"name": "外勤App", "days": 7}, format="json")
    assert made.status_code == 201
    assert _call(made.json()["token"]).status_code == 200
    by_token = token_client(world["police1_user"]).post(
        reverse("api:token-list"), {"name": "再来一个"}, format="json"
    )
    assert by_token.status_code == 403
    assert ApiToken.objects.filter(name="再来一个").count() == 0
    listed = session.get(reverse("api:token-list")).json()
    assert "token" not in listed[0] and {t["name"] for t in listed} == {"外勤App"}


def test_a_revoked_token_answers_401_on_its_next_request(world):
    secret = token_for(world["police1_user"], "公安对接")
    assert _call(secret).status_code == 200
    key = ApiToken.objects.get().token_key
    other_user = APIClient()
    other_user.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world['police2_user'])}")
    assert other_user.delete(reverse("api:token-revoke", args=[key])).status_code == 404
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert owner.delete(reverse("api:token-revoke", args=[key])).status_code == 204
    refused = _call(secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == {
        "status": 401,
        "code": "authentication_failed",
        "message": "令牌无效、已过期或已撤销。",
        "fields": {},
    }


def test_an_administrator_revokes_a_token_in_the_admin(client, world):
    secret = token_for(world["police1_user"], "公安对接")
    token = ApiToken.objects.get()
    admin = User.objects.create_superuser("root", password=f.PASSWORD)
    client.force_login(admin)
    listing = client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert "公安对接" in listing and secret not in listing
    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "delete_selected", "_selected_action": [token.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert _call(secret).status_code == 401


def test_an_expired_token_and_malformed_headers_answer_401(world):
    secret = token_for(world["police1_user"], days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert _call(secret).status_code == 401
    assert not ApiToken.objects.exists()  # knox removes a token once it is found expired
    for header in ("Token nonsense\x7f", "Token " + "é" * 20, "Token a b", "Token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get(reverse("api:person-list")).status_code == 401, header


def test_each_token_and_each_user_is_throttled_in_the_error_shape(world):
    with override_settings(API_THROTTLE_RATES={"token": "3/min", "user": "6/min"}):
        first = token_client(world["police1_user"], "甲")
        assert [first.get(reverse("api:person-list")).status_code for _ in range(4)] == [200, 200, 200, 429]
        throttled = first.get(reverse("api:person-list"))
        assert throttled.json()["error"]["code"] == "throttled"
        assert int(throttled["Retry-After"]) > 0
        # A second token of the same user has its own 3, until the user's 6 are spent (the
        # first token's refused calls count for the user too).
        second = token_client(world["police1_user"], "乙")
        assert [second.get(reverse("api:person-list")).status_code for _ in range(2)] == [200, 429]
        # Another user is not held back by the first one's calls.
        assert token_client(world["police2_user"]).get(reverse("api:person-list")).status_code == 200


@pytest.mark.parametrize(
    "data",
    [{"name": "", "days": 30}, {"name": "x", "days": 0}, {"name": "x", "days": 400}, {"name": "x" * 61}],
)
def test_the_settings_page_refuses_bad_input_and_makes_no_token(client, world, data):
    client.force_login(world["police1_user"])
    page = client.post(reverse("api_tokens"), data)
    assert page.status_code == 200 and page.context["shown"] is None
    assert "请更正下列标红的内容" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_on_the_settings_page_ends_the_token_and_only_ones_own(client, world):
    secret = token_for(world["police1_user"], "公安对接")
    key = ApiToken.objects.get().token_key
    client.force_login(world["police2_user"])
    client.post(reverse("api_token_revoke", args=[key]))
    assert _call(secret).status_code == 200
    client.force_login(world["police1_user"])
    assert client.post(reverse("api_token_revoke", args=[key])).status_code == 302
    assert _call(secret).status_code == 401


def test_every_call_with_a_token_is_logged_with_its_name_even_one_that_reads_no_person(world):
    from permissions.models import AccessLog

    client = token_client(world["police1_user"], "公安对接")
    assert client.get(reverse("api:my-tasks")).status_code == 200
    row = AccessLog.objects.get()
    assert (row.user, row.person_id, row.action, row.token_name, row.path, row.reason) == (
        world["police1_user"],
        None,
        AccessLog.Action.API_CALL,
        "公安对接",
        reverse("api:my-tasks"),
        "GET 200",
    )
    # A refused call is a use of the token too.
    assert client.get(reverse("api:person-detail", args=[999999])).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.API_CALL, reason="GET 404").count() == 1
    # A call that reads persons writes their rows and no second row of its own.
    f.person_with_episode(world["c1"])
    before = AccessLog.objects.count()
    listed = client.get(reverse("api:person-list"))
    assert listed.status_code == 200
    new = list(AccessLog.objects.order_by("id")[before:])
    assert len(new) == len(listed.json()["results"]) >= 1
    assert all(r.action == AccessLog.Action.LIST and r.token_name == "公安对接" for r in new)
    # A browser session's call that reads no person is not a token's use: no row.
    session = APIClient()
    session.force_login(world["police2_user"])
    before = AccessLog.objects.count()
    assert session.get(reverse("api:my-tasks")).status_code == 200
    assert AccessLog.objects.count() == before


def test_a_supervisor_audits_the_token_calls_of_staff_in_their_region_only(client, world):
    token_client(world["police1_user"], "公安对接").get(reverse("api:my-tasks"))
    token_client(world["police2_user"], "外勤App").get(reverse("api:my-duties"))
    client.force_login(world["sup1_user"])
    page = client.get(reverse("access_log"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "公安对接" in html and reverse("api:my-tasks") in html and "接口调用" in html
    assert "外勤App" not in html  # police2 works in the other township
    client.force_login(world["county_sup_user"])
    rows = client.get(reverse("access_log")).context["page"].object_list
    assert {r.token_name for r in rows} == {"公安对接", "外勤App"}
