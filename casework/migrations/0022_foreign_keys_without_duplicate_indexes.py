"""Drop the index of its own of each foreign key listed below: a composite index of the same
table already begins with that column.

Django's AlterField(db_index=False) would drop every plain b-tree index on the column except the
model's Meta.indexes, and so also a partial unique index on it alone, such as
episode_one_open_per_person. The index dropped here is only the one Django made for the
foreign key, found by its name; the field changes in the migration state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIELDS = [
    ("caseevent", "person"),
    ("drugtest", "person"),
    ("episode", "person"),
    ("episode", "township"),
    ("obligation", "episode"),
    ("obligation", "person"),
    ("obligation", "township"),
    ("person", "region"),
    ("talk", "person"),
    ("teammember", "user"),
]


def _indexes(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("casework", model_name)
        column = model._meta.get_field(field_name).column
        yield model, column, schema_editor._create_index_name(model._meta.db_table, [column], suffix="")


def drop_indexes(apps, schema_editor):
    for _model, _column, name in _indexes(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for model, column, name in _indexes(apps, schema_editor):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {schema_editor.quote_name(model._meta.db_table)} ({schema_editor.quote_name(column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0021_person_name_pk_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="caseevent",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="casework.person",
                        verbose_name="人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="drugtest",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="drug_tests",
                        to="casework.person",
                        verbose_name="人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="episode",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="episodes",
                        to="casework.person",
                        verbose_name="人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="episode",
                    name="township",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="casework.region",
                        verbose_name="执行地乡镇(街道)",
                    ),
                ),
                migrations.AlterField(
                    model_name="obligation",
                    name="episode",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="obligations",
                        to="casework.episode",
                        verbose_name="执行记录",
                    ),
                ),
                migrations.AlterField(
                    model_name="obligation",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="obligations",
                        to="casework.person",
                        verbose_name="人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="obligation",
                    name="township",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="casework.region",
                        verbose_name="执行地",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="region",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="persons",
                        to="casework.region",
                        verbose_name="管辖社区",
                    ),
                ),
                migrations.AlterField(
                    model_name="talk",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="talks",
                        to="casework.person",
                        verbose_name="人员",
                    ),
                ),
                migrations.AlterField(
                    model_name="teammember",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="team_memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="工作人员账号",
                    ),
                ),
            ],
        ),
    ]
