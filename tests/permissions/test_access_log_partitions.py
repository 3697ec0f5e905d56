"""The access log's monthly partitions (PostgreSQL): rows kept in their months with their hashes,
months created ahead, the retention (网络安全法 第二十一条: at least six months) and the chain's
anchor after it, and partition pruning of a person's log read."""

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from permissions import selectors
from permissions.models import AccessLog, AccessLogAnchor
from permissions.partitions import (
    access_log_partitions_ensure,
    access_log_retention_apply,
    month_add,
    retention_months,
)
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent.parent
TZ = ZoneInfo(settings.TIME_ZONE)


def _verify() -> str:
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    return out.getvalue().strip()


def _partition_of(row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM permissions_accesslog WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'permissions_accesslog'::regclass"
        )
        return {name for (name,) in cursor.fetchall()}


def _name(month: date) -> str:
    return f"permissions_accesslog_y{month:%Y}m{month:%m}"


def _at(month: date, day: int = 10) -> datetime:
    return datetime(month.year, month.month, day, 9, 30, tzinfo=TZ)


def _write(user, person, at: datetime, reason: str = "") -> AccessLog:
    return AccessLog.objects.create(
        user=user, person=person, action=AccessLog.Action.DETAIL, at=at, reason=reason
    )


pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_log_is_partitioned_by_month_with_a_default_and_the_months_ahead(world):
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'permissions_accesslog'::regclass"
        )
        assert cursor.fetchone() == ("r",)
        cursor.execute(
            "SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'permissions_accesslog'::regclass AND i.indisprimary"
        )
        assert cursor.fetchone() == (["id", "at"],)
    expected = {_name(month_add(today, n)) for n in range(3)} | {"permissions_accesslog_default"}
    assert expected <= _partitions()
    person = f.person_with_episode(world["c1"])
    row = _write(world["police1_user"], person, timezone.now())
    assert _partition_of(row.pk) == _name(month_add(today, 0))
    assert AccessLog.objects.get(pk=row.pk).person_id == person.pk  # Django still reads by id


def test_rows_of_a_month_without_a_partition_land_in_default_and_move_out_with_their_hash(world):
    person = f.person_with_episode(world["c1"])
    user = world["police1_user"]
    later = month_add(timezone.localdate(), 5)
    _write(user, person, timezone.now(), "今天")
    future = _write(user, person, _at(later), "五个月后")
    _write(user, person, timezone.now(), "又是今天")
    assert _partition_of(future.pk) == "permissions_accesslog_default"
    stored = AccessLog.objects.get(pk=future.pk).row_hash

    created = access_log_partitions_ensure(later, months_ahead=0)
    assert created == [_name(later)]
    assert _partition_of(future.pk) == _name(later)
    assert AccessLog.objects.get(pk=future.pk).row_hash == stored
    assert access_log_partitions_ensure(later, months_ahead=0) == []  # a second run changes nothing
    assert _verify() == "access log verified: 3 rows, hash chain intact"
    # The moved partition is a full one: it refuses UPDATE and TRUNCATE like the others.
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=future.pk).update(reason="x")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            [_name(later)],
        )
        assert [name for (name,) in cursor.fetchall()] == [
            "permissions_accesslog_append_only",
            "permissions_accesslog_chain",
            "permissions_accesslog_no_truncate",
        ]


def test_the_chain_trigger_sees_the_last_row_across_partitions(world):
    """Rows written in id order into different months (the BEFORE INSERT trigger reads the last
    row by id over every partition) make one chain."""
    person = f.person_with_episode(world["c1"])
    user = world["police1_user"]
    today = timezone.localdate()
    access_log_partitions_ensure(month_add(today, -3), months_ahead=0)
    for n, months in enumerate([-3, 0, 1, -3, 2, 0]):
        _write(user, person, _at(month_add(today, months)), f"第{n}条")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT row_hash FROM permissions_accesslog ORDER BY id DESC LIMIT 1")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Merge Append" in plan and "Seq Scan" not in plan and "->  Sort" not in plan
    assert _verify() == "access log verified: 6 rows, hash chain intact"


