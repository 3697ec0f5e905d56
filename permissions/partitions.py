"""The access log's monthly partitions on PostgreSQL: created ahead, and dropped past the retention.

On PostgreSQL `permissions_accesslog` is partitioned by range of `at`, one partition per calendar
month in the project's time zone (`permissions_accesslog_y2026m12`), with a DEFAULT partition so
no insert can fail when the nightly job has not run. SQLite keeps one plain table; every function
here does nothing there.

Both jobs are SQL functions owned by the log's owner role and run with its rights (SECURITY
DEFINER), so the app's role, which may only INSERT and SELECT the log, can run them without
owning the table. The retention floor (six months, 网络安全法 第二十一条) is enforced inside the
SQL function too, so no caller can drop a recent month.

Dropping the oldest months removes the start of the hash chain: before a partition is dropped,
the id and hash of its last row in id order are stored in the anchor table
(`AccessLogAnchor`), the chain trigger continues from it when the log is empty, and
`verify_access_log` starts its walk there.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from .access_log_chain import PG_LOCK_KEY, PG_ROW_HASH

# The law's floor for keeping network logs: 网络安全法 第二十一条 (no less than six months).
RETENTION_FLOOR_MONTHS = 6

# The chain trigger of access_log_chain, continuing from the anchor when every older row has been
# dropped by the retention. The canonical form is the same one.
PG_CHAIN_FUNCTION = f"""
CREATE OR REPLACE FUNCTION permissions_accesslog_chain() RETURNS trigger AS $$
DECLARE
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
  NEW.id := nextval(pg_get_serial_sequence('permissions_accesslog', 'id'));
  SELECT row_hash INTO prev FROM permissions_accesslog ORDER BY id DESC LIMIT 1;
  IF prev IS NULL THEN
    SELECT row_hash INTO prev FROM permissions_accessloganchor ORDER BY last_id DESC LIMIT 1;
  END IF;
{PG_ROW_HASH}  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PG_PARTITION_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION permissions_accesslog_partition_name(month date) RETURNS text AS $$
  SELECT 'permissions_accesslog_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM')
$$ LANGUAGE sql IMMUTABLE;

