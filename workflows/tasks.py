"""Celery tasks of the life cycle for deployments; the same jobs are management commands.

The night's work runs either as one process per job (`scan_obligations` at 01:30, then
`oversight.tasks.refresh_figures` at 02:00: the default), or, with the setting
NIGHTLY_BY_COUNTY, as one Celery canvas (`nightly_by_county`) whose scan and figures are split
into one task per county across the workers. The single-process jobs stay the default: with
one county or one worker the split only adds broker round trips, and on PostgreSQL the county
scans take their table lock one at a time (obligations.services.obligations_scan), so only the
figures, the longer part, run side by side. The split pays off with many counties and several
workers; both ways write the same rows.
"""

from datetime import date

from celery import chain, group, shared_task
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


@shared_task
def daily_before_scan(as_of: str) -> tuple[int, int]:
    """The first step of the daily run (workflows.daily): the help-team grants. (added, removed)."""
    from permissions.services import team_grants_refresh

    result = team_grants_refresh(date.fromisoformat(as_of))
    return result.added, result.removed


@shared_task
def daily_after_scan(as_of: str) -> tuple[int, int, int]:
    """The steps of the daily run after every county's scan: completion flows, then the digests
    and escalations of what was marked. (completions, digests, escalations)."""
    from notifications.services import notifications_send
    from workflows.branches.completion import completions_open

    day = date.fromisoformat(as_of)
    completions = completions_open(day)
    digests, escalations = notifications_send(day)
    return completions, digests, escalations


def nightly_canvas(day: date):
    """The night as one canvas, in the order of the daily run and then the figures: the grants,
    every county's scan (a group), the completions and notifications, every county's figures
    (a group), then the regions outside the counties. Each group is a chord header: the next
    step starts when every county's task has succeeded, and a failed county stops the night."""
    from casework.models import Region
    from obligations.tasks import scan_obligations_county
    from oversight.tasks import refresh_figures_above_counties, refresh_figures_county

    as_of = day.isoformat()
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY).order_by("path").values_list("pk", flat=True)
    )
    steps = [daily_before_scan.si(as_of)]
    if counties:
        steps.append(group(scan_obligations_county.si(pk, as_of) for pk in counties))
    steps.append(daily_after_scan.si(as_of))
    if counties:
        steps.append(group(refresh_figures_county.si(pk, as_of) for pk in counties))
    steps.append(refresh_figures_above_counties.si(as_of))
    return chain(*steps)


@shared_task
def nightly_by_county() -> str:
    """Start the night's canvas (`nightly_canvas`) as of today; return its result id. The beat
    runs this instead of the single-process jobs when NIGHTLY_BY_COUNTY is set."""
    return nightly_canvas(timezone.localdate()).apply_async().id
