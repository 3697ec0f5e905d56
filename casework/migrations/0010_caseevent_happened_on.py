"""A case event's date (the day the thing happened) beside the time it was recorded.

Existing rows get the local date of their recording time: before this field the two were one.
"""

import django.utils.timezone
from django.db import migrations, models


def fill_happened_on(apps, schema_editor):
    table = apps.get_model("casework", "CaseEvent")._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        sql = f"UPDATE {table} SET happened_on = (at AT TIME ZONE 'Asia/Shanghai')::date"
    else:  # SQLite stores UTC text; Asia/Shanghai is UTC+8 all year (no daylight saving)
        sql = f"UPDATE {table} SET happened_on = date(at, '+8 hours')"
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0009_region_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="happened_on",
            field=models.DateField(null=True, verbose_name="发生日期"),
        ),
        migrations.RunPython(fill_happened_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseevent",
            name="happened_on",
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name="发生日期"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="记录时间"),
        ),
        migrations.AlterModelOptions(
            name="caseevent",
            options={
                "ordering": ["-happened_on", "-at", "-id"],
                "verbose_name": "事件记录",
                "verbose_name_plural": "事件记录",
            },
        ),
        migrations.RemoveIndex(
            model_name="caseevent",
            name="caseevent_person_at_idx",
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(fields=["person", "-happened_on", "-at"], name="caseevent_person_day_idx"),
        ),
    ]
