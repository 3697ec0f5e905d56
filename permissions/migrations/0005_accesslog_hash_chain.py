"""Chain every access-log row to the previous one by a hash, and refuse TRUNCATE on PostgreSQL.

Rows written before this migration are hashed here, in id order, so the chain starts at the
first row ever written.
"""

import django.utils.timezone
from django.db import migrations, models

from permissions.access_log_chain import (
    PG_CREATE,
    PG_DROP,
    SQLITE_CREATE,
    SQLITE_DROP,
    row_hash,
    sqlite_function_register,
)


# The columns as they stood at this migration (the token's name came later).
FIELDS = ("id", "user_id", "at", "person_id", "action", "record_types", "reason", "ip", "path")


def forwards(apps, schema_editor):
    AccessLog = apps.get_model("permissions", "AccessLog")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # The append-only trigger refuses UPDATE, rightly; this one back-fill is the exception.
        schema_editor.execute("ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_append_only")
    prev = ""
    for row in AccessLog.objects.order_by("id").values("row_hash", *FIELDS).iterator(chunk_size=5000):
        prev = row_hash(prev, row)
        AccessLog.objects.filter(pk=row["id"]).update(row_hash=prev)
    if postgres:
        schema_editor.execute("ALTER TABLE permissions_accesslog ENABLE TRIGGER permissions_accesslog_append_only")
        schema_editor.execute(PG_CREATE)
    elif schema_editor.connection.vendor == "sqlite":
        sqlite_function_register(None, schema_editor.connection)
        schema_editor.execute(SQLITE_CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("permissions", "0004_identity_record_type_and_team_grant_end")]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="时间"
            ),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="row_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="校验值"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
