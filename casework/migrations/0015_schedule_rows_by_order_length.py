"""Default 社区康复 test rates by order length (rules.md §2.1, Huaihua practice).

The Huaihua table (every 2 months, quarterly, half-yearly: at least 12 tests) is written for
3-year orders; 2-year orders are tested every 2 months, at least 12 times. So the default
rows of the 3-year table now apply to 36-month orders only, orders of 2 to 35 months are
tested every 2 months in every year (an order between 2 and 3 years would fall short of 12
with the 3-year table), and a 1-month order is tested once, at its end.
"""

from django.db import migrations

ROWS = [  # (term_months_min, term_months_max, programme_year, interval_months)
    (1, 1, 1, 1),
    (2, 35, 1, 2),
    (2, 35, 2, 2),
    (2, 35, 3, 2),
]


def forward(apps, schema_editor):
    Rule = apps.get_model("casework", "ObligationRule")
    Rule.objects.filter(
        region__isnull=True, episode_kind="rehab", obligation_kind="drug_test", term_months_min__isnull=True
    ).update(term_months_min=36, term_months_max=36)
    for low, high, year, interval in ROWS:
        Rule.objects.get_or_create(
            region=None,
            episode_kind="rehab",
            obligation_kind="drug_test",
            programme_year=year,
            term_months_min=low,
            term_months_max=high,
            defaults={"interval_months": interval, "owner_party": "community"},
        )


def backward(apps, schema_editor):
    Rule = apps.get_model("casework", "ObligationRule")
    for low, high, year, _interval in ROWS:
        Rule.objects.filter(
            region__isnull=True,
            episode_kind="rehab",
            obligation_kind="drug_test",
            programme_year=year,
            term_months_min=low,
            term_months_max=high,
        ).delete()
    Rule.objects.filter(
        region__isnull=True, episode_kind="rehab", obligation_kind="drug_test", term_months_min=36
    ).update(term_months_min=None, term_months_max=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0014_seed_national_calendar")]
    operations = [migrations.RunPython(forward, backward)]
