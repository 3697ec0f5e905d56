"""No leaks: for each party, what the API lists is what the person list page shows, every object
outside it answers 404 on every operation (as a missing one does), and nothing changes."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import CaseEvent, DrugTest, Episode, Referral, Talk
from obligations.services import obligations_open_first, talk_record
from permissions.models import AccessLog
from tests import factories as f
from tests.api.conftest import token_client
from workflows.branches import referrals as referral_services
from workflows.branches.records import drug_test_record

pytestmark = pytest.mark.django_db

PARTIES = [
    "work_station1_user",
    "sw1_user",
    "police1_user",
    "judicial1_user",
    "human_resources1_user",
    "civil_affairs1_user",
    "sup1_user",
    "county_sup_user",
    "work_station2_user",
    "police2_user",
]


def _active(world, community, start):
    person = f.person_with_episode(world[community], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(start_date=start, reported_on=start)
    episode.refresh_from_db()
    obligations_open_first(episode)
    return person, episode


@pytest.fixture
def county(world):
    """Persons in both townships, some on sw1's team, with tests, talks and a referral."""
    today = timezone.localdate()
    persons = [_active(world, community, today - timedelta(days=40)) for community in ("c1", "c1b", "c2")]
    f.add_member(persons[0][0], world["sw1_user"], "community")
    for _person, episode in persons:
        drug_test_record(
            actor=world["work_station1_user"],
            episode=episode,
            tested_on=today,
            place="站",
            result="negative",
            collector_1="甲",
            collector_1_sex="F",
            collector_2="乙",
            collector_2_sex="F",
        )
        talk_record(
            actor=world["work_station1_user"], episode=episode, held_on=today, kind="talk", summary="近况"
        )
    referral_services.referral_create(
        actor=world["work_station1_user"],
        episode=persons[0][1],
        kind=Referral.Kind.EMPLOYMENT,
        needs="学技能",
    )
    return [p for p, _e in persons]


def _page_ids(client, user) -> set[int]:
    client.force_login(user)
    response = client.get(reverse("person_list"))
    if response.status_code == 404:
        return set()
    return {p.pk for p in response.context["page"].object_list}


def _api_ids(api) -> set[int]:
    ids, url = set(), reverse("api:person-list")
    while url:
        body = api.get(url).json()
        ids |= {row["id"] for row in body["results"]}
        url = body["next"]
    return ids


def _operations(person_id, test_id, talk_id, referral_id):
    today = timezone.localdate().isoformat()
    return [
        ("get", reverse("api:person-detail", args=[person_id]), None),
        ("get", reverse("api:person-episodes", args=[person_id]), None),
        ("get", reverse("api:person-team", args=[person_id]), None),
        ("get", reverse("api:person-due", args=[person_id]), None),
        ("post", reverse("api:person-reveal", args=[person_id]), {"reason": "核对身份信息"}),
        ("get", reverse("api:person-drug-tests", args=[person_id]), None),
        ("post", reverse("api:person-drug-tests", args=[person_id]), {"obligation": 1, "tested_on": today}),
        ("get", reverse("api:person-talks", args=[person_id]), None),
        ("post", reverse("api:person-talks", args=[person_id]), {"obligation": 1, "held_on": today}),
        ("get", reverse("api:drug-test-detail", args=[test_id]), None),
        ("get", reverse("api:talk-detail", args=[talk_id]), None),
        ("get", reverse("api:referral-detail", args=[referral_id]), None),
        ("post", reverse("api:referral-decision", args=[referral_id]), {"decision": "accept", "on": today}),
        (
            "post",
            reverse("api:referral-outcomes", args=[referral_id]),
            {"kind": "training", "on_date": today},
        ),
    ]


def _state():
    return (
        DrugTest.objects.count(),
        Talk.objects.count(),
        CaseEvent.objects.count(),
        list(Referral.objects.values_list("status", flat=True)),
    )


@pytest.mark.parametrize("party", PARTIES)
def test_the_api_lists_what_the_page_shows_and_answers_404_for_everything_else(client, world, county, party):
    user = world[party]
    api = token_client(user)
    listed = _api_ids(api)
    assert listed == _page_ids(client, user)
    before = _state()
    for person in county:
        if person.pk in listed:
            continue
        test = DrugTest.objects.get(person=person)
        talk = Talk.objects.get(person=person)
        referral = Referral.objects.filter(person=person).first()
        for method, url, body in _operations(
            person.pk, test.pk, talk.pk, referral.pk if referral else 999999
        ):
            if "referral" in url and referral is None:
                continue
            response = getattr(api, method)(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
            assert response.status_code == 404, (party, method, url, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
    assert _state() == before
    # Every row that names a person names one the caller may see (a call that read no person
    # has a row without one).
    assert (
        not AccessLog.objects.filter(user=user, person__isnull=False).exclude(person_id__in=listed).exists()
    )
