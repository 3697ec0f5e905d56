"""Create the access log's monthly partitions ahead and apply the retention (PostgreSQL)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from permissions.partitions import access_log_partitions_maintain


class Command(BaseCommand):
    help = (
        "Create this month's and the next two months' access-log partitions (moving their rows out of "
        "the DEFAULT partition), then drop the months older than ACCESS_LOG_RETENTION_MONTHS. "
        "Nothing on SQLite."
    )

    def handle(self, *args, **options):
        try:
            created, retention = access_log_partitions_maintain(timezone.localdate())
        except (ImproperlyConfigured, DatabaseError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"access log partitions created: {', '.join(created) or 'none'}")
        if retention.cutoff is not None:
            self.stdout.write(
                f"access log retention: rows before {retention.cutoff:%Y-%m-%d}, "
                f"dropped {', '.join(retention.dropped) or 'none'}"
            )
