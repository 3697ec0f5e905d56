"""Daily scan: mark overdue obligations and open reminders (idempotent, one set-based pass)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from permissions.services import team_grants_refresh
from workflows.notifications import notifications_send
from workflows.obligations import obligations_scan


class Command(BaseCommand):
    help = "Mark pending obligations past their due date as overdue and open reminders."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Scan as of this date (YYYY-MM-DD); default today.")

    def handle(self, *args, as_of=None, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from exc
        started = time.monotonic()
        grants = team_grants_refresh(day)
        self.stdout.write(
            f"as of {day}: help-team grants: {grants.added} added, {grants.removed} removed "
            f"in {time.monotonic() - started:.2f} s"
        )
        started = time.monotonic()
        marked, reminders = obligations_scan(day)
        self.stdout.write(
            f"as of {day}: {marked} obligation(s) marked overdue, {reminders} reminder(s) opened "
            f"in {time.monotonic() - started:.2f} s"
        )
        # Issue 5 (helper h2): completion flows for episodes entering the window (arts 23, 40).
        from workflows.completion import completions_open

        self.stdout.write(f"as of {day}: {completions_open(day)} completion flow(s) started")
        # Issue 6: the daily digest and escalations (workflows/notifications.py).
        started = time.monotonic()
        digests, escalations = notifications_send(day)
        self.stdout.write(
            f"as of {day}: {digests} digest(s) and {escalations} escalation(s) sent "
            f"in {time.monotonic() - started:.2f} s"
        )
