"""Small pieces shared by transfers, suspensions and completion.

One-off legal deadlines as Obligation rows, ending an episode's open obligations, running a flow
step from code (the services the scenario test calls without HTTP) and cancelling open flows.
"""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.status import STATUS

from casework.errors import RecordRefused
from casework.models import Episode, Obligation
from obligations.schedule import programme_year
from workflows.models import EpisodeProcess


def deadline_open(
    episode: Episode,
    kind: str,
    *,
    due_from: date,
    due_by: date,
    owner_party: str = "community",
    period_days: int | None = None,
    day_count: str = "",
) -> Obligation:
    """Open a one-off legal deadline (transfer_in, closing_file, release) as an obligation row,
    with the period it was computed from when that is shown beside it ("7个工作日")."""
    last = Obligation.objects.filter(episode=episode, kind=kind).aggregate(m=Max("sequence"))["m"] or 0
    start = episode.start_date or due_by
    return Obligation.objects.create(
        episode=episode,
        person_id=episode.person_id,
        kind=kind,
        sequence=last + 1,
        programme_year=programme_year(start, due_by),
        due_from=min(due_from, due_by),
        due_by=due_by,
        owner_party=owner_party,
        township_id=episode.township_id,
        period_days=period_days,
        day_count=day_count,
    )


def deadline_meet(episode: Episode, kind: str, done_on: date) -> int:
    """Mark the open deadline of this kind done on `done_on`; return the rows changed."""
    return Obligation.objects.filter(episode=episode, kind=kind, status__in=Obligation.OPEN_STATUSES).update(
        status=Obligation.Status.DONE, done_on=done_on
    )


def obligations_end(episode: Episode, *, actor, reason: str, kinds=None) -> tuple[int, int]:
    """End the episode's open obligations: overdue ones stay on record as missed, pending ones are
    excused with the reason. Return (missed, excused)."""
    open_qs = Obligation.objects.filter(episode=episode, status__in=Obligation.OPEN_STATUSES)
    if kinds is not None:
        open_qs = open_qs.filter(kind__in=kinds)
    missed = open_qs.filter(status=Obligation.Status.OVERDUE).update(
        status=Obligation.Status.MISSED, excused_reason=reason[:200]
    )
    excused = open_qs.filter(status=Obligation.Status.PENDING).update(
        status=Obligation.Status.EXCUSED, excused_reason=reason[:200], excused_by=actor
    )
    return missed, excused


def episode_processes(episode: Episode):
    return EpisodeProcess.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Episode),
        artifact_object_id=episode.pk,
    )


def flows_cancel(episode: Episode, *, except_process_id: int | None = None) -> int:
    """Cancel the episode's open flows (their open tasks with them); return how many.

    A flow whose task is being completed right now (the caller's own) cannot be cancelled
    and is left to finish on its own.
    """
    cancelled = 0
    for process in episode_processes(episode).filter(status=STATUS.NEW).exclude(pk=except_process_id or 0):
        try:
            process.flow_class.instance.cancel(process)
        except FlowRuntimeError:
            continue
        cancelled += 1
    return cancelled


def flow_started(episode: Episode, flow_class) -> bool:
    return episode_processes(episode).filter(flow_class=flow_class).exists()


def check_not_future(day: date, label: str) -> None:
    if day > timezone.localdate():
        raise RecordRefused(_("%(label)s不能晚于今天。") % {"label": label})
