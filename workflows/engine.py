"""The step engine: a flow's human step completed under the flow's row lock.

A step is completed under the flow's row lock (select_for_update, nowait with retries): two
users finishing the same step at once get one success and one clear message.
"""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.errors import RecordRefused
from casework.models import (
    Episode,
)
from permissions import selectors
from workflows.branches.common import episode_processes
from workflows.registry import STEPS


def can_work_on(user, task) -> bool:
    """The node's own permission check and the door's: the step is the user's, or one their
    agency may claim on a person whose file it holds (not a transfer's new place, except for
    the request itself)."""
    if task.owner_id:
        return task.owner_id == user.pk
    return task.flow_task.can_assign(user, task) and selectors.task_actionable(user, task)


def task_complete(request, task, step, episode, data) -> None:
    """Finish the step under the flow lock; refuse if someone else finished or holds it."""
    flow_class = task.flow_task.flow_class
    with flow_class.lock(task.process_id):
        task.refresh_from_db()
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or (
            task.owner_id and task.owner_id != request.user.pk
        ):
            raise RecordRefused(_("该步骤已由他人办结或认领，本次提交未保存。"))
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(request.user)
        activation.start(request)
        step.handle(
            request.user, Episode.objects.select_related("person").get(pk=episode.pk), data, activation
        )
        activation.execute()


def step_run(user, flow_class, node_name: str, episode: Episode, data: dict):
    """Complete the episode's open step `node_name` as `user`, as the step page would.

    For code and tests that do the work without HTTP. Raise RecordRefused when there is no
    such open step, PermissionDenied when the user may not do it.
    """
    tasks = Task.objects.filter(
        process__in=episode_processes(episode).filter(flow_class=flow_class),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    ).select_related("process")
    task = next((t for t in tasks if t.flow_task.name == node_name), None)
    if task is None:
        raise RecordRefused(_("没有待办理的该步骤。"))
    if task.owner_id != user.pk and not (
        task.flow_task.can_assign(user, task) and selectors.task_actionable(user, task)
    ):
        raise PermissionDenied
    task_complete(SimpleNamespace(user=user), task, STEPS[(flow_class, node_name)], episode, data)
    return task


def task_claim(*, actor, task) -> None:
    """Take an agency's open step into the actor's own inbox; refuse if it is not theirs to take."""
    with task.activation() as activation:
        if task.status != STATUS.NEW or not can_work_on(actor, task):
            raise RecordRefused(_("该任务已被他人认领。"))
        activation.assign(actor)


def task_release(*, actor, task) -> None:
    """Give a step the actor had claimed back to the agency's queue."""
    with task.activation() as activation:
        if task.status != STATUS.ASSIGNED or task.owner_id != actor.pk:
            raise RecordRefused(_("只能退回自己认领的任务。"))
        activation.unassign()
