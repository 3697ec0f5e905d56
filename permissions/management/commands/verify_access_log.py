"""Walk the access log's hash chain and report the first row that does not match."""

from contextlib import closing

from django.core.management.base import BaseCommand, CommandError

from permissions.access_log_chain import FIELDS, chain_check
from permissions.models import AccessLog, AccessLogAnchor


class Command(BaseCommand):
    help = (
        "Verify the access log's hash chain; exit 1 naming the first row that does not match. "
        "After the retention dropped the oldest months, the walk starts from the newest anchor."
    )

    def handle(self, *args, **options):
        anchor = AccessLogAnchor.objects.order_by("-last_id").first()
        rows = AccessLog.objects.order_by("id")
        prev = ""
        if anchor is not None:
            # Every row up to the anchor was dropped with its month; one still there was not
            # dropped by the retention, which refuses to leave such a row behind.
            behind = rows.filter(id__lte=anchor.last_id).values_list("id", flat=True).first()
            if behind is not None:
                raise CommandError(
                    f"access log row id={behind} is at or before the chain's anchor (id={anchor.last_id}, "
                    f"partition {anchor.partition}): it was inserted outside the app"
                )
            rows = rows.filter(id__gt=anchor.last_id)
            prev = anchor.row_hash
        rows = rows.values("row_hash", *FIELDS).iterator(chunk_size=5000)
        # Close the server-side cursor now when the walk stops early, not whenever it is collected.
        with closing(rows):
            checked, bad_id = chain_check(rows, prev)
        if bad_id is not None:
            raise CommandError(
                f"access log row id={bad_id} (row {checked} in id order) does not match the hash chain: "
                "it, or the row before it, was changed, deleted or inserted outside the app"
            )
        start = f" from the anchor after id {anchor.last_id} ({anchor.partition})" if anchor else ""
        self.stdout.write(f"access log verified: {checked} rows{start}, hash chain intact")
