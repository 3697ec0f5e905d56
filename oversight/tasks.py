"""Celery tasks of the supervisors' figures and reports; the same jobs are management commands."""

from celery import shared_task
from django.utils import timezone


@shared_task
def refresh_figures() -> int:
    """The nightly per-community figures (oversight.rates.figures_refresh)."""
    from oversight.rates import figures_refresh

    return figures_refresh(timezone.localdate())


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
