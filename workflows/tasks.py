"""Celery tasks for deployments; the same jobs are management commands for the quick start."""

from celery import shared_task
from django.utils import timezone


@shared_task
def scan_obligations() -> tuple[int, int]:
    from .obligations import obligations_scan

    return obligations_scan(timezone.localdate())


@shared_task
def fire_workflow_timers() -> int:
    from viewflow.workflow.timers import fire_due_timers

    return fire_due_timers()
