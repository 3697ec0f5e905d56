"""Celery tasks of the life cycle for deployments; the same jobs are management commands."""

from celery import shared_task
from django.utils import timezone


@shared_task
def scan_obligations() -> tuple[int, int, int, int]:
    """The daily run (workflows.daily). Returns (marked overdue, reminders opened, digests, escalations)."""
    from workflows.daily import daily_run

    run = daily_run(timezone.localdate())
    return run.marked, run.reminders, run.digests, run.escalations


@shared_task
def refresh_team_grants() -> tuple[int, int]:
    """Just after midnight: remove the help-team grants whose last day has passed (the door
    already ignores them) and add those of memberships starting today. Returns (added, removed)."""
    from permissions.services import team_grants_refresh

    result = team_grants_refresh(timezone.localdate())
    return result.added, result.removed


@shared_task
def fire_workflow_timers() -> int:
    from viewflow.workflow.timers import fire_due_timers

    return fire_due_timers()
