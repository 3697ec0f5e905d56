"""The access log no one can rewrite: database roles, the hash chain, and the client address.

perf-security.md (audit logs must be tamper-evident and append-only).
"""

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory, override_settings

from permissions.access_log_chain import FIELDS, chain_check, row_hash
from permissions.models import AccessLog
from permissions.services import access_log_write, client_ip
from tests import factories as f

SCRIPT = Path(__file__).resolve().parent.parent.parent / "scripts" / "access-log-roles.sql"


def _log(user, person, **extra):
    request = RequestFactory().get("/persons/1/", REMOTE_ADDR=extra.pop("ip", "10.0.0.7"))
    request.user = user
    access_log_write(request=request, person_ids=[person.pk], action=AccessLog.Action.DETAIL, **extra)


def _verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_access_log", stdout=out)
    return out.getvalue().strip()


@contextmanager
def _behind_the_apps_back():
    """A cursor past the append-only trigger, as the superuser the test runs as can get one."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The deferred foreign-key checks of the rows just written must run before ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_append_only"
            )
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE permissions_accesslog ENABLE TRIGGER permissions_accesslog_append_only"
            )


def _change_behind_its_back(row_id: int, reason: str) -> None:
    with _behind_the_apps_back() as cursor:
        cursor.execute("UPDATE permissions_accesslog SET reason = %s WHERE id = %s", [reason, row_id])


@pytest.mark.django_db
def test_verify_access_log_passes_an_intact_chain_and_names_the_first_changed_row(world):
    person = f.person_with_episode(world["c1"])
    user = world["police1_user"]
    for n in range(5):
        _log(user, person, reason=f"核查{n}", record_types=["drugtest"])
    AccessLog.objects.create(user=user, person=person, action=AccessLog.Action.PRINT, ip="2001:db8::1")
    ids = list(AccessLog.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 6
    assert all(len(h) == 64 for h in AccessLog.objects.values_list("row_hash", flat=True))
    assert _verify() == "access log verified: 6 rows, hash chain intact"

    _change_behind_its_back(ids[2], "改过的理由")
    with pytest.raises(CommandError) as refused:
        _verify()
    assert f"row id={ids[2]} (row 3 in id order)" in str(refused.value)


@pytest.mark.django_db
def test_a_deleted_row_breaks_the_chain_at_the_row_after_it(world):
    person = f.person_with_episode(world["c1"])
    for _ in range(3):
        _log(world["police1_user"], person)
    ids = list(AccessLog.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_append_only"
            )
        cursor.execute("DELETE FROM permissions_accesslog WHERE id = %s", [ids[1]])
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE permissions_accesslog ENABLE TRIGGER permissions_accesslog_append_only"
            )
    rows = AccessLog.objects.order_by("id").values("row_hash", *FIELDS)
    assert chain_check(rows) == (2, ids[2])


def _script_sql(app_role: str, owner_role: str) -> str:
    return (
        SCRIPT.read_text().replace(":'app_role'", f"'{app_role}'").replace(":'owner_role'", f"'{owner_role}'")
    )


def _refused(sql: str, params=None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_apps_role_may_only_insert_and_select_the_access_log(world):
    """UPDATE, DELETE, TRUNCATE, disabling the triggers, dropping the table and replica mode fail
    for a NOSUPERUSER app role once scripts/access-log-roles.sql has run; INSERT and SELECT work."""
    person = f.person_with_episode(world["c1"])
    _log(world["police1_user"], person)
    # Roles are cluster-wide: name them after this test database, so parallel runs do not meet.
    # Everything below runs in the test's transaction, CREATE ROLE included, and is rolled back.
    app_role = f"{connection.settings_dict['NAME']}_app"[:63]
    owner_role = f"{connection.settings_dict['NAME']}_log_owner"[:63]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE ROLE "{app_role}" NOLOGIN NOSUPERUSER')
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(_script_sql(app_role, owner_role))
        cursor.execute(_script_sql(app_role, owner_role))  # idempotent: a second run is harmless
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'permissions_accesslog'")
        assert cursor.fetchone() == (owner_role,)
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        before = AccessLog.objects.count()
        _log(world["police1_user"], person, reason="以应用角色写入")
        assert AccessLog.objects.count() == before + 1
        refused = {
            "update": _refused("UPDATE permissions_accesslog SET reason = 'x'"),
            "delete": _refused("DELETE FROM permissions_accesslog"),
            "truncate": _refused("TRUNCATE permissions_accesslog"),
            "disable trigger": _refused(
                "ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_append_only"
            ),
            "disable all triggers": _refused("ALTER TABLE permissions_accesslog DISABLE TRIGGER ALL"),
            "drop": _refused("DROP TABLE permissions_accesslog"),
            "replica mode": _refused("SET session_replication_role = replica"),
            "setval": _refused("SELECT setval(pg_get_serial_sequence('permissions_accesslog', 'id'), 1)"),
        }
        assert refused == dict.fromkeys(refused, True)
        with connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{owner_role}"')
        # The owner is refused by the triggers too (it is NOLOGIN: only a superuser becomes it).
        assert _refused("TRUNCATE permissions_accesslog")
        assert _refused("DELETE FROM permissions_accesslog")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert _verify() == f"access log verified: {before + 1} rows, hash chain intact"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_chain(world):
    """Eight threads writing at once: the advisory lock in the trigger puts them in one order."""
    person = f.person_with_episode(world["c1"])
    user = world["police1_user"]
    errors = []

    def write():
        try:
            for n in range(15):
                AccessLog.objects.bulk_create(
                    [
                        AccessLog(user=user, person=person, action="detail", reason=f"r{n}-{i}")
                        for i in range(2)
                    ]
                )
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _verify() == "access log verified: 240 rows, hash chain intact"


@override_settings(TRUSTED_PROXIES=["10.0.0.1", "192.168.50.0/24"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.1", "203.0.113.9", "203.0.113.9"),  # the documented HTTPS proxy on the same host
        (
            "10.0.0.1",
            "198.51.100.1, 203.0.113.9, 192.168.50.7",
            "203.0.113.9",
        ),  # two proxies; left is forgeable
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # an untrusted peer's header is ignored
        ("10.0.0.1", "not-an-address", "10.0.0.1"),  # garbage is never stored
        ("10.0.0.1", "", "10.0.0.1"),
        ("garbage", "", None),
    ],
)
def test_client_address_honours_only_trusted_proxies(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.1"


def _rewrite_hashes(hashes: dict[int, str]) -> None:
    """Store the given hashes behind the app's back (as a database of the older code holds them)."""
    with _behind_the_apps_back() as cursor:
        for row_id, value in hashes.items():
            cursor.execute("UPDATE permissions_accesslog SET row_hash = %s WHERE id = %s", [value, row_id])


