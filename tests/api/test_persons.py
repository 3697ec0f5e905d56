"""Persons through the API: the same door as the pages, masked identity, the reveal with a reason,
and an access-log row for every read, naming the token."""

import pytest
from django.urls import reverse

from casework.models import Episode
from permissions.models import AccessLog
from tests import factories as f
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(world):
    mine = f.person_with_episode(world["c1"])
    other = f.person_with_episode(world["c2"])
    return mine, other


def test_the_list_holds_the_persons_the_caller_sees_masked_and_each_read_is_logged_with_the_token(
    world, persons
):
    mine, other = persons
    client = token_client(world["police1_user"], name="公安对接")
    response = client.get(reverse("api:person-list"))
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    row = body["results"][0]
    assert row["id_number_masked"] == mine.id_number_masked != mine.id_number
    assert mine.id_number not in response.content.decode()
    assert row["current_status"] == Episode.Status.ACTIVE
    log = AccessLog.objects.get()
    assert (log.user, log.person_id, log.action, log.token_name) == (
        world["police1_user"],
        mine.pk,
        AccessLog.Action.LIST,
        "公安对接",
    )


def test_the_list_filters_as_the_person_search_does(world):
    a = f.person_with_episode(world["c1"])
    b = f.person_with_episode(world["c1b"], status=Episode.Status.DECIDED)
    client = token_client(world["work_station1_user"])
    url = reverse("api:person-list")
    assert [r["id"] for r in client.get(url, {"status": "decided"}).json()["results"]] == [b.pk]
    assert [r["id"] for r in client.get(url, {"region": world["c1"].pk}).json()["results"]] == [a.pk]
    assert [r["id"] for r in client.get(url, {"q": a.id_number[-4:]}).json()["results"]] == [a.pk]
    refused = client.get(url, {"status": "nonsense"})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["status"]
    # A community outside the caller's township is not a choice: 400, not an empty list.
    assert client.get(url, {"region": world["c2"].pk}).status_code == 400


def test_a_person_outside_the_view_answers_404_like_a_missing_one_and_logs_nothing(world, persons):
    _mine, other = persons
    client = token_client(world["police1_user"])
    for name in ("api:person-detail", "api:person-episodes", "api:person-team", "api:person-due"):
        hidden = client.get(reverse(name, args=[other.pk]))
        missing = client.get(reverse(name, args=[999999]))
        assert hidden.status_code == missing.status_code == 404
        assert (
            hidden.json()
            == missing.json()
            == {"error": {"status": 404, "code": "not_found", "message": "未找到。", "fields": {}}}
        )
    # No row names the hidden person: each refused call is on record as the token's call alone.
    assert not AccessLog.objects.filter(person__isnull=False).exists()
    assert AccessLog.objects.filter(action=AccessLog.Action.API_CALL, reason="GET 404").count() == 8


def test_the_file_episodes_team_and_due_items_of_a_visible_person(world, persons):
    mine, _other = persons
    f.add_member(mine, world["sw1_user"], "community")
    from obligations.services import obligations_open_first

    obligations_open_first(mine.episodes.get())
    client = token_client(world["work_station1_user"])
    detail = client.get(reverse("api:person-detail", args=[mine.pk])).json()
    assert detail["name"] == mine.name
    assert detail["phone_masked"] == mine.phone_masked != mine.phone
    assert "id_number" not in detail and "phone" not in detail
    episodes = client.get(reverse("api:person-episodes", args=[mine.pk])).json()
    assert [e["id"] for e in episodes] == [mine.episodes.get().pk]
    team = client.get(reverse("api:person-team", args=[mine.pk])).json()
    assert [(m["role"], m["member"]) for m in team] == [("community", "sw1")]
    due = client.get(reverse("api:person-due", args=[mine.pk])).json()
    assert {d["kind"] for d in due} >= {"drug_test", "talk"}
    assert AccessLog.objects.filter(person_id=mine.pk, action=AccessLog.Action.DETAIL).count() == 4


def test_reveal_needs_the_record_type_and_a_reason_and_logs_the_reason(world, persons):
    mine, _other = persons
    url = reverse("api:person-reveal", args=[mine.pk])
    judicial = token_client(world["judicial1_user"])
    assert judicial.get(reverse("api:person-detail", args=[mine.pk])).status_code == 200
    assert judicial.post(url, {"reason": "核对身份信息"}, format="json").status_code == 404
    station = token_client(world["work_station1_user"], name="工作站系统")
    short = station.post(url, {"reason": "看"}, format="json")
    assert short.status_code == 400 and "reason" in short.json()["error"]["fields"]
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL).exists()
    shown = station.post(url, {"reason": "核对身份信息"}, format="json")
    assert shown.status_code == 200
    assert shown.json()["id_number"] == mine.id_number
    log = AccessLog.objects.get(action=AccessLog.Action.REVEAL)
    assert (log.reason, log.token_name) == ("核对身份信息", "工作站系统")


def test_without_credentials_the_api_answers_401_in_the_error_shape(world):
    from rest_framework.test import APIClient

    response = APIClient().get(reverse("api:person-list"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["Content-Type"] == "application/json"


def test_the_error_message_is_english_for_a_caller_who_chose_english(world):
    from django.conf import settings

    client = token_client(world["police1_user"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("api:person-detail", args=[999999]))
    assert response.json()["error"]["message"] == "Not found."
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert client.get(reverse("api:person-detail", args=[999999])).json()["error"]["message"] == "未找到。"
