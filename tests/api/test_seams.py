"""The API at the seams the pages already handle: the new place of a pending transfer, and a whole
ID number typed into the search."""

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.search_keys import id_number_key
from permissions.models import AccessLog
from tests.api.conftest import token_client
from tests.permissions.test_gate import active_person, open_task
from workflows.branches.transfers import transfer_request

pytestmark = pytest.mark.django_db


def test_the_receiving_station_is_sent_to_the_transfer_request_and_reads_nothing_else(world):
    """戒毒条例 art 22: before it accepts, the new place reads the request, as on the person page."""
    person, episode = active_person(world)
    transfer_request(
        actor=world["work_station1_user"],
        episode=episode,
        to_township=world["t2"],
        reason="迁居",
        on=timezone.localdate(),
    )
    ws2 = world["work_station2_user"]
    client = token_client(ws2, name="接收地对接")
    detail = client.get(reverse("api:person-detail", args=[person.pk]))
    assert detail.status_code == 303
    request_url = reverse("api:person-transfer-request", args=[person.pk])
    assert detail["Location"] == request_url
    assert not AccessLog.objects.filter(user=ws2, person=person).exists()

    body = client.get(request_url).json()
    assert body["person"] == {
        "id": person.pk,
        "name": person.name,
        "sex": person.sex,
        "id_number_masked": person.id_number_masked,
    }
    assert body["episode"]["decision_number"] == episode.decision_number
    assert (body["from_township"]["id"], body["to_township"]["id"]) == (world["t1"].pk, world["t2"].pk)
    assert body["reason"] == "迁居"
    assert body["task"] == open_task(episode, "accept_or_decline").pk
    text = str(body)
    for secret in (person.id_number, person.phone, person.drug_history):
        assert secret not in text
    log = AccessLog.objects.get(user=ws2, person=person)
    assert (log.record_types, log.token_name) == ("transfer_request", "接收地对接")

    # The rest of the file stays closed until the station accepts.
    for name in ("person-episodes", "person-team", "person-due", "person-drug-tests", "person-talks"):
        assert client.get(reverse(f"api:{name}", args=[person.pk])).status_code == 404, name
    assert (
        client.post(reverse("api:person-reveal", args=[person.pk]), {"reason": "核对身份"}).status_code == 404
    )


def test_the_sending_station_reads_the_request_and_a_stranger_gets_404(world):
    person, episode = active_person(world)
    request_url = reverse("api:person-transfer-request", args=[person.pk])
    sending = token_client(world["work_station1_user"])
    # No pending request: nothing to read.
    assert sending.get(request_url).status_code == 404
    transfer_request(
        actor=world["work_station1_user"],
        episode=episode,
        to_township=world["t2"],
        reason="迁居",
        on=timezone.localdate(),
    )
    assert sending.get(request_url).status_code == 200
    assert sending.get(reverse("api:person-detail", args=[person.pk])).status_code == 200
    # The social worker sees the file but does not act for the station; the other township's
    # police hold nothing of the person.
    assert token_client(world["sw1_user"]).get(request_url).status_code == 404
    assert token_client(world["police2_user"]).get(request_url).status_code == 404


def test_a_whole_id_number_in_the_search_answers_with_its_keyed_hash(world):
    person, _episode = active_person(world)
    client = token_client(world["work_station1_user"])
    url = reverse("api:person-list")
    response = client.get(url, {"q": person.id_number, "status": "active"})
    assert response.status_code == 303
    location = response["Location"]
    assert person.id_number not in location and "q=" not in location
    assert f"idk={id_number_key(person.id_number)}" in location and "status=active" in location
    found = client.get(location)
    assert [row["id"] for row in found.json()["results"]] == [person.pk]
    # The access log keeps the address with the key, never the number.
    assert all(person.id_number not in row.path for row in AccessLog.objects.all())


def test_a_mistyped_whole_id_number_is_refused_with_the_reason(world):
    active_person(world)
    client = token_client(world["work_station1_user"])
    response = client.get(reverse("api:person-list"), {"q": "110105194912310021"})  # wrong check character
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["q"] == ["公民身份号码校验码错误，请核对。"]
    # Another key than any number hashes to finds no one, not everyone.
    assert client.get(reverse("api:person-list"), {"idk": "-"}).json()["results"] == []
