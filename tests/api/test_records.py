"""Drug tests and talks through the API: the record pages' rules and services, against a named
duty, idempotent, and bad input refused in the one error shape with nothing saved."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseEvent, DrugTest, Obligation, Talk
from tests.api.conftest import token_client
from tests.workflows.test_obligations import active_person

pytestmark = pytest.mark.django_db

TEST_FIELDS = {
    "place": "工作站",
    "sample_type": "urine",
    "method": "on_site",
    "result": "negative",
    "collector_1": "甲",
    "collector_1_sex": "M",
    "collector_2": "乙",
    "collector_2_sex": "M",
}


@pytest.fixture
def person(world):
    person, _episode = active_person(world, timezone.localdate() - timedelta(days=40))
    person.sex = "M"
    person.save()
    return person


def _duty(person, kind="drug_test"):
    return Obligation.objects.get(person=person, kind=kind, status__in=Obligation.OPEN_STATUSES)


def _state(person):
    return (
        DrugTest.objects.count(),
        Talk.objects.count(),
        CaseEvent.objects.count(),
        list(Obligation.objects.filter(person=person).order_by("pk").values_list("status", "due_by")),
    )


def test_a_drug_test_against_its_duty_closes_it_and_the_same_request_twice_gives_the_same_record(
    world, person
):
    """戒毒条例 art 28 (the schedule of tests): one test fulfils one duty; a resend saves nothing."""
    duty = _duty(person)
    client = token_client(world["work_station1_user"])
    url = reverse("api:person-drug-tests", args=[person.pk])
    body = {**TEST_FIELDS, "obligation": duty.pk, "tested_on": timezone.localdate().isoformat()}
    key = str(uuid.uuid4())
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.json()
    after_first = _state(person)
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert _state(person) == after_first
    duty.refresh_from_db()
    assert duty.status == Obligation.Status.DONE
    assert first.json()["obligation"] == duty.pk
    # Without a key the named duty, now fulfilled, refuses the repeat (409), and nothing moves.
    repeat = client.post(url, body, format="json")
    assert repeat.status_code == 409
    assert repeat.json()["error"]["message"] == "该事项已完成或已免除，不能重复登记。"
    assert _state(person) == after_first
    listed = client.get(url).json()["results"]
    assert [t["id"] for t in listed] == [first.json()["id"]]


def test_a_talk_by_the_station_and_the_police_who_may_not_read_talks_get_404(world, person):
    duty = _duty(person, "talk")
    body = {
        "obligation": duty.pk,
        "held_on": timezone.localdate().isoformat(),
        "kind": "talk",
        "summary": "近况良好",
    }
    url = reverse("api:person-talks", args=[person.pk])
    police = token_client(world["police1_user"])
    before = _state(person)
    assert police.post(url, body, format="json").status_code == 404
    assert police.get(url).status_code == 404
    assert _state(person) == before
    saved = token_client(world["work_station1_user"]).post(url, body, format="json")
    assert saved.status_code == 201, saved.json()
    assert saved.json()["staff"] == "work_station1"
    assert police.get(reverse("api:talk-detail", args=[saved.json()["id"]])).status_code == 404
    assert police.get(reverse("api:talk-list")).json()["results"] == []
    assert [t["id"] for t in police.get(reverse("api:drug-test-list")).json()["results"]] == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"colour": "红"}, "colour"),  # unknown field
        ({"obligation": "一"}, "obligation"),  # wrong type
        ({"tested_on": "2025-02-30"}, "tested_on"),  # impossible date
        ({"result": "maybe"}, "result"),
        ({"collector_2": "甲"}, "collector_2"),  # the page form's rule: two different collectors
        ({"result": "positive"}, "substances"),  # positive needs the substance
    ],
)
def test_bad_input_is_400_by_field_and_saves_nothing(world, person, change, field):
    duty = _duty(person)
    body = {**TEST_FIELDS, "obligation": duty.pk, "tested_on": timezone.localdate().isoformat(), **change}
    before = _state(person)
    response = token_client(world["work_station1_user"]).post(
        reverse("api:person-drug-tests", args=[person.pk]), body, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and field in error["fields"]
    assert _state(person) == before


def test_a_future_date_a_body_of_10_mb_a_nul_and_a_wrong_media_type_are_refused_and_save_nothing(
    world, person
):
    duty = _duty(person)
    client = token_client(world["work_station1_user"])
    url = reverse("api:person-drug-tests", args=[person.pk])
    before = _state(person)
    future = {
        **TEST_FIELDS,
        "obligation": duty.pk,
        "tested_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    assert client.post(url, future, format="json").status_code == 400
    big = client.post(
        url, data=b'{"place": "' + b"x" * (10 * 1024 * 1024) + b'"}', content_type="application/json"
    )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "too_large"
    nul = {
        **TEST_FIELDS,
        "obligation": duty.pk,
        "tested_on": timezone.localdate().isoformat(),
        "place": "站\x00",
    }
    assert client.post(url, nul, format="json").status_code == 400
    form = client.post(url, data=b"place=x", content_type="text/plain")
    assert form.status_code == 415
    assert form.json()["error"]["status"] == 415
    assert client.post(url, data=b"[1, 2", content_type="application/json").status_code == 400
    assert client.post(url, data=b"[1, 2]", content_type="application/json").status_code == 400
    assert _state(person) == before


def test_a_duty_of_another_person_is_refused(world, person):
    other, _episode = active_person(world, timezone.localdate() - timedelta(days=40))
    body = {**TEST_FIELDS, "obligation": _duty(other).pk, "tested_on": timezone.localdate().isoformat()}
    before = _state(person)
    response = token_client(world["work_station1_user"]).post(
        reverse("api:person-drug-tests", args=[person.pk]), body, format="json"
    )
    assert response.status_code == 409
    assert _state(person) == before
