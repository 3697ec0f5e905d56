"""My work through the API: the steps I hold or may claim, claim and release, my duties."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import token_client
from tests.workflows.test_intake_flow import open_task, register
from tests.workflows.test_obligations import active_person

pytestmark = pytest.mark.django_db


def test_a_step_is_claimed_released_and_refused_to_whoever_may_not_take_it(client, world):
    """戒毒条例 art 14: the report-in step is the executing work station's to take."""
    episode = register(client, world)
    task = open_task(episode, "report_in")
    station = token_client(world["work_station1_user"])
    listed = station.get(reverse("api:my-tasks")).json()["results"]
    assert [(t["id"], t["status"], t["mine"], t["person"]) for t in listed] == [
        (task.pk, "NEW", False, episode.person_id)
    ]
    claimed = station.post(reverse("api:task-claim", args=[task.pk]))
    assert claimed.status_code == 200
    assert (claimed.json()["status"], claimed.json()["mine"]) == ("ASSIGNED", True)
    again = station.post(reverse("api:task-claim", args=[task.pk]))
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "该任务已被他人认领。"
    # Another station does not see the person: 404 on every operation, as for a missing task.
    other = token_client(world["work_station2_user"])
    for name in ("api:task-claim", "api:task-release"):
        assert other.post(reverse(name, args=[task.pk])).status_code == 404
    assert other.get(reverse("api:my-tasks")).json()["results"] == []
    # The police see the person but the step is not theirs to release.
    assert (
        token_client(world["police1_user"]).post(reverse("api:task-release", args=[task.pk])).status_code
        == 409
    )
    released = station.post(reverse("api:task-release", args=[task.pk]))
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["mine"]) == ("NEW", False)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == ("NEW", None)


def test_my_duties_are_the_open_ones_of_the_persons_i_see_marked_mine_on_my_team(world):
    from tests import factories as f

    person, episode = active_person(world, timezone.localdate() - timedelta(days=40))
    f.add_member(person, world["sw1_user"], "community")
    rows = token_client(world["sw1_user"]).get(reverse("api:my-duties")).json()["results"]
    assert rows and all(r["person"] == person.pk and r["mine"] for r in rows)
    assert {r["kind"] for r in rows} >= {"drug_test", "talk"}
    police_rows = token_client(world["police1_user"]).get(reverse("api:my-duties")).json()["results"]
    # The police read tests, not talks (the matrix): their list has no talk.
    assert "talk" not in {r["kind"] for r in police_rows}
    assert token_client(world["work_station2_user"]).get(reverse("api:my-duties")).json()["results"] == []