def _old_form_hashes(rows) -> dict[int, str]:
    """The hashes the older code wrote for these rows: the token's name outside the chain."""
    hashes, prev = {}, ""
    for row in rows:
        prev = hashes[row["id"]] = row_hash(prev, row, with_token_name=False)
    return hashes


def _token_log(user, person, token_name: str) -> None:
    request = RequestFactory().get("/api/v1/persons/", REMOTE_ADDR="10.0.0.8")
    request.user = user
    request.auth = type("Token", (), {"name": token_name})()
    access_log_write(request=request, person_ids=[person.pk], action=AccessLog.Action.LIST)


@pytest.mark.django_db
def test_the_chain_covers_the_tokens_name_so_a_row_moved_to_another_token_breaks_it(world):
    person = f.person_with_episode(world["c1"])
    _log(world["police1_user"], person)
    _token_log(world["police1_user"], person, "公安对接")
    _log(world["police1_user"], person)
    assert _verify() == "access log verified: 3 rows, hash chain intact"
    rows = list(AccessLog.objects.order_by("id").values("row_hash", *FIELDS))
    # A browser's row hashes as it did before the token's name was chained; a token's row does not.
    assert row_hash(rows[0]["row_hash"], rows[1], with_token_name=False) != rows[1]["row_hash"]
    assert row_hash("", rows[0], with_token_name=False) == rows[0]["row_hash"]

    with _behind_the_apps_back() as cursor:
        cursor.execute(
            "UPDATE permissions_accesslog SET token_name = %s WHERE id = %s", ["别的令牌", rows[1]["id"]]
        )
    with pytest.raises(CommandError) as refused:
        _verify()
    assert f"row id={rows[1]['id']} (row 2 in id order)" in str(refused.value)


def _rechain(apps) -> None:
    """Run the migration's re-hash on the test database, inside the test's transaction."""
    import importlib

    module = importlib.import_module(
        "permissions.migrations.0007_accesslog_token_calls_and_chained_token_name"
    )

    class Editor:  # what RunPython hands over, without SQLite's refusal to edit inside a transaction
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    module.rechain(apps, Editor())


@pytest.mark.django_db
def test_the_migration_rehashes_rows_from_the_first_token_row_after_checking_their_old_form(world):
    from django.apps import apps

    person = f.person_with_episode(world["c1"])
    _log(world["police1_user"], person)
    _token_log(world["police1_user"], person, "外勤App")
    _log(world["police1_user"], person)
    rows = list(AccessLog.objects.order_by("id").values("row_hash", *FIELDS))
    old = _old_form_hashes(rows)
    _rewrite_hashes(old)
    with pytest.raises(CommandError):
        _verify()

    _rechain(apps)
    assert _verify() == "access log verified: 3 rows, hash chain intact"
    assert AccessLog.objects.order_by("id").first().row_hash == rows[0]["row_hash"]


@pytest.mark.django_db
def test_the_migration_refuses_to_rehash_over_a_broken_chain_and_changes_nothing(world):
    from django.apps import apps

    person = f.person_with_episode(world["c1"])
    _token_log(world["police1_user"], person, "外勤App")
    _log(world["police1_user"], person)
    rows = list(AccessLog.objects.order_by("id").values("row_hash", *FIELDS))
    old = _old_form_hashes(rows)
    old[rows[1]["id"]] = "0" * 64  # a row changed behind the app's back
    _rewrite_hashes(old)
    with pytest.raises(RuntimeError, match=f"row id={rows[1]['id']}"), transaction.atomic():
        _rechain(apps)
    assert dict(AccessLog.objects.values_list("id", "row_hash")) == old
