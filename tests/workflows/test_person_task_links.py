"""The person's file offers 办理 only to whoever may do the step, without extra queries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workflows.test_certification import certifiable
from tests.workflows.test_transfers import active_person, open_task, request_transfer
from workflows.branches.certification import certification_propose

pytestmark = pytest.mark.django_db


def task_link(client, user, person, task):
    client.force_login(user)
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    return reverse("task_page", args=[task.pk]) in page


def test_the_supervisor_over_the_township_gets_the_approval_link(client, world):
    """Detox certification (rules.md §3.1): the 禁毒办 over the township approves; others do not."""
    person, episode = certifiable(world)
    certification_propose(
        actor=world["work_station1_user"],
        episode=episode,
        summary="近期检测均为阴性",
        on=timezone.localdate(),
    )
    task = open_task(episode, "approve")
    assert task_link(client, world["sup1_user"], person, task)
    assert task_link(client, world["county_sup_user"], person, task)
    assert not task_link(client, world["work_station1_user"], person, task)


def test_only_the_receiving_station_gets_the_accept_link(client, world):
    """戒毒条例 art 22: the receiving work station accepts or declines, not the one that asked."""
    person, episode = active_person(world)
    assert request_transfer(client, world, person).status_code == 302
    task = open_task(episode, "accept_or_decline")
    assert not task_link(client, world["work_station1_user"], person, task)
    assert task_link(client, world["work_station2_user"], person, task)


def test_the_accept_step_is_in_the_receiving_stations_queue_only(client, world):
    """戒毒条例 art 22: "my tasks" of the station that asked does not offer its own request."""
    from permissions import selectors

    person, episode = active_person(world)
    assert request_transfer(client, world, person).status_code == 302
    task = open_task(episode, "accept_or_decline")
    assert task not in selectors.actionable_tasks(world["work_station1_user"])
    assert task in selectors.actionable_tasks(world["work_station2_user"])
