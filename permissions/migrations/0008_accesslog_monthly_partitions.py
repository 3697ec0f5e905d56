"""On PostgreSQL the access log becomes a table partitioned by month of `at`.

The rows are copied into the new table in id order with no trigger on it yet, so each keeps its
id and stored hash; the id sequence continues where it stood; the indexes, the foreign key and
the append-only, no-truncate and chain triggers are made again on the partitioned table (row
triggers on a partitioned table fire in each partition). The primary key becomes (id, at), as
PostgreSQL requires the partition key in it. Going back makes one plain table of the rows again.
SQLite keeps its one plain table: nothing happens there but the anchor table.
"""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from permissions.access_log_chain import PG_FUNCTIONS, PG_LOCK_KEY
from permissions.partitions import (
    PG_CHAIN_FUNCTION,
    PG_PARTITION_FUNCTIONS,
    PG_PARTITION_FUNCTIONS_DROP,
    month_add,
)

TRIGGERS = """
CREATE TRIGGER permissions_accesslog_append_only
  BEFORE UPDATE OR DELETE ON permissions_accesslog
  FOR EACH ROW EXECUTE FUNCTION permissions_accesslog_append_only();
CREATE TRIGGER permissions_accesslog_chain
  BEFORE INSERT ON permissions_accesslog
  FOR EACH ROW EXECUTE FUNCTION permissions_accesslog_chain();
CREATE TRIGGER permissions_accesslog_no_truncate
  BEFORE TRUNCATE ON permissions_accesslog
  FOR EACH STATEMENT EXECUTE FUNCTION permissions_accesslog_no_truncate();
"""

ANCHOR_TRIGGER = """
CREATE TRIGGER permissions_accessloganchor_append_only
  BEFORE UPDATE OR DELETE ON permissions_accessloganchor
  FOR EACH ROW EXECUTE FUNCTION permissions_accesslog_append_only();
"""


def _fetch(cursor, sql, params=None):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _rebuild(cursor, *, partitioned: bool) -> None:
    """Copy permissions_accesslog into a new table of the other kind, keeping ids, hashes, the
    sequence's position, the index and constraint names."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # pending FK checks would block ALTER TABLE
    cursor.execute("LOCK TABLE permissions_accesslog IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})")
    (sequence,) = _fetch(cursor, "SELECT pg_get_serial_sequence('permissions_accesslog', 'id')")[0]
    last_value, is_called = _fetch(cursor, f"SELECT last_value, is_called FROM {sequence}")[0]
    indexes = _fetch(
        cursor,
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'permissions_accesslog' AND indexname <> 'permissions_accesslog_pkey'",
    )
    foreign_keys = _fetch(
        cursor,
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'permissions_accesslog'::regclass AND contype = 'f'",
    )
    cursor.execute("ALTER TABLE permissions_accesslog RENAME TO permissions_accesslog_before")
    cursor.execute(
        "CREATE TABLE permissions_accesslog (LIKE permissions_accesslog_before INCLUDING DEFAULTS INCLUDING IDENTITY)"
        + (" PARTITION BY RANGE (at)" if partitioned else "")
    )
    if partitioned:
        cursor.execute(
            "CREATE TABLE permissions_accesslog_default PARTITION OF permissions_accesslog DEFAULT"
        )
        cursor.execute(
            "CREATE TRIGGER permissions_accesslog_no_truncate BEFORE TRUNCATE ON permissions_accesslog_default "
            "FOR EACH STATEMENT EXECUTE FUNCTION permissions_accesslog_no_truncate()"
        )
        cursor.execute(PG_PARTITION_FUNCTIONS)
        # Every month the rows span, and this month and the next two.
        today = timezone.localdate()
        ((oldest,),) = _fetch(cursor, "SELECT min(at) FROM permissions_accesslog_before")
        month = month_add(timezone.localtime(oldest).date() if oldest else today, 0)
        while month <= month_add(today, 2):
            cursor.execute(
                "SELECT permissions_accesslog_partition_ensure(%s, %s)", [month, settings.TIME_ZONE]
            )
            month = month_add(month, 1)
    cursor.execute("INSERT INTO permissions_accesslog SELECT * FROM permissions_accesslog_before ORDER BY id")
    cursor.execute("DROP TABLE permissions_accesslog_before")
    (new_sequence,) = _fetch(cursor, "SELECT pg_get_serial_sequence('permissions_accesslog', 'id')")[0]
    if new_sequence != sequence:
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {sequence.split('.')[-1]}")
    cursor.execute(f"SELECT setval('{sequence}', %s, %s)", [last_value, is_called])
    key = "(id, at)" if partitioned else "(id)"
    cursor.execute(
        f"ALTER TABLE permissions_accesslog ADD CONSTRAINT permissions_accesslog_pkey PRIMARY KEY {key}"
    )
    for _name, definition in indexes:
        cursor.execute(definition.replace(" ON ONLY ", " ON "))
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE permissions_accesslog ADD CONSTRAINT {name} {definition}")
    cursor.execute(PG_CHAIN_FUNCTION if partitioned else PG_FUNCTIONS)
    cursor.execute(TRIGGERS)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=True)
        cursor.execute(ANCHOR_TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=False)
        cursor.execute(PG_PARTITION_FUNCTIONS_DROP)


class Migration(migrations.Migration):
    dependencies = [("permissions", "0007_accesslog_token_calls_and_chained_token_name")]

    operations = [
        migrations.CreateModel(
            name="AccessLogAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_id", models.BigIntegerField(unique=True, verbose_name="最后一条的编号")),
                ("row_hash", models.CharField(max_length=64, verbose_name="校验值")),
                ("partition", models.CharField(max_length=63, verbose_name="删除的分区")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="删除时间"),
                ),
            ],
            options={
                "verbose_name": "访问记录链起点",
                "verbose_name_plural": "访问记录链起点",
                "ordering": ["-last_id"],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
