"""The daily run by hand: the same steps, in the same order, as the Celery beat task."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflows.daily import daily_run


class Command(BaseCommand):
    help = (
        "The daily run: expire help-team grants, mark overdue obligations and open reminders, "
        "start completion flows, send digests and escalations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Scan as of this date (YYYY-MM-DD); default today.")

    def handle(self, *args, as_of=None, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from exc
        daily_run(day, report=self.stdout.write)
