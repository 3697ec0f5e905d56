"""The pages that do the flows' human steps, and "my tasks".

A step is completed under the flow's row lock (select_for_update, nowait with retries):
two users finishing the same step at once get one success and one clear message.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from casework import deadlines
from casework.errors import RecordRefused
from casework.models import (
    Agency,
    Agreement,
    Episode,
    HandOver,
    Obligation,
    PartyRole,
    Plan,
    ReportingIn,
    TeamMember,
)
from casework.services import event_record
from permissions import selectors
from permissions.services import sync_person_grants
from workflows import completion, forms, lifecycle_forms, support_forms, transfers
from workflows.absences import handle_absence_decide
from workflows.breaches import follow_up_confirm, handle_handover_prepare, handle_handover_receive
from workflows.certification import handle_certification_approve
from workflows.duties import duties_start
from workflows.flows import (
    AbsenceApprovalFlow,
    BreachHandOverFlow,
    CertificationFlow,
    CompletionFlow,
    FollowUpFlow,
    IntakeFlow,
    TransferFlow,
)
from workflows.transitions import TransitionNotAllowed, episode_transition

S = Episode.Status


# --- step handlers: each saves its form and moves the episode ---------------------------


def decision_photo_keep_on_commit(reporting_in, upload) -> None:
    """Write the photo to storage only once the step's transaction has committed.

    Saved inside the transaction, a file would stay on disk when the step rolls back (a lost
    flow lock, a refused transition) with no row pointing at it. The content is read now (it is
    at most settings.DECISION_UPLOAD_MAX_BYTES): the upload's temporary file may be closed by then.
    """
    content = ContentFile(upload.read(), name=upload.name)

    def keep():
        reporting_in.decision_photo.save(content.name, content, save=False)
        ReportingIn.objects.filter(pk=reporting_in.pk).update(decision_photo=reporting_in.decision_photo.name)

    transaction.on_commit(keep)


def handle_report_in(user, episode, data, activation):
    reported = data["reported_on"]
    reporting_in = ReportingIn.objects.create(
        episode=episode,
        reported_on=reported,
        documents=data["documents"],
        on_time=reported <= episode.report_deadline,
        recorded_by=user,
    )
    if data.get("decision_photo"):
        decision_photo_keep_on_commit(reporting_in, data["decision_photo"])
    paused = 0
    episode_transition(
        episode_id=episode.pk,
        to=S.REPORTED,
        actor=user,
        message=_("报到（%(when)s）")
        % {"when": _("按期") if reported <= episode.report_deadline else _("逾期")},
        reported_on=reported,
        start_date=reported,
        expected_end_date=deadlines.expected_end_date(reported, episode.term_months, paused),
    )


def handle_refusal_check(user, episode, data, activation):
    activation.process.data["legitimate_reason"] = data["legitimate_reason"]
    activation.process.save(update_fields=["data"])
    if data["legitimate_reason"]:
        Episode.objects.filter(pk=episode.pk).update(
            report_deadline=data["new_deadline"], report_period_days=None, report_day_count=""
        )
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="deadline_extended",
            message=f"逾期未报到核实：有正当理由（{data['reason']}），报到期限延至 {data['new_deadline']:%Y-%m-%d}",
        )
    else:
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="refusal_confirmed",
            message=f"逾期未报到核实：无正当理由，视为拒绝接受社区戒毒（{data['reason']}）",
        )


def handle_handover(user, episode, data, activation):
    HandOver.objects.create(
        episode=episode,
        reason=HandOver.Reason.REFUSAL,
        prepared_on=data["prepared_on"],
        documents="、".join(data["documents"]),
        prepared_by=user,
    )
    episode_transition(
        episode_id=episode.pk, to=S.REFUSAL_REPORTED, actor=user, message="逾期未报到，移交公安机关"
    )


def handle_police_decision(user, episode, data, activation):
    handover = episode.handovers.filter(received_on__isnull=True).order_by("-prepared_on", "-id").first()
    if handover is None:
        raise RecordRefused(_("没有待接收的移交材料。"))
    handover.received_on = data["received_on"]
    handover.receipt_number = data["receipt_number"]
    handover.decision = data["decision"]
    handover.decision_reason = data["decision_reason"]
    handover.received_by = user
    handover.save()
    compulsory = data["decision"] == HandOver.Decision.COMPULSORY
    activation.process.data["compulsory"] = compulsory
    activation.process.save(update_fields=["data"])
    if compulsory:
        episode_transition(
            episode_id=episode.pk,
            to=S.COMPULSORY,
            actor=user,
            message=f"公安机关决定强制隔离戒毒（{data['decision_reason']}）",
            closed_on=data["received_on"],
        )
    else:
        Episode.objects.filter(pk=episode.pk).update(
            report_deadline=data["new_deadline"], report_period_days=None, report_day_count=""
        )
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="police_continue",
            message=f"公安机关决定继续执行，责令于 {data['new_deadline']:%Y-%m-%d} 前报到（{data['decision_reason']}）",
        )


def handle_agreement(user, episode, data, activation):
    Agreement.objects.create(
        episode=episode,
        signed_on=data["signed_on"],
        measures=data["measures"],
        rules=data["rules"],
        liability=data["liability"],
        period_start=episode.start_date,
        period_end=episode.expected_end_date,
        signed_by=user,
    )
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="agreement",
        message="签订协议",
        happened_on=data["signed_on"],
    )


def handle_plan(user, episode, data, activation):
    Plan.objects.create(episode=episode, written_by=user, **data)
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="plan",
        message="制定个人计划",
        happened_on=data["written_on"],
    )


TEAM_PARTY_CODES = ("community", "police", "judicial", "civil_affairs", "human_resources")


def team_members_add(episode, data) -> list[TeamMember]:
    """Create the help team members named in a forms.TeamForm's data (at intake and after a
    transfer) and resync the person's grants; return the members created."""
    roles = {r.code: r for r in PartyRole.objects.all()}
    start = data["start_date"]
    members = [
        TeamMember(episode=episode, role=roles[code], user=data[code], start_date=start)
        for code in TEAM_PARTY_CODES
        if data.get(code)
    ]
    if data.get("family_name"):
        members.append(
            TeamMember(
                episode=episode,
                role=roles["family"],
                name=data["family_name"],
                phone=data["family_phone"],
                start_date=start,
            )
        )
    for member in members:
        member.save()
    sync_person_grants([episode.person_id])
    return members