def _old_and_new_rows(world):
    person = f.person_with_episode(world["c1"])
    user = world["police1_user"]
    today = timezone.localdate()
    old = month_add(today, -10)
    access_log_partitions_ensure(old, months_ahead=1)
    old_rows = [_write(user, person, _at(old, day), "十个月前") for day in (3, 20)]
    old_rows.append(_write(user, person, _at(month_add(old, 1), 5), "九个月前"))
    new_rows = [_write(user, person, timezone.now(), f"最近{n}") for n in range(3)]
    return old, old_rows, new_rows


@override_settings(ACCESS_LOG_RETENTION_MONTHS=6)
def test_the_retention_drops_old_months_and_the_chain_verifies_from_the_anchor(world):
    old, old_rows, new_rows = _old_and_new_rows(world)
    last_hash = AccessLog.objects.get(pk=old_rows[-1].pk).row_hash
    result = access_log_retention_apply(timezone.localdate())
    assert result.dropped == [_name(old), _name(month_add(old, 1))]
    assert not {_name(old), _name(month_add(old, 1))} & _partitions()
    assert list(AccessLog.objects.order_by("id").values_list("id", flat=True)) == [r.pk for r in new_rows]
    anchor = AccessLogAnchor.objects.order_by("-last_id").first()
    assert (anchor.last_id, anchor.row_hash) == (old_rows[-1].pk, last_hash)
    assert _verify() == (
        f"access log verified: 3 rows from the anchor after id {old_rows[-1].pk} "
        f"({_name(month_add(old, 1))}), hash chain intact"
    )
    # A row written after the drop continues the chain.
    _write(world["police1_user"], new_rows[0].person, timezone.now(), "删除后")
    assert _verify().startswith("access log verified: 4 rows from the anchor")

    # A changed row after the anchor still fails.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_append_only")
        cursor.execute("UPDATE permissions_accesslog SET reason = '改过' WHERE id = %s", [new_rows[1].pk])
        cursor.execute("ALTER TABLE permissions_accesslog ENABLE TRIGGER permissions_accesslog_append_only")
    with pytest.raises(CommandError, match=f"row id={new_rows[1].pk} \\(row 2 in id order\\)"):
        _verify()


@override_settings(ACCESS_LOG_RETENTION_MONTHS=6)
def test_when_the_retention_dropped_every_row_the_next_one_chains_from_the_anchor(world):
    person = f.person_with_episode(world["c1"])
    old = month_add(timezone.localdate(), -9)
    access_log_partitions_ensure(old, months_ahead=0)
    last = _write(world["police1_user"], person, _at(old), "九个月前")
    assert access_log_retention_apply(timezone.localdate()).dropped == [_name(old)]
    assert AccessLog.objects.count() == 0
    _write(world["police1_user"], person, timezone.now(), "删除后第一条")
    assert _verify() == (
        f"access log verified: 1 rows from the anchor after id {last.pk} ({_name(old)}), hash chain intact"
    )


@override_settings(ACCESS_LOG_RETENTION_MONTHS=0)
def test_retention_zero_keeps_every_month(world):
    _old_and_new_rows(world)
    assert access_log_retention_apply(timezone.localdate()).dropped == []
    assert AccessLog.objects.count() == 6


@override_settings(ACCESS_LOG_RETENTION_MONTHS=3)
def test_a_retention_below_six_months_is_refused_by_the_job():
    """网络安全法 第二十一条: network logs are kept no less than six months."""
    with pytest.raises(ImproperlyConfigured, match="网络安全法第二十一条"):
        retention_months()
    with pytest.raises(CommandError, match="至少保存 6 个月"):
        call_command("access_log_partitions", stdout=StringIO())