-- Create the partition of the month holding `month` (in time zone `tz`) unless it exists; rows of
-- that month already in the DEFAULT partition are moved into it first. Returns the name created,
-- or NULL when it existed.
CREATE OR REPLACE FUNCTION permissions_accesslog_partition_ensure(month date, tz text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  first date := date_trunc('month', month)::date;
  name text := permissions_accesslog_partition_name(date_trunc('month', month)::date);
  lo timestamptz := first::timestamp AT TIME ZONE tz;
  hi timestamptz := (first + interval '1 month')::timestamp AT TIME ZONE tz;
BEGIN
  -- The chain's lock: no row is written while rows move between partitions.
  PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
  IF to_regclass(name) IS NOT NULL THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT FROM permissions_accesslog_default WHERE at >= lo AND at < hi) THEN
    -- A detached partition loses the cloned row triggers, so its rows of the month can be moved
    -- (kept with their id and hash) without the append-only trigger refusing the DELETE.
    ALTER TABLE permissions_accesslog DETACH PARTITION permissions_accesslog_default;
    EXECUTE format('CREATE TABLE %I (LIKE permissions_accesslog INCLUDING DEFAULTS)', name);
    EXECUTE format('INSERT INTO %I SELECT * FROM permissions_accesslog_default WHERE at >= %L AND at < %L ORDER BY id',
                   name, lo, hi);
    DELETE FROM permissions_accesslog_default WHERE at >= lo AND at < hi;
    EXECUTE format('ALTER TABLE permissions_accesslog ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
    ALTER TABLE permissions_accesslog ATTACH PARTITION permissions_accesslog_default DEFAULT;
  ELSE
    EXECUTE format('CREATE TABLE %I PARTITION OF permissions_accesslog FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
  END IF;
  -- A statement trigger on the partitioned table does not fire for TRUNCATE of one partition.
  EXECUTE format('CREATE TRIGGER permissions_accesslog_no_truncate BEFORE TRUNCATE ON %I '
                 'FOR EACH STATEMENT EXECUTE FUNCTION permissions_accesslog_no_truncate()', name);
  RETURN name;
END;
$$;

-- Detach and drop every monthly partition wholly before `cutoff`, oldest first, after storing the
-- id and hash of its last row in the anchor table. Refuses a cutoff less than
-- {RETENTION_FLOOR_MONTHS} months ago, and a partition whose last id is above a kept row's (the
-- chain would then continue from a row it no longer has). Returns the names dropped.
CREATE OR REPLACE FUNCTION permissions_accesslog_partition_drop_before(cutoff timestamptz, tz text) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  part record;
  hi timestamptz;
  last_row record;
  straddler bigint;
  dropped text[] := ARRAY[]::text[];
BEGIN
  IF cutoff > now() - interval '{RETENTION_FLOOR_MONTHS} months' THEN
    RAISE EXCEPTION 'access log retention: refusing to drop rows newer than {RETENTION_FLOOR_MONTHS} months (cutoff %)', cutoff;
  END IF;
  PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
  FOR part IN
    SELECT c.relname, to_date(substr(c.relname, 24, 4) || substr(c.relname, 29, 2), 'YYYYMM') AS month
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'permissions_accesslog'::regclass
      AND c.relname ~ '^permissions_accesslog_y[0-9]{{4}}m[0-9]{{2}}$'
    ORDER BY 2
  LOOP
    hi := (part.month + interval '1 month')::timestamp AT TIME ZONE tz;
    EXIT WHEN hi > cutoff;
    EXECUTE format('SELECT id, row_hash FROM %I ORDER BY id DESC LIMIT 1', part.relname) INTO last_row;
    IF last_row.id IS NOT NULL THEN
      EXECUTE format('SELECT min(k.id) FROM permissions_accesslog k WHERE k.id < $1 AND k.tableoid <> %L::regclass',
                     part.relname) INTO straddler USING last_row.id;
      IF straddler IS NOT NULL THEN
        RAISE EXCEPTION 'access log retention: partition % ends at id % but row id % of a later month is kept; not dropping',
          part.relname, last_row.id, straddler;
      END IF;
      INSERT INTO permissions_accessloganchor (last_id, row_hash, partition, created_at)
        VALUES (last_row.id, last_row.row_hash, part.relname, now());
    END IF;
    EXECUTE format('ALTER TABLE permissions_accesslog DETACH PARTITION %I', part.relname);
    EXECUTE format('DROP TABLE %I', part.relname);
    dropped := dropped || part.relname::text;
  END LOOP;
  RETURN dropped;
END;
$$;

REVOKE ALL ON FUNCTION permissions_accesslog_partition_ensure(date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION permissions_accesslog_partition_drop_before(timestamptz, text) FROM PUBLIC;
"""

PG_PARTITION_FUNCTIONS_DROP = """
DROP FUNCTION IF EXISTS permissions_accesslog_partition_drop_before(timestamptz, text);
DROP FUNCTION IF EXISTS permissions_accesslog_partition_ensure(date, text);
DROP FUNCTION IF EXISTS permissions_accesslog_partition_name(date);
"""


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _is_partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('permissions_accesslog')"
        )
        return cursor.fetchone() is not None


def month_add(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day` (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def access_log_partitions_ensure(today: date, months_ahead: int = 2) -> list[str]:
    """Create the partitions of `today`'s month and the `months_ahead` after it that do not exist
    yet (moving any of their rows out of the DEFAULT partition). Returns the names created."""
    if not _postgres() or not _is_partitioned():
        return []
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        # ALTER TABLE (attaching a partition) cannot run while deferred FK checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for ahead in range(months_ahead + 1):
            cursor.execute(
                "SELECT permissions_accesslog_partition_ensure(%s, %s)",
                [month_add(today, ahead), settings.TIME_ZONE],
            )
            name = cursor.fetchone()[0]
            if name:
                created.append(name)
    return created


def retention_months() -> int:
    """ACCESS_LOG_RETENTION_MONTHS, checked: 0 keeps forever, otherwise at least the legal floor."""
    months = settings.ACCESS_LOG_RETENTION_MONTHS
    if months and months < RETENTION_FLOOR_MONTHS:
        raise ImproperlyConfigured(
            f"ACCESS_LOG_RETENTION_MONTHS={months}：访问记录至少保存 {RETENTION_FLOOR_MONTHS} 个月"
            "（网络安全法第二十一条），请设为 0（永久保存）或不少于 6 的月数。"
        )
    return months


@dataclass
class RetentionResult:
    cutoff: datetime | None
    dropped: list[str]


def access_log_retention_apply(today: date) -> RetentionResult:
    """Drop the monthly partitions wholly older than the retention (nothing when it is 0, and
    nothing on SQLite), anchoring the hash chain at the last row dropped."""
    months = retention_months()
    if not months or not _postgres() or not _is_partitioned():
        return RetentionResult(None, [])
    # Keep every row of the last `months` months counted back from today, to the day.
    back = month_add(today, -months)
    cutoff_day = back.replace(day=min(today.day, calendar.monthrange(back.year, back.month)[1]))
    cutoff = datetime(cutoff_day.year, cutoff_day.month, cutoff_day.day, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT permissions_accesslog_partition_drop_before(%s, %s)", [cutoff, settings.TIME_ZONE]
        )
        dropped = list(cursor.fetchone()[0])
    return RetentionResult(cutoff, dropped)


def access_log_partitions_maintain(today: date) -> tuple[list[str], RetentionResult]:
    """The nightly job: partitions ahead, then the retention."""
    return access_log_partitions_ensure(today), access_log_retention_apply(today)
