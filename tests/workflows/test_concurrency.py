"""Two (or ten) users finishing one step at the same moment: exactly one succeeds, no 500."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.models import Episode, ReportingIn
from tests.workflows.test_intake_flow import open_task, register

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_ten_parallel_completions_of_one_task_give_one_success(world):
    from tests import factories as f

    setup_client = Client()
    episode = register(setup_client, world)
    task = open_task(episode, "report_in")
    users = [world["work_station1_user"]] + [f.staff_user(world["work_station1"]) for _ in range(9)]
    barrier = threading.Barrier(len(users))
    results: list[int] = []
    errors: list[BaseException] = []

    def finish(user):
        try:
            client = Client(raise_request_exception=True)
            client.force_login(user)
            barrier.wait()
            response = client.post(
                reverse("task_page", args=[task.pk]), {"reported_on": timezone.localdate().isoformat()}
            )
            results.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # The winner is redirected; the others either see the form again with the "someone else"
    # message (200) or, arriving after the winner committed, a redirect with "already done".
    assert len(results) == len(users)
    assert all(code in (200, 302) for code in results), results
    assert ReportingIn.objects.filter(episode=episode).count() == 1
    episode.refresh_from_db()
    assert episode.status == Episode.Status.REPORTED
    assert episode.events.filter(kind="status_changed").count() == 1
