"""Supervisors' read-only pages read from a streaming replica, and fall back to the primary.

These tests read from the local replica of scripts/replica (127.0.0.1:5433, or REPLICA_PORT):
without one they are skipped with the reason. The data must be committed to reach the replica,
so the tests are transactional.
"""

import socket
import time
from datetime import date

import psycopg
import pytest
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.urls import reverse

from casework.models import Episode, Person
from config.db_routers import REPLICA, WROTE_COOKIE, ReplicaRouter, forget_replica_checks, replica_reads
from drugfree.models import TownshipTarget
from permissions.models import AccessLog
from tests import factories as f
from tests.config.replicas import REPLICA_PORT, point_replica

REPLAY_WAIT_SECONDS = 30
# A test that reads the replica is marked postgres and REPLICA_DB and asks for the `replica`
# fixture. The alias is registered before the test starts (conftest.py); a mirror, it is never
# flushed.
REPLICA_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])


def replica_problem() -> str | None:
    """Why no replica can be read on this machine, or None."""
    try:
        with psycopg.connect(
            host="127.0.0.1", port=REPLICA_PORT, user="postgres", dbname="postgres", connect_timeout=3
        ) as conn:
            if not conn.execute("select pg_is_in_recovery()").fetchone()[0]:
                return f"127.0.0.1:{REPLICA_PORT} answers but is not a standby (scripts/replica rebuild)"
    except psycopg.Error as exc:
        return (
            f"no streaming replica answers on 127.0.0.1:{REPLICA_PORT} ({str(exc).strip().splitlines()[0]}): "
            "start one with scripts/replica start (as root)"
        )
    return None


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_select(sql: str) -> bool:
    return sql.lstrip("( \n").startswith("SELECT")


class Queries:
    """The SQL each alias ran, as the connection saw it."""

    def __init__(self, *aliases):
        self.sql = {alias: [] for alias in aliases}

    def __call__(self, alias):
        def wrapper(execute, sql, params, many, context):
            self.sql[alias].append(sql)
            return execute(sql, params, many, context)

        return wrapper

    def reads(self, alias, table):
        return [q for q in self.sql[alias] if is_select(q) and f'"{table}"' in q]

    def inserts(self, alias, table):
        return [q for q in self.sql[alias] if q.startswith(f'INSERT INTO "{table}"')]


def capture(client_call):
    queries = Queries("default", REPLICA)
    with (
        connections["default"].execute_wrapper(queries("default")),
        connections[REPLICA].execute_wrapper(queries(REPLICA)),
    ):
        response = client_call()
    return response, queries


def replayed() -> None:
    """Wait until the replica has replayed everything committed on the primary so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("select pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("select pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the replica did not replay {lsn} within {REPLAY_WAIT_SECONDS} s")
            time.sleep(0.05)


@pytest.fixture
def replica(transactional_db, settings, is_postgres):
    if not is_postgres:
        pytest.skip("a streaming replica needs PostgreSQL")
    db = connections["default"].settings_dict
    if (db["HOST"] or "localhost", str(db["PORT"] or 5432)) not in {
        ("127.0.0.1", "5432"),
        ("localhost", "5432"),
    }:
        pytest.skip("the local replica copies 127.0.0.1:5432, and the tests' database is on another server")
    problem = replica_problem()
    if problem:
        pytest.skip(problem)
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    forget_replica_checks()
    yield connections[REPLICA]
    connections[REPLICA].close()


@pytest.fixture
def overdue(world):
    """An unreported intake in each township: township 1's supervisor sees only the first."""
    return {
        "own": f.person_with_episode(world["c1"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1)),
        "other": f.person_with_episode(
            world["c2"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1)
        ),
    }


@pytest.mark.postgres
@REPLICA_DB
def test_the_replica_is_a_standby_with_the_test_database(replica):
    with replica.cursor() as cursor:
        cursor.execute("select inet_server_port(), pg_is_in_recovery(), current_database()")
        port, standby, name = cursor.fetchone()
    assert (port, standby, name) == (REPLICA_PORT, True, connections["default"].settings_dict["NAME"])


@pytest.mark.postgres
@REPLICA_DB
def test_supervisor_page_and_export_read_from_the_replica_and_log_on_the_primary(
    client, world, overdue, replica
):
    replayed()
    client.force_login(world["sup1_user"])
    page, queries = capture(lambda: client.get(reverse("overdue_audit")))
    assert page.status_code == 200
    body = page.content.decode()
    assert overdue["own"].name in body and overdue["other"].name not in body
    assert queries.reads(REPLICA, "casework_person")
    assert queries.reads(REPLICA, "casework_staff")
    assert not queries.reads("default", "casework_person") and not queries.reads("default", "casework_staff")
    # The login's session is read on the primary: the replica may not have it yet.
    assert not queries.reads(REPLICA, "django_session")

    export, queries = capture(lambda: client.get(reverse("overdue_export")))
    assert export.status_code == 200
    assert queries.reads(REPLICA, "casework_person") and not queries.reads("default", "casework_person")
    assert queries.inserts("default", "permissions_accesslog")
    assert all(is_select(q) for q in queries.sql[REPLICA])
    logged = AccessLog.objects.using("default").filter(
        action=AccessLog.Action.EXPORT, user=world["sup1_user"]
    )
    assert set(logged.values_list("person_id", flat=True)) == {overdue["own"].pk}


