"""Celery tasks of the supervisors' figures and reports; the same jobs are management commands."""

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task
def refresh_figures() -> int:
    """The nightly per-community figures (oversight.rates.figures_refresh)."""
    from oversight.rates import figures_refresh

    return figures_refresh(timezone.localdate())


@shared_task
def refresh_figures_county(county_id: int, today: str) -> int:
    """One county's part of the nightly figures (oversight.rates.figures_refresh_county)."""
    from casework.models import Region
    from oversight.rates import figures_refresh_county

    return figures_refresh_county(Region.objects.get(pk=county_id), date.fromisoformat(today))


@shared_task
def refresh_figures_above_counties(today: str) -> int:
    """After every county's part: the regions outside the counties (oversight.rates)."""
    from oversight.rates import figures_refresh_above_counties

    return figures_refresh_above_counties(date.fromisoformat(today))


@shared_task
def monthly_reports() -> int:
    """On the 1st: store last month's PDF report of every township (oversight.monthly)."""
    from oversight.monthly import monthly_reports_generate

    return monthly_reports_generate(timezone.localdate())


@shared_task
def monthly_report_make(report_id: int) -> str:
    """One report a supervisor asked for (oversight.monthly.monthly_report_make); return its status."""
    from oversight.monthly import monthly_report_make as make

    report = make(report_id)
    return report.status if report is not None else ""
