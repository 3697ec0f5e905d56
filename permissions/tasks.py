"""Celery tasks of the permissions app for deployments; the same job is a management command."""

from celery import shared_task
from django.utils import timezone


@shared_task
def access_log_partitions_maintain() -> tuple[list[str], list[str]]:
    """Nightly: the access log's partitions ahead, then the retention. Returns (created, dropped)."""
    from permissions.partitions import access_log_partitions_maintain as maintain

    created, retention = maintain(timezone.localdate())
    return created, retention.dropped
