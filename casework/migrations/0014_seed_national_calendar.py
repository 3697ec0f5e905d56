"""Seed the national calendar with every year the pinned chinese-calendar release covers
(1.11.0: 2004 to 2026), from the State Council General Office's yearly holiday notices."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar.constants import Holiday, holidays, workdays

    CalendarDay = apps.get_model("casework", "CalendarDay")
    source = f"chinese-calendar {chinese_calendar.__version__}"
    rows = [CalendarDay(day=d, kind="holiday", name=Holiday(n).chinese, source=source) for d, n in holidays.items()]
    rows += [CalendarDay(day=d, kind="workday", name=Holiday(n).chinese, source=source) for d, n in workdays.items()]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("casework", "CalendarDay").objects.filter(source__startswith="chinese-calendar").delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0013_calendar_days_deadline_counts_schedule_terms")]
    operations = [migrations.RunPython(seed, unseed)]
