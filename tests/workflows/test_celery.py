"""The daily scan and the flow timers run as Celery tasks on a real worker with the real Redis."""

import socket
from datetime import date, timedelta

import pytest
from django.utils import timezone

from casework.models import Obligation
from tests import factories as f


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379"),
]


def test_scan_runs_on_a_real_worker(world, settings):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from obligations.services import obligations_open_first
    from workflows import tasks

    person = f.person_with_episode(world["c1"], served_on=date(2025, 1, 1))
    episode = person.episodes.get()
    obligations_open_first(episode)
    f.add_member(person, world["sw1_user"], "community")
    assert Obligation.objects.filter(status="pending").count() == 2
    app.conf.update(broker_url=settings.REDIS_URL, result_backend=settings.REDIS_URL, task_always_eager=False)
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        marked, reminders, digests, escalations = tasks.scan_obligations.delay().get(timeout=30)
        fired = tasks.fire_workflow_timers.delay().get(timeout=30)
    assert (marked, reminders) == (2, 2)
    # sw1's digest; both obligations overdue far past 7 days go to township 1's 禁毒办 (sup1).
    assert (digests, escalations) == (1, 2)
    assert fired >= 0
    assert Obligation.objects.filter(status="overdue").count() == 2
    assert timezone.localdate() > date(2025, 1, 1) + timedelta(days=60)
