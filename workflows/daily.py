"""The daily run, in one place: what the Celery beat task and `manage.py scan_obligations` do.

In this order, because each step reads what the one before wrote: help-team grants whose
last day has passed are removed (and those starting today added); pending obligations past
their due date are marked overdue with their reminders; episodes entering the completion
window get their flow (戒毒条例 arts 23, 40); then the digests and escalations are written
from the overdue items just marked. Every step is idempotent: a second run on the same day
changes nothing.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from notifications.services import notifications_send
from obligations.services import obligations_scan
from permissions.services import team_grants_refresh
from workflows.branches.completion import completions_open


@dataclass(frozen=True)
class DailyRun:
    grants_added: int
    grants_removed: int
    marked: int
    reminders: int
    completions: int
    digests: int
    escalations: int


def daily_run(day: date, report: Callable[[str], None] | None = None) -> DailyRun:
    """Run the day's steps as of `day`; `report` receives one line per step with its time."""

    def timed(step, label):
        started = time.monotonic()
        result = step(day)
        if report is not None:
            report(label(result) + f" in {time.monotonic() - started:.2f} s")
        return result

    grants = timed(
        team_grants_refresh, lambda g: f"as of {day}: help-team grants: {g.added} added, {g.removed} removed"
    )
    marked, reminders = timed(
        obligations_scan,
        lambda r: f"as of {day}: {r[0]} obligation(s) marked overdue, {r[1]} reminder(s) opened",
    )
    completions = timed(completions_open, lambda n: f"as of {day}: {n} completion flow(s) started")
    digests, escalations = timed(
        notifications_send, lambda r: f"as of {day}: {r[0]} digest(s) and {r[1]} escalation(s) sent"
    )
    return DailyRun(grants.added, grants.removed, marked, reminders, completions, digests, escalations)
