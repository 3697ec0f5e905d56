"""Default schedule table (rules.md §2.1, Huaihua practice): national figures do not exist.

社区戒毒: tests monthly in year 1, every 2 months in year 2, quarterly in year 3 (22 in all).
社区康复: every 2 months, quarterly, half-yearly (12 in all for a 3-year order). Talks monthly.
"""

from django.db import migrations

INTERVALS = {
    ("detox", "drug_test"): (1, 2, 3),
    ("rehab", "drug_test"): (2, 3, 6),
    ("detox", "talk"): (1, 1, 1),
    ("rehab", "talk"): (1, 1, 1),
}


def seed(apps, schema_editor):
    Rule = apps.get_model("casework", "ObligationRule")
    for (episode_kind, obligation_kind), months in INTERVALS.items():
        for year, interval in enumerate(months, start=1):
            Rule.objects.get_or_create(
                region=None,
                episode_kind=episode_kind,
                programme_year=year,
                obligation_kind=obligation_kind,
                defaults={"interval_months": interval, "owner_party": "community"},
            )


def unseed(apps, schema_editor):
    apps.get_model("casework", "ObligationRule").objects.filter(region__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0003_obligations_and_records")]
    operations = [migrations.RunPython(seed, unseed)]
