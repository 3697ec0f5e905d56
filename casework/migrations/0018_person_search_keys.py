"""Search keys on the person: a keyed hash of the ID number and the pinyin initials of the name,
filled for every existing file (casework.search_keys)."""

from django.db import migrations, models

from casework.search_keys import keys_refill


def fill_keys(apps, schema_editor):
    keys_refill(apps.get_model("casework", "Person"))


def clear_keys(apps, schema_editor):
    apps.get_model("casework", "Person").objects.update(id_number_key="", name_initials="")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0017_agency_kind_community_committee"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_number_key",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=64, verbose_name="证件号检索值"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=100, verbose_name="姓名拼音首字母"),
        ),
        migrations.RunPython(fill_keys, clear_keys),
    ]
