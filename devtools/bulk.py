"""Bulk writes for the demo seeders: unsaved model instances sent by PostgreSQL ``COPY`` with
their ids drawn from the table's sequence (``bulk_create`` elsewhere), and the switch that lets a
seeding transaction skip row triggers."""

import json

from django.db import connection
from django.utils import timezone

BATCH = 5000  # bulk_create batch size off PostgreSQL


def row_triggers(on: bool) -> None:
    """Let PostgreSQL skip row triggers (``on=False``) until ``row_triggers(True)`` or the end
    of the transaction, where the role may say so (a superuser, as on a developer's or the
    bench's server): the foreign-key checks, deferred to the commit, otherwise cost a quarter of
    the seed. The rows are consistent by construction, and a test checks every foreign key of a
    bulk seed. Elsewhere nothing changes."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute(f"SET LOCAL session_replication_role = {'origin' if on else 'replica'}")


def take_ids(model, count: int) -> list[int]:
    """``count`` fresh ids from the model's table sequence (PostgreSQL): safe beside other writers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_objects(model, objs: list) -> None:
    """Insert unsaved model instances and set their pks: COPY on PostgreSQL (ids taken from the
    table's sequence first), bulk_create elsewhere. Values are written as the instances hold them,
    with auto_now fields stamped now, JSON dumped and a file by its name: enough for the case
    models seeded this way (a field with its own pre_save would need bulk_create). No save() and
    no signals, as with bulk_create."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    ids = take_ids(model, len(objs))
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    plain = [f for f in fields if not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))]
    stamped = [f for f in fields if f not in plain]
    # Values the COPY cannot take as the instance holds them: JSON (dumped) and files (their name).
    convert = {
        n: (lambda v: json.dumps(v, ensure_ascii=False))
        if f.get_internal_type() == "JSONField"
        else f.get_prep_value
        for n, f in enumerate(plain)
        if f.get_internal_type() in ("JSONField", "FileField", "ImageField")
    }
    now = timezone.now()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in (*plain, *stamped))
    attnames = [f.attname for f in plain]
    stamps = [now] * len(stamped)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            values = [getattr(obj, name) for name in attnames]
            for n, to_db in convert.items():
                values[n] = to_db(values[n])
            copy.write_row(values + stamps)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def analyze_tables(*, vacuum: bool = False) -> None:
    """ANALYZE the application's tables on PostgreSQL, after a bulk load: until autovacuum gets
    there the planner works from the statistics of the empty tables (a nightly statement over a
    million persons took more than ten minutes on such statistics). The application's tables
    only: a bare ANALYZE also takes the server's shared catalogs, a lock another database's
    session would wait on while a transaction of its own is open.

    With `vacuum`, VACUUM (ANALYZE) where no transaction is open (VACUUM cannot run inside one;
    a test's seed only analyzes): rows just copied in are not yet marked all-visible, so every
    index-only scan (the grant tables' lookups above all) also reads the table's pages, as no
    database in use does once autovacuum has passed."""
    if connection.vendor != "postgresql":
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    command = "VACUUM (ANALYZE) " if vacuum and not connection.in_atomic_block else "ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(command + ", ".join(connection.ops.quote_name(t) for t in sorted(tables)))