@pytest.mark.postgres
@REPLICA_DB
def test_after_a_write_the_same_user_reads_from_the_primary(client, world, overdue, replica, settings):
    settings.DATABASE_REPLICA_STICKY_SECONDS = 2
    replayed()
    client.force_login(world["sup1_user"])
    wrote = client.post(reverse("drugfree_target_set"), {"year": 2027, "communities": 2, "county_level": 1})
    assert wrote.status_code == 302 and TownshipTarget.objects.filter(year=2027).exists()
    page, queries = capture(lambda: client.get(reverse("overdue_audit")))
    assert page.status_code == 200 and overdue["own"].name in page.content.decode()
    assert queries.sql[REPLICA] == []
    assert queries.reads("default", "casework_person")
    # Another supervisor, who did not write, reads from the replica meanwhile.
    other = client.__class__()
    other.force_login(world["county_sup_user"])
    _page, queries = capture(lambda: other.get(reverse("overdue_audit")))
    assert queries.reads(REPLICA, "casework_person")
    # The marker lasts a few seconds only.
    time.sleep(settings.DATABASE_REPLICA_STICKY_SECONDS + 0.5)
    _page, queries = capture(lambda: client.get(reverse("overdue_audit")))
    assert queries.reads(REPLICA, "casework_person")


@pytest.mark.postgres
@REPLICA_DB
def test_a_replica_that_does_not_answer_is_skipped(client, world, overdue, replica):
    point_replica(closed_port())
    client.force_login(world["sup1_user"])
    page, queries = capture(lambda: client.get(reverse("overdue_audit")))
    assert page.status_code == 200
    body = page.content.decode()
    assert overdue["own"].name in body and overdue["other"].name not in body
    assert queries.sql[REPLICA] == [] and queries.reads("default", "casework_person")


@pytest.mark.postgres
@REPLICA_DB
def test_a_replica_beyond_the_allowed_lag_is_skipped(client, world, overdue, replica, settings):
    replayed()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = -1  # even a caught-up replica is too far behind
    client.force_login(world["sup1_user"])
    page, queries = capture(lambda: client.get(reverse("overdue_audit")))
    assert page.status_code == 200 and overdue["own"].name in page.content.decode()
    assert queries.reads(REPLICA, "casework_person") == [] and queries.reads("default", "casework_person")


@pytest.mark.postgres
@REPLICA_DB
def test_a_replica_whose_replay_is_paused_is_skipped_and_the_page_shows_the_new_row(
    client, world, overdue, replica, settings
):
    replayed()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    with replica.cursor() as cursor:
        cursor.execute("select pg_wal_replay_pause()")
    try:
        late = f.person_with_episode(world["c1b"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1))
        with connections["default"].cursor() as cursor:
            cursor.execute("select pg_current_wal_lsn()")
            lsn = cursor.fetchone()[0]
        with replica.cursor() as cursor:
            deadline = time.monotonic() + REPLAY_WAIT_SECONDS
            while True:  # received, not replayed
                cursor.execute("select pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn])
                if cursor.fetchone()[0] or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            cursor.execute("select count(*) from casework_person where id = %s", [late.pk])
            assert cursor.fetchone()[0] == 0  # the replica does not have it
        time.sleep(settings.DATABASE_REPLICA_MAX_LAG_SECONDS + 0.5)
        client.force_login(world["sup1_user"])
        page, queries = capture(lambda: client.get(reverse("overdue_audit")))
        assert page.status_code == 200
        assert late.name in page.content.decode()
        assert queries.reads(REPLICA, "casework_person") == [] and queries.reads("default", "casework_person")
    finally:
        with replica.cursor() as cursor:
            cursor.execute("select pg_wal_replay_resume()")


@pytest.mark.postgres
@REPLICA_DB
def test_outside_a_marked_view_for_a_post_and_in_a_transaction_reads_stay_on_the_primary(
    client, world, replica, rf
):
    replayed()
    client.force_login(world["sup1_user"])
    page, queries = capture(lambda: client.get(reverse("home")))
    assert page.status_code == 200 and queries.sql[REPLICA] == []
    seen = []

    @replica_reads
    def view(request):
        seen.append(router.db_for_read(Person))
        with transaction.atomic():
            seen.append(router.db_for_read(Person))
        seen.append(router.db_for_read(AccessLog))
        return HttpResponse()

    view(rf.get("/"))
    view(rf.post("/"))
    assert seen == [REPLICA, "default", "default", "default", "default", "default"]
    assert router.db_for_read(Person) == "default" and router.db_for_write(Person) == "default"


@pytest.mark.django_db
def test_without_a_replica_everything_is_on_the_primary(client, world, overdue, rf):
    """The quick start and the test suite: no DATABASE_REPLICA_URL, no replica alias, no marker."""
    assert REPLICA not in connections.settings
    client.force_login(world["sup1_user"])
    page = client.get(reverse("overdue_audit"))
    assert page.status_code == 200 and overdue["own"].name in page.content.decode()
    assert (
        WROTE_COOKIE
        not in client.post(reverse("drugfree_target_set"), {"year": 2027, "communities": 1}).cookies
    )
    assert ReplicaRouter().allow_migrate("default", "casework") is True
    assert ReplicaRouter().allow_migrate(REPLICA, "casework") is False