def handle_team(user, episode, data, activation):
    team_members_add(episode, data)
    episode = episode_transition(
        episode_id=episode.pk, to=S.ACTIVE, actor=user, message="帮教小组组建，开始执行"
    )
    created = duties_start(episode)
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="schedule",
        message="生成应办事项：" + "、".join(f"{o.get_kind_display()} {o.due_by:%Y-%m-%d}" for o in created),
    )


def handle_follow_up(user, episode, data, activation):
    if data["action"] == "confirm_breach":  # counts toward serious breach (戒毒条例 art 20), helper h1
        follow_up_confirm(user, episode, activation.process.data["drug_test_id"], data["note"])
    label = dict(forms.FollowUpForm.ACTIONS)[data["action"]]
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="follow_up",
        message=f"异常检测处置：{label}（{data['note']}）",
    )


@dataclass(frozen=True)
class Step:
    form: type[django_forms.Form]
    handle: Callable
    needs_episode: bool = False
    help: str = ""


STEPS: dict[tuple[type, str], Step] = {
    (IntakeFlow, "report_in"): Step(
        forms.ReportInForm,
        handle_report_in,
        True,
        gettext_lazy("按期报到的期限见下方；报到日即执行起始日（《戒毒条例》第十四条）。"),
    ),
    (IntakeFlow, "refusal_check"): Step(
        forms.RefusalCheckForm,
        handle_refusal_check,
        True,
        help=gettext_lazy(
            "逾期未报到且无正当理由的，视为拒绝接受社区戒毒，须及时报告公安机关（《戒毒条例》第十四条、第二十一条）。"
        ),
    ),
    (IntakeFlow, "handover"): Step(forms.HandOverForm, handle_handover),
    (IntakeFlow, "police_decision"): Step(forms.PoliceDecisionForm, handle_police_decision, True),
    (IntakeFlow, "agreement"): Step(
        forms.AgreementForm,
        handle_agreement,
        True,
        gettext_lazy("报到后及时签订协议（《戒毒条例》第十六条）。"),
    ),
    (IntakeFlow, "plan"): Step(forms.PlanForm, handle_plan),
    (IntakeFlow, "team"): Step(forms.TeamForm, handle_team, True),
    (FollowUpFlow, "review"): Step(forms.FollowUpForm, handle_follow_up),
    # Detox certification (helper h3): the supervisor's decision on the work station's proposal.
    (CertificationFlow, "approve"): Step(
        support_forms.CertificationDecideForm,
        handle_certification_approve,
        True,
        gettext_lazy(
            "核对提请内容和认定条件；同意认定须填写证明编号，退回须说明理由。提请人不能审批本人的提请。"
        ),
    ),
    # Breach hand-over and absence approval (helper h1): workflows.breaches, workflows.absences.
    (BreachHandOverFlow, "prepare"): Step(
        lifecycle_forms.HandOverPackageForm,
        handle_handover_prepare,
        help=gettext_lazy(
            "严重违反协议附严重违反协议证明，复吸附检测报告或复吸情况说明，并附移交回执；当日移交（《戒毒条例》第二十条、第二十一条）。"
        ),
    ),
    (BreachHandOverFlow, "receive"): Step(
        lifecycle_forms.BreachPoliceDecisionForm,
        handle_handover_receive,
        help=gettext_lazy("依法决定强制隔离戒毒，或说明理由继续执行（《禁毒法》第三十八条）。"),
    ),
    (AbsenceApprovalFlow, "decide"): Step(
        lifecycle_forms.AbsenceDecisionForm,
        handle_absence_decide,
        help=gettext_lazy("外出审批由工作站负责人办理，录入人不能审批本人录入的报告。"),
    ),
    # Transfer and completion (helper h2): handlers in workflows.transfers, workflows.completion.
    (TransferFlow, "accept_or_decline"): Step(
        lifecycle_forms.TransferDecisionForm,
        transfers.handle_accept_or_decline,
        True,
        gettext_lazy(
            "由接收地工作站办理；同意接收后须在15日内到新执行地报到，期限连续计算（《戒毒条例》第二十二条）。"
        ),
    ),
    (TransferFlow, "report_at_new_place"): Step(
        lifecycle_forms.TransferReportForm,
        transfers.handle_report_at_new_place,
        help=gettext_lazy("自变更之日起15日内到新执行地报到（《戒毒条例》第二十二条）。"),
    ),
    (TransferFlow, "agreement"): Step(
        forms.AgreementForm,
        transfers.handle_transfer_agreement,
        True,
        gettext_lazy("变更执行地后由新执行地重新签订协议（《戒毒条例》第二十二条）。"),
    ),
    (TransferFlow, "team"): Step(
        forms.TeamForm,
        transfers.handle_transfer_team,
        True,
        gettext_lazy("原执行地的帮教人员已于接收前一日结束；请指定新执行地的社工和民警等（家庭成员继续）。"),
    ),
    (CompletionFlow, "prepare_file"): Step(
        lifecycle_forms.CompletionPrepareForm,
        completion.handle_prepare_file,
        help=gettext_lazy("期满前将协议和执行档案移送公安机关（《戒毒条例》第二十三条、第四十条）。"),
    ),
    (CompletionFlow, "release_notice"): Step(
        lifecycle_forms.ReleaseNoticeForm,
        completion.handle_release_notice,
        True,
        gettext_lazy(
            "期满之日起解除；解除通知书送达本人及家属，并在7日内通知乡镇(街道)（《戒毒条例》第二十三条、第四十条）。"
        ),
    ),
}


