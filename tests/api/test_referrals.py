"""Referrals through the API (禁毒法 art 34; 戒毒条例 arts 18, 39): the target agency lists,
accepts or declines and records outcomes, by the referral services' rules."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseEvent, Referral, ReferralOutcome
from tests.api.conftest import token_client
from tests.workflows.test_referrals import active
from workflows.branches import referrals as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(world):
    person, episode = active(world)
    return services.referral_create(
        actor=world["work_station1_user"],
        episode=episode,
        kind=Referral.Kind.EMPLOYMENT,
        needs="无业，希望学技能",
    )


def test_hr_accepts_and_records_a_placement_whose_employer_only_hr_and_the_station_see(world, referral):
    """禁毒法 art 52: the employer of a placement stays with the work station and 人社."""
    hr = token_client(world["human_resources1_user"])
    listed = hr.get(reverse("api:referral-list")).json()["results"]
    assert [r["id"] for r in listed] == [referral.pk]
    today = timezone.localdate().isoformat()
    key = str(uuid.uuid4())
    url = reverse("api:referral-decision", args=[referral.pk])
    accepted = hr.post(url, {"decision": "accept", "on": today}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    events = CaseEvent.objects.count()
    assert (
        hr.post(url, {"decision": "accept", "on": today}, format="json", HTTP_IDEMPOTENCY_KEY=key).status_code
        == 200
    )
    assert CaseEvent.objects.count() == events
    # Without the key the repeat is the service's refusal: already decided.
    assert hr.post(url, {"decision": "accept", "on": today}, format="json").status_code == 409
    outcome = {"kind": "placement", "on_date": today, "employer": "某物流公司"}
    saved = hr.post(reverse("api:referral-outcomes", args=[referral.pk]), outcome, format="json")
    assert saved.status_code == 201
    assert [o["employer"] for o in saved.json()["outcomes"]] == ["某物流公司"]
    station = token_client(world["work_station1_user"]).get(
        reverse("api:referral-detail", args=[referral.pk])
    )
    assert [o["employer"] for o in station.json()["outcomes"]] == ["某物流公司"]
    supervisor = token_client(world["sup1_user"]).get(reverse("api:referral-detail", args=[referral.pk]))
    assert [o["employer"] for o in supervisor.json()["outcomes"]] == [""]


def test_others_may_not_decide_and_bad_input_saves_nothing(world, referral):
    today = timezone.localdate().isoformat()
    url = reverse("api:referral-decision", args=[referral.pk])
    for user in ("civil_affairs1_user", "human_resources2_user", "work_station1_user"):
        assert (
            token_client(world[user])
            .post(url, {"decision": "accept", "on": today}, format="json")
            .status_code
            == 404
        )
    hr = token_client(world["human_resources1_user"])
    no_reason = hr.post(url, {"decision": "decline", "on": today}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    assert hr.post(url, {"decision": "accept", "on": "2025-13-01"}, format="json").status_code == 400
    assert hr.post(url, {"decision": "accept", "on": today, "x": 1}, format="json").status_code == 400
    not_yet = hr.post(
        reverse("api:referral-outcomes", args=[referral.pk]),
        {"kind": "placement", "on_date": today, "employer": "某公司"},
        format="json",
    )
    assert not_yet.status_code == 409
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REFERRED
    assert not ReferralOutcome.objects.exists()
