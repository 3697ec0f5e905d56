"""Celery task: a township's case files as one zip (caseload.casefile.archive_build)."""

from celery import shared_task


@shared_task
def casefile_archive_build(archive_id: int) -> int:
    from caseload.casefile import archive_build

    return archive_build(archive_id).done
