"""The access log records a token's call that read no person, and chains the token's name.

A row's hash now covers its token's name when it has one. Rows without a token keep their
hash; every row from the first one written with a token is checked against the form it was
hashed with, then re-hashed in the new form. A chain that does not check out is not re-hashed
over: the migration stops and names the row, for `verify_access_log` and a person to look at.
"""

from django.db import migrations, models

from permissions.access_log_chain import FIELDS, PG_FUNCTIONS, SQLITE_CREATE, SQLITE_DROP, row_hash
from permissions.access_log_chain import sqlite_function_register


def rechain(apps, schema_editor):
    AccessLog = apps.get_model("permissions", "AccessLog")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS)
    elif vendor == "sqlite":
        # Altering a column remakes the table on SQLite, and the remade table has no trigger.
        sqlite_function_register(None, schema_editor.connection)
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_CREATE)
    first = AccessLog.objects.exclude(token_name="").order_by("id").values_list("id", flat=True).first()
    if first is None:
        return
    prev_row = AccessLog.objects.filter(id__lt=first).order_by("-id").values("row_hash").first()
    old_prev = new_prev = prev_row["row_hash"] if prev_row else ""
    if vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_append_only")
    rows = AccessLog.objects.filter(id__gte=first).order_by("id").values("row_hash", *FIELDS)
    for row in rows.iterator(chunk_size=5000):
        if row["row_hash"] != row_hash(old_prev, row, with_token_name=False):
            raise RuntimeError(
                f"access log row id={row['id']} does not match the hash chain: not re-hashing over it "
                "(run manage.py verify_access_log on the database before this migration)"
            )
        old_prev = row["row_hash"]
        new_prev = row_hash(new_prev, row)
        AccessLog.objects.filter(pk=row["id"]).update(row_hash=new_prev)
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE permissions_accesslog ENABLE TRIGGER permissions_accesslog_append_only")


class Migration(migrations.Migration):
    dependencies = [("permissions", "0006_accesslog_token_name")]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=models.DO_NOTHING,
                related_name="+",
                to="casework.person",
                verbose_name="人员",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="action",
            field=models.CharField(
                choices=[
                    ("detail", "查看档案"),
                    ("access", "查看授权"),
                    ("reveal", "查看完整号码"),
                    ("export", "导出"),
                    ("print", "打印"),
                    ("list", "列表"),
                    ("api", "接口调用"),
                ],
                max_length=10,
                verbose_name="操作",
            ),
        ),
        # Going back leaves the newer hashes in place: verify_access_log of the older code
        # would then report the first token row, which is the truth about such a database.
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
