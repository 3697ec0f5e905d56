"""Nightly per-community figures behind the supervisors' rates and the 无毒社区 assessment (idempotent)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from oversight.rates import figures_refresh


class Command(BaseCommand):
    help = "Recompute the per-community figures for the year to date and the last 12 months."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Compute as of this date (YYYY-MM-DD); default today.")

    def handle(self, *args, as_of=None, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from exc
        started = time.monotonic()
        rows = figures_refresh(day)
        self.stdout.write(
            f"as of {day}: {rows} region-period and worker row(s) in {time.monotonic() - started:.2f} s"
        )
