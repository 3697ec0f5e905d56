"""The pages of the flows' human steps, and "my tasks"."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from casework.errors import RecordRefused
from casework.holds import HANDOVER_REASONS
from casework.links import url_by_pk
from casework.models import Episode, HandOver, ObligationKind
from obligations.parties import duty_kinds_of
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog, RecordType
from permissions.services import access_log_write
from workflows import engine
from workflows.branches.breaches import handover_print_context
from workflows.branches.referrals import TARGET_KIND
from workflows.engine import can_work_on, task_complete
from workflows.flows import BreachHandOverFlow, IntakeFlow
from workflows.registry import step_for, task_title
from workflows.transitions import TransitionNotAllowed
from workflows.work import (
    BUCKET_LABELS,
    BUCKETS,
    RECORDABLE,
    bucket_counts,
    bucket_counts_of,
    bucket_filter,
    bucket_of,
    duties_agency,
    duties_mine,
    duty_rows_of,
    referrals_to_do,
    with_bucket_counts,
)


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
            **_handover_case(request, task, episode),
        },
    )


# The police's decisions on a hand-over: the page shows the case the decision is made on.
DECISION_STEPS = {(BreachHandOverFlow, "receive"), (IntakeFlow, "police_decision")}


def _handover_case(request, task, episode) -> dict:
    """Return the open hand-over the police decide on, with the station's statement (the
    counters and breaches, or the positive test), the materials and the print (禁毒法 art 38;
    戒毒条例 arts 14, 20-21); empty for any other step. The read is logged like the print."""
    node = task.flow_task
    if (node.flow_class, node.name) not in DECISION_STEPS:
        return {}
    gate = person_gate(request.user, episode.person_id)
    if not gate.reads(RecordType.VIOLATION):
        return {}
    handover = (
        HandOver.objects.select_related("prepared_by")
        .filter(episode=episode, received_on__isnull=True)
        .order_by("-prepared_on", "-id")
        .first()
    )
    if handover is None:
        return {}
    shown = [RecordType.VIOLATION]
    case = {"handover": handover, "printable": handover.reason in HANDOVER_REASONS}
    if case["printable"]:
        case.update(handover_print_context(handover))
        if not gate.reads(RecordType.DRUGTEST):
            case["positive_test"] = None
        elif case["positive_test"] is not None:
            shown.append(RecordType.DRUGTEST)
    access_log_write(
        request=request, person_ids=[episode.person_id], action=AccessLog.Action.DETAIL, record_types=shown
    )
    return case


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
SORTS = {"due": ("due_by", "pk"), "person": ("person__name", "person_id", "due_by", "pk")}


class WorkFilter(forms.Form):
    """The filters of the work list: when due, which kind of duty, whose, in what order."""

    due = forms.ChoiceField(
        label=gettext_lazy("到期"),
        required=False,
        choices=[("", gettext_lazy("全部")), *[(b, BUCKET_LABELS[b]) for b in BUCKETS]],
    )
    kind = forms.ChoiceField(label=gettext_lazy("事项"), required=False)
    scope = forms.ChoiceField(
        label=gettext_lazy("范围"),
        required=False,
        choices=[("mine", gettext_lazy("我负责的")), ("agency", gettext_lazy("本单位全部"))],
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("排序"),
        required=False,
        choices=[("due", gettext_lazy("按截止日期")), ("person", gettext_lazy("按人员"))],
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部"))] + [
            (value, label) for value, label in ObligationKind.choices if value in kinds
        ]


def my_tasks(request):
    """The user's own work, due first: the steps of their party, then their party's duties
    (their own, or their agency's), and for 人社/民政 the referrals to them."""
    staff = selectors.staff_for(request.user)
    if staff is None:
        raise Http404
    today = timezone.localdate()
    tasks_qs = selectors.actionable_tasks(request.user).select_related("process").order_by("created", "pk")
    tasks = list(tasks_qs[: LIST_LIMIT + 1])  # one more than shown tells "more than 50" without a COUNT
    more_tasks = len(tasks) > LIST_LIMIT
    tasks = tasks[:LIST_LIMIT]
    episodes = Episode.objects.only(
        "person_id", "report_deadline", "report_period_days", "report_day_count"
    ).in_bulk([t.process.artifact_object_id for t in tasks])
    persons = {e.pk: e.person_id for e in episodes.values()}
    names = dict(
        selectors.visible_persons(request.user).filter(pk__in=set(persons.values())).values_list("pk", "name")
    )
    task_url, claim_url, release_url, person_url = (
        url_by_pk(name) for name in ("task_page", "task_claim", "task_release", "person_detail")
    )
    rows = [
        {
            "task": t,
            "title": task_title(t),
            "url": task_url(t.pk),
            "claim_url": claim_url(t.pk),
            "release_url": release_url(t.pk),
            "person_url": person_url(persons[t.process.artifact_object_id]),
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
    kinds = duty_kinds_of(staff.agency.kind)
    acts_for_agency = selectors.agency_group_id(staff) is not None
    form = WorkFilter(request.GET or None, kinds=kinds)
    filters = form.cleaned_data if form.is_valid() else {}
    scope = filters.get("scope") or "mine"
    if scope == "agency" and acts_for_agency:
        duties = duties_agency(request.user, staff, today)
    else:
        scope = "mine"
        duties = duties_mine(request.user, staff, today)
    shown = duties
    if filters.get("due"):
        shown = shown.filter(bucket_filter(filters["due"], today))
    if filters.get("kind"):
        shown = shown.filter(kind=filters["kind"])
    sort = filters.get("sort") or "due"
    if shown is duties:
        # Nothing filtered out: the rows carry the counts of the whole set (one statement).
        items = list(duty_rows_of(with_bucket_counts(duties, today)).order_by(*SORTS[sort])[: LIST_LIMIT + 1])
        counts = bucket_counts_of(items)
    else:
        counts = bucket_counts(duties, today)
        items = list(duty_rows_of(shown).order_by(*SORTS[sort])[: LIST_LIMIT + 1])
    for item in items:
        item.person_url = person_url(item.person_id)
    return render(
        request,
        "tasks/my_tasks.html",
        {
            "rows": rows,
            "task_count": f"{LIST_LIMIT}+" if more_tasks else len(tasks),
            "items": items[:LIST_LIMIT],
            "more_items": len(items) > LIST_LIMIT,
            "counts": counts,
            "buckets": [(b, BUCKET_LABELS[b], counts[b]) for b in BUCKETS],
            "form": form,
            "scope": scope,
            "sort": sort,
            "due": filters.get("due", ""),
            "acts_for_agency": acts_for_agency,
            "has_duties": bool(kinds),
            "referrals": list(referrals_to_do(request.user)[:LIST_LIMIT]),
            "is_target": staff.agency.kind in TARGET_KIND.values(),
            "recordable": RECORDABLE,
            "scope_query": "scope=agency&" if scope == "agency" else "",
            "today": today,
        },
    )


CALENDAR_LIMIT = 500


def _calendar_days(view: str, on: date) -> tuple[date, date]:
    """Return the first and last day shown: the week (Monday to Sunday) of `on`, or the whole
    weeks that cover its month."""
    if view == "week":
        first = on - timedelta(days=on.weekday())
        return first, first + timedelta(days=6)
    month_first = on.replace(day=1)
    month_last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    first = month_first - timedelta(days=month_first.weekday())
    return first, month_last + timedelta(days=6 - month_last.weekday())


def work_calendar(request):
    """The user's (or their agency's) duties by due date, a week or a month at a time."""
    staff = selectors.staff_for(request.user)
    if staff is None:
        raise Http404
    today = timezone.localdate()
    view = "week" if request.GET.get("view") == "week" else "month"
    try:
        on = date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        on = today
    acts_for_agency = selectors.agency_group_id(staff) is not None
    scope = "agency" if request.GET.get("scope") == "agency" and acts_for_agency else "mine"
    duties = (duties_agency if scope == "agency" else duties_mine)(request.user, staff, today)
    first, last = _calendar_days(view, on)
    items = list(
        duties.filter(due_by__gte=first, due_by__lte=last)
        .select_related("person")
        .order_by("due_by", "person__name", "pk")[:CALENDAR_LIMIT]
    )
    # One line a person a day: "王某 吸毒检测、谈心谈话", in the order of the query.
    by_day: dict[date, dict[int, dict]] = {}
    for item in items:
        line = by_day.setdefault(item.due_by, {}).setdefault(
            item.person_id,
            {
                "person_id": item.person_id,
                "name": item.person.name,
                "kinds": [],
                "overdue": False,
                "items": [],
            },
        )
        line["kinds"].append(item.get_kind_display())
        line["items"].append(item)
        line["overdue"] = line["overdue"] or bucket_of(item, today) == "overdue"
    weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
    weeks = []
    day = first
    while day <= last:
        weeks.append(
            [
                {
                    "day": d,
                    "weekday": weekdays[d.weekday()],
                    "persons": list(by_day.get(d, {}).values()),
                    "other": view == "month" and d.month != on.month,
                }
                for d in (day + timedelta(days=i) for i in range(7))
            ]
        )
        day += timedelta(days=7)
    if view == "week":
        previous, following = on - timedelta(days=7), on + timedelta(days=7)
    else:
        previous = (on.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (on.replace(day=1) + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "tasks/calendar.html",
        {
            "weeks": weeks,
            "view": view,
            "on": on,
            "first": first,
            "last": last,
            "previous": previous,
            "following": following,
            "scope": scope,
            "acts_for_agency": acts_for_agency,
            "truncated": len(items) == CALENDAR_LIMIT,
            "has_items": bool(items),
            "today": today,
            "weekdays": weekdays,
        },
    )
