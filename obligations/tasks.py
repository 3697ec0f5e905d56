"""Celery task of the overdue scan restricted to one county (a part of the nightly group)."""

from datetime import date

from celery import shared_task


@shared_task
def scan_obligations_county(county_id: int, as_of: str) -> tuple[int, int]:
    """`obligations_scan` over one county's obligations as of `as_of` (YYYY-MM-DD); (marked, reminders)."""
    from casework.models import Region
    from obligations.services import obligations_scan

    return obligations_scan(date.fromisoformat(as_of), county=Region.objects.get(pk=county_id))
