"""The pages of the flows' human steps, and "my tasks"."""

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from casework.errors import RecordRefused
from casework.models import (
    Agency,
    Episode,
    Obligation,
    TeamMember,
)
from permissions import selectors
from workflows import engine
from workflows.engine import can_work_on, task_complete
from workflows.registry import step_for, task_title
from workflows.transitions import TransitionNotAllowed


@require_http_methods(["GET", "POST"])
def task_page(request, pk):
    task = selectors.task_get(request.user, pk)
    episode = Episode.objects.select_related("person", "township", "community").get(
        pk=task.process.artifact_object_id
    )
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        messages.info(request, _("该步骤已经办结。"))
        return redirect("person_detail", pk=episode.person_id)
    if not can_work_on(request.user, task):
        raise Http404
    step = step_for(task)
    kwargs = {"episode": episode} if step.needs_episode else {}
    form = step.form(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            task_complete(request, task, step, episode, form.cleaned_data)
        except (RecordRefused, TransitionNotAllowed) as exc:
            messages.error(request, str(exc))
        except FlowLockFailed:
            messages.error(request, _("该步骤正由他人办理，请稍后刷新再试。"))
        else:
            messages.success(request, _("“%(step)s”已办结。") % {"step": task_title(task)})
            return redirect("person_detail", pk=episode.person_id)
    elif request.method == "POST":
        messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return render(
        request,
        "tasks/task.html",
        {
            "task": task,
            "title": task_title(task),
            "episode": episode,
            "person": episode.person,
            "form": form,
            "step": step,
        },
    )


@require_POST
def task_claim(request, pk):
    task = selectors.task_get(request.user, pk)
    try:
        engine.task_claim(actor=request.user, task=task)
        messages.success(request, _("已认领。"))
    except (RecordRefused, FlowLockFailed) as exc:
        messages.error(request, str(exc) or _("请稍后再试。"))
    return redirect("my_tasks")


@require_POST
def task_release(request, pk):
    task = selectors.task_get(request.user, pk)
    try:
        engine.task_release(actor=request.user, task=task)
        messages.success(request, _("已退回单位待办。"))
    except (RecordRefused, FlowLockFailed) as exc:
        messages.error(request, str(exc) or _("请稍后再试。"))
    return redirect("my_tasks")


LIST_LIMIT = 50


def my_tasks(request):
    """The user's work, due first: flow steps, then obligations (mine, then my agency's)."""
    staff = selectors.staff_for(request.user)
    if staff is None:
        raise Http404
    today = timezone.localdate()
    horizon = today + timezone.timedelta(days=14)
    tasks_qs = selectors.actionable_tasks(request.user).select_related("process").order_by("created", "pk")
    tasks = list(tasks_qs[: LIST_LIMIT + 1])  # one more than shown tells "more than 50" without a COUNT
    more_tasks = len(tasks) > LIST_LIMIT
    tasks = tasks[:LIST_LIMIT]
    episodes = Episode.objects.in_bulk([t.process.artifact_object_id for t in tasks])
    persons = {e.pk: e.person_id for e in episodes.values()}
    names = dict(
        selectors.visible_persons(request.user).filter(pk__in=set(persons.values())).values_list("pk", "name")
    )
    rows = [
        {
            "task": t,
            "title": task_title(t),
            "person_id": persons.get(t.process.artifact_object_id),
            "person_name": names.get(persons.get(t.process.artifact_object_id), ""),
            "deadline": episodes[t.process.artifact_object_id].report_deadline
            if t.flow_task.name == "report_in"
            else None,
            "period_days": episodes[t.process.artifact_object_id].report_period_days,
            "day_count": episodes[t.process.artifact_object_id].report_day_count
            if t.flow_task.name == "report_in"
            else "",
            "mine": t.owner_id == request.user.pk,
        }
        for t in tasks
    ]
    open_due = (
        selectors.visible_obligations(request.user)
        .filter(status__in=Obligation.OPEN_STATUSES, due_from__lte=horizon)
        .select_related("person")
        .order_by("due_by", "pk")
    )
    on_my_team = TeamMember.objects.filter(episode=OuterRef("episode"), user=request.user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    mine = open_due.filter(Exists(on_my_team))
    agency = (
        open_due.filter(township_id=staff.agency.region_id)
        if staff.agency.kind == Agency.Kind.WORK_STATION
        else None
    )
    counts = open_due.aggregate(
        mine=Count("pk", filter=Q(Exists(on_my_team))),
        overdue=Count("pk", filter=Q(status=Obligation.Status.OVERDUE)),
        total=Count("pk"),
    )
    return render(
        request,
        "tasks/my_tasks.html",
        {
            "rows": rows,
            "task_count": f"{LIST_LIMIT}+" if more_tasks else len(tasks),
            "mine": list(mine[:LIST_LIMIT]),
            "agency": list(agency.exclude(Exists(on_my_team))[:LIST_LIMIT]) if agency is not None else [],
            "counts": counts,
            "today": today,
        },
    )