def step_for(task) -> Step:
    node = task.flow_task
    return STEPS[(node.flow_class, node.name)]


def task_title(task) -> str:
    return str(task.flow_task.task_title or task.flow_task.name)


# --- pages ----------------------------------------------------------------------------------


def _can_work_on(user, task) -> bool:
    """The node's own permission check and the door's: the step is the user's, or one their
    agency may claim on a person whose file it holds (not a transfer's new place, except for
    the request itself)."""
    if task.owner_id:
        return task.owner_id == user.pk
    return task.flow_task.can_assign(user, task) and selectors.task_actionable(user, task)


@require_http_methods(["GET", "POST"])
def task_page(request, pk):
    task = selectors.task_get(request.user, pk)
    episode = Episode.objects.select_related("person", "township", "community").get(
        pk=task.process.artifact_object_id
    )
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        messages.info(request, _("该步骤已经办结。"))
        return redirect("person_detail", pk=episode.person_id)
    if not _can_work_on(request.user, task):
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


@require_POST
def task_claim(request, pk):
    task = selectors.task_get(request.user, pk)
    try:
        with task.activation() as activation:
            if task.status != STATUS.NEW or not _can_work_on(request.user, task):
                raise RecordRefused(_("该任务已被他人认领。"))
            activation.assign(request.user)
        messages.success(request, _("已认领。"))
    except (RecordRefused, FlowLockFailed) as exc:
        messages.error(request, str(exc) or _("请稍后再试。"))
    return redirect("my_tasks")


@require_POST
def task_release(request, pk):
    task = selectors.task_get(request.user, pk)
    try:
        with task.activation() as activation:
            if task.status != STATUS.ASSIGNED or task.owner_id != request.user.pk:
                raise RecordRefused(_("只能退回自己认领的任务。"))
            activation.unassign()
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
