"""Rebuild every person's grants from the data and report the differences."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from permissions.services import rebuild_all_grants


class Command(BaseCommand):
    help = "Bring the guardian grant tables in line with teams, agencies and the matrix (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report differences; change nothing.")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, check: bool, batch_size: int, **options):
        started = time.monotonic()
        with transaction.atomic():
            result = rebuild_all_grants(dry_run=check, batch_size=batch_size)
        verb = "would add" if check else "added"
        verb_removed = "would remove" if check else "removed"
        self.stdout.write(
            f"{verb} {result.added} grant(s), {verb_removed} {result.removed} grant(s) "
            f"in {time.monotonic() - started:.1f} s"
        )
        if check and (result.added or result.removed):
            raise SystemExit(1)
