"""The night split by county (workflows.tasks.nightly_canvas) on two real Celery workers with the
real Redis writes what the single-process commands write on the same data."""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from casework.models import Obligation, RegionFigures, StaffFigures
from obligations.models import Reminder, ScanRun
from tests.workflows.nightly_data import region_rows, staff_rows, two_counties
from tests.workflows.test_celery import redis_available

ROOT = Path(__file__).resolve().parents[2]
# The broker and results of this test only: a database of Redis no other suite uses.
BROKER = os.environ.get("NIGHTLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not redis_available(), reason="needs Redis on 127.0.0.1:6379"),
]


def snapshot() -> dict:
    return {
        "statuses": dict(Obligation.objects.values_list("pk", "status")),
        "reminders": set(Reminder.objects.values_list("obligation_id", "kind", "created_on")),
        "regions": region_rows(),
        "staff": staff_rows(),
    }


def use_broker(app, broker: str, backend: str) -> None:
    """Point the app at `broker` and `backend`, dropping the connections and the backend it may
    have made for another broker earlier in the session (a test starting a worker in-process)."""
    from kombu import pools

    app.conf.update(broker_url=broker, result_backend=backend, task_always_eager=False)
    # The app's pool is kombu's registered pool for the broker: closing it alone would leave a
    # closed pool registered, which every later send (a page's .delay()) would then be refused
    # by. Reset closes every pooled connection and empties the registry.
    pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def start_workers(n: int) -> list[subprocess.Popen]:
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=BROKER,
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--prefetch-multiplier=1",
                "-n",
                f"nightly{i}@%h",
            ]
            + ["-l", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(n)
    ]


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_the_night_by_county_on_two_workers_equals_the_single_process_commands():
    from config.celery import app
    from workflows.tasks import nightly_canvas

    today = timezone.localdate()
    two_counties(today)
    before = dict(Obligation.objects.values_list("pk", "status"))
    assert "pending" in before.values()

    previous = app.conf.broker_url, app.conf.result_backend
    use_broker(app, BROKER, BROKER)
    app.control.purge()
    workers = start_workers(2)
    try:
        deadline = time.monotonic() + 90
        while len(app.control.ping(timeout=1) or []) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(w.poll() is None for w in workers), workers[0].stderr.read().decode()[-2000:]
        result = nightly_canvas(today).apply_async()
        result.get(timeout=90)
        # Every step ran on the workers: the grants, a scan per county, the completions and
        # notifications, the figures per county, the regions outside the counties.
        stats = app.control.inspect(timeout=2).stats() or {}
        assert len(stats) == 2
        assert sum(sum(s.get("total", {}).values()) for s in stats.values()) == 7
    finally:
        stop(workers)
        use_broker(app, *previous)
    split = snapshot()
    assert ScanRun.objects.filter(county__isnull=False).count() == 2
    assert "overdue" in split["statuses"].values() and split["reminders"]
    assert split["regions"] and split["staff"]

    # The same data as before the night, run by the single-process commands.
    for status in set(before.values()):
        Obligation.objects.filter(pk__in=[pk for pk, s in before.items() if s == status]).update(
            status=status
        )
    Reminder.objects.all().delete()
    ScanRun.objects.all().delete()
    RegionFigures.objects.all().delete()
    StaffFigures.objects.all().delete()
    call_command("scan_obligations", "--as-of", today.isoformat(), stdout=io.StringIO())
    call_command("refresh_figures", "--as-of", today.isoformat(), stdout=io.StringIO())
    single = snapshot()
    assert split == single
