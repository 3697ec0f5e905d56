"""Walk the access log's hash chain and report the first row that does not match."""

from contextlib import closing

from django.core.management.base import BaseCommand, CommandError

from permissions.access_log_chain import FIELDS, chain_check
from permissions.models import AccessLog


class Command(BaseCommand):
    help = "Verify the access log's hash chain; exit 1 naming the first row that does not match."

    def handle(self, *args, **options):
        rows = AccessLog.objects.order_by("id").values("row_hash", *FIELDS).iterator(chunk_size=5000)
        # Close the server-side cursor now when the walk stops early, not whenever it is collected.
        with closing(rows):
            checked, bad_id = chain_check(rows)
        if bad_id is not None:
            raise CommandError(
                f"access log row id={bad_id} (row {checked} in id order) does not match the hash chain: "
                "it, or the row before it, was changed, deleted or inserted outside the app"
            )
        self.stdout.write(f"access log verified: {checked} rows, hash chain intact")