def test_the_database_refuses_a_cutoff_newer_than_six_months(world):
    """Even a caller going round the setting cannot drop a recent month (网络安全法 第二十一条)."""
    with pytest.raises(DatabaseError, match="refusing"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT permissions_accesslog_partition_drop_before(%s, %s)",
            [timezone.now() - timedelta(days=100), settings.TIME_ZONE],
        )


@pytest.mark.django_db(transaction=False)
def test_a_retention_below_six_months_is_refused_at_start_up():
    env = {**os.environ, "ACCESS_LOG_RETENTION_MONTHS": "3", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "网络安全法第二十一条" in run.stderr


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def test_a_persons_log_read_bounded_by_months_touches_only_those_partitions(world):
    """The access-log page's read for one person (persons.views.access_log: the supervisor's
    rows, the person's filter, newest first, a page of 50), bounded to the last two months, is
    planned over those two months' partitions only (pruning at plan time)."""
    person = f.person_with_episode(world["c1"])
    today = timezone.localdate()
    for months in range(-4, 3):
        access_log_partitions_ensure(month_add(today, months), months_ahead=0)
    since = datetime.combine(month_add(today, -1), datetime.min.time(), tzinfo=TZ)
    rows = (
        selectors.access_log_visible(world["county_sup_user"])
        .filter(person_id=person.pk, at__gte=since)
        .select_related("user", "person")
        .order_by("-at", "-id")[:50]
    )
    plan = _plan(rows)
    touched = {name for name in _partitions() if f" {name} " in plan or f" {name}\n" in plan}
    assert touched == {
        _name(month_add(today, -1)),
        _name(today),
        _name(month_add(today, 1)),
        _name(month_add(today, 2)),
        "permissions_accesslog_default",
    }
    # Without the lower bound every partition is in the plan (each by its own index).
    unbounded = _plan(
        selectors.access_log_visible(world["county_sup_user"])
        .filter(person_id=person.pk)
        .order_by("-at", "-id")[:50]
    )
    assert {_name(month_add(today, -4)), _name(month_add(today, -2))} <= {
        name for name in _partitions() if f" {name} " in unbounded
    }


def test_the_apps_role_runs_the_nightly_job_but_cannot_touch_a_partition(world):
    """Once scripts/access-log-roles.sql has run, the app's role creates the months ahead and
    applies the retention through the owner's functions, and cannot truncate, drop or write a
    partition directly, nor write the anchor."""
    from tests.permissions.test_access_log_integrity import SCRIPT

    app_role = f"{connection.settings_dict['NAME']}_app"[:63]
    owner_role = f"{connection.settings_dict['NAME']}_log_owner"[:63]
    sql = (
        SCRIPT.read_text().replace(":'app_role'", f"'{app_role}'").replace(":'owner_role'", f"'{owner_role}'")
    )
    current = _name(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE ROLE "{app_role}" NOLOGIN NOSUPERUSER')
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename IN (%s, 'permissions_accessloganchor')",
            [current],
        )
        assert {owner for (owner,) in cursor.fetchall()} == {owner_role}
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        later = month_add(timezone.localdate(), 7)
        assert access_log_partitions_ensure(later, months_ahead=0) == [_name(later)]
        with override_settings(ACCESS_LOG_RETENTION_MONTHS=6):
            access_log_retention_apply(timezone.localdate())
        for statement in (
            f"TRUNCATE {current}",
            f"DROP TABLE {current}",
            f"DROP TABLE {_name(later)}",
            f"INSERT INTO {current} (id, at, action, record_types, reason, path, user_id, row_hash, token_name) "
            "VALUES (1, now(), 'detail', '', '', '', 1, '', '')",
            "INSERT INTO permissions_accessloganchor (last_id, row_hash, partition, created_at) VALUES (1, '', '', now())",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [_name(later)])
        assert cursor.fetchone() == (owner_role,)
