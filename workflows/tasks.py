"""Celery tasks for deployments; the same jobs are management commands for the quick start."""

from celery import shared_task
from django.utils import timezone


@shared_task
def scan_obligations() -> tuple[int, int, int, int]:
    """The daily run: mark overdue obligations, then send digests and escalations (issue 6).

    Returns (marked overdue, reminders opened, digests, escalations).
    """
    from .notifications import notifications_send
    from .obligations import obligations_scan

    today = timezone.localdate()
    marked, reminders = obligations_scan(today)
    # Issue 5 (helper h2): episodes entering the completion window get their flow (arts 23, 40).
    from .completion import completions_open

    completions_open(today)
    digests, escalations = notifications_send(today)
    return marked, reminders, digests, escalations


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


@shared_task
def refresh_figures() -> int:
    """The nightly per-community figures (workflows.rates.figures_refresh)."""
    from .rates import figures_refresh

    return figures_refresh(timezone.localdate())


@shared_task
def monthly_reports() -> int:
    """On the 1st: store last month's PDF report of every township (issue 6, workflows.monthly)."""
    from .monthly import monthly_reports_generate

    return monthly_reports_generate(timezone.localdate())
