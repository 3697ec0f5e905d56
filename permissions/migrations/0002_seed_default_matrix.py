from django.db import migrations

# The defaults, from rules.md §4: the police see tests, absences and violations (not talk
# content); 人社 training; 民政 assistance; 司法所 violations and legal aid; the
# community worker everything; supervisors every record type but talk content.
MATRIX = {
    "community": ["drugtest", "talk", "absence", "violation", "training", "assistance", "legalaid", "identifiers"],
    "police": ["drugtest", "absence", "violation", "identifiers"],
    "judicial": ["violation", "legalaid"],
    "family": [],
    "civil_affairs": ["assistance"],
    "human_resources": ["training"],
    "supervisor": ["drugtest", "absence", "violation", "training", "assistance", "legalaid"],
}


def seed(apps, schema_editor):
    Rule = apps.get_model("permissions", "RecordAccessRule")
    for party, types in MATRIX.items():
        for record_type in types:
            Rule.objects.get_or_create(party=party, record_type=record_type)


def unseed(apps, schema_editor):
    apps.get_model("permissions", "RecordAccessRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("permissions", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
