"""Every list endpoint costs a fixed number of queries, the same for 2 rows as for 6."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Referral
from obligations.services import talk_record
from tests import factories as f
from tests.api.conftest import token_client
from tests.workflows.test_obligations import active_person
from workflows.branches import referrals as referral_services
from workflows.branches.records import drug_test_record

pytestmark = pytest.mark.django_db

# Queries of a token-authenticated list, after the token's first use (whose last-use UPDATE is
# written at most once a minute): the token and knox's expiry sweep of the user's tokens, the
# staff post, the endpoint's own reads (the door's subqueries inside them), and one INSERT of
# the page's access-log rows.
PINNED = {
    "api:person-list": ("police1_user", 5),
    "api:drug-test-list": ("police1_user", 5),
    "api:talk-list": ("work_station1_user", 5),
    "api:my-duties": ("sw1_user", 5),
    "api:my-tasks": ("work_station1_user", 7),
    "api:referral-list": ("human_resources1_user", 5),
    "api:overdue": ("sup1_user", 6),
    "person:drug-tests": ("police1_user", 7),
    "person:talks": ("work_station1_user", 7),
}


def _add(world, n):
    today = timezone.localdate()
    for _ in range(n):
        person, episode = active_person(world, today - timedelta(days=40))
        f.add_member(person, world["sw1_user"], "community")
        drug_test_record(
            actor=world["work_station1_user"],
            episode=episode,
            tested_on=today,
            place="站",
            # A refused test opens the station's follow-up step: a row of "my tasks".
            result="refused",
            collector_1="甲",
            collector_1_sex="F",
            collector_2="乙",
            collector_2_sex="F",
        )
        talk_record(
            actor=world["work_station1_user"], episode=episode, held_on=today, kind="talk", summary="近况"
        )
        referral_services.referral_create(
            actor=world["work_station1_user"], episode=episode, kind=Referral.Kind.EMPLOYMENT, needs="学技能"
        )
        f.person_with_episode(world["c1"], status="decided", served_on=today - timedelta(days=40))
    return person


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("name", sorted(PINNED))
def test_list_query_counts_are_pinned_and_flat(world, name):
    party, pinned = PINNED[name]
    client = token_client(world[party])
    client.get(reverse("api:person-list"))  # the token's last use is written on the first call
    counts = []
    for n in (2, 4):
        person = _add(world, n)
        url = (
            reverse(f"api:person-{name.split(':')[1]}", args=[person.pk])
            if name.startswith("person:")
            else reverse(name)
        )
        counts.append(_count(client, url))
    (small, rows_small), (large, rows_large) = counts
    assert rows_large > rows_small or name.startswith("person:")
    assert small == large == pinned, (name, counts)
