"""Out-of-county absences (外出报告, 请假): report, approval, extension, return, and unreported exits.

戒毒条例 art 19(3): leaving the county (县、市、区) for 3 days or more needs a written report
before leaving. Days are counted as (return date - leaving date), the same measure the
serious-breach counter uses for unauthorised exits (art 20). A region may require approval
(absence_approval_required, local practice); then the head of the work station, not the
person who recorded the report, approves or refuses it in an AbsenceApprovalFlow step.

While away the episode is OUT_OF_COUNTY and an `absence_back` deadline is due on the return
date (or the extended date); the daily scan marks it overdue when nobody checked in.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework.errors import RecordRefused
from casework.locks import episode_lock
from casework.models import Absence, Agency, Episode, Obligation, ObligationKind, Staff
from casework.selectors import extension_too_far, region_setting
from casework.services import event_record
from permissions import selectors
from workflows.branches.common import check_not_future, deadline_meet, deadline_open
from workflows.transitions import episode_transition

S = Episode.Status

REPORT_MIN_DAYS = 3  # 戒毒条例 art 19(3): "离开社区戒毒执行地所在县（市、区）3日以上的"
UNREPORTED_STATUSES = (S.ACTIVE, S.MISSING, S.VIOLATION_REPORTED, S.TRANSFER_PENDING)


class ReportNotRequired(RecordRefused):
    """A trip shorter than 3 days: no written report is required, so nothing is saved."""


def absence_days(leaves_on: date, back_on: date) -> int:
    """Return the length of an absence in days: return date minus leaving date."""
    return (back_on - leaves_on).days


def _lock_absence(absence: Absence) -> Absence:
    return Absence.objects.select_for_update().select_related("episode", "person").get(pk=absence.pk)


def _check_dates(episode: Episode, leaves_on: date, back_on: date, back_label: str) -> None:
    if back_on < leaves_on:
        raise RecordRefused(_("%(back)s不能早于离开日期。") % {"back": back_label})
    if episode.start_date is None or leaves_on < episode.start_date:
        raise RecordRefused(_("离开日期不能早于执行起始日期（报到日）。"))


def _go_away(actor, episode: Episode, absence: Absence) -> None:
    """The person is away: the episode is OUT_OF_COUNTY and the return check-in falls due."""
    # The status line is read by every party; where and why only by readers of absences.
    episode_transition(episode_id=episode.pk, to=S.OUT_OF_COUNTY, actor=actor, message=_("外出报备"))
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="absence_away",
        message=_("外出：%(start)s 至 %(end)s，前往%(dest)s（%(reason)s）")
        % {
            "start": date_format(absence.leaves_on),
            "end": date_format(absence.returns_by),
            "dest": absence.destination,
            "reason": absence.reason,
        },
        absence_id=absence.pk,
    )
    deadline_open(episode, ObligationKind.ABSENCE_BACK, due_from=absence.leaves_on, due_by=absence.returns_by)


@transaction.atomic
def absence_report(
    *,
    actor,
    episode: Episode,
    leaves_on: date,
    returns_by: date,
    destination: str,
    reason: str,
    contact_phone: str = "",
    reported_on: date | None = None,
) -> Absence:
    """Record the written report made before leaving the county (戒毒条例 art 19(3)).

    Raise ReportNotRequired for a trip under 3 days (nothing saved) and RecordRefused for bad
    dates or an episode that is not under way. Without approval the person is away at once;
    with approval the report waits (PENDING) for the head of the work station.
    """
    episode = episode_lock(episode)
    reported_on = reported_on or timezone.localdate()
    if episode.status == S.OUT_OF_COUNTY:
        raise RecordRefused(_("该人员已有外出尚未销假，请先销假或续假。"))
    if episode.status != S.ACTIVE:
        raise RecordRefused(
            _("执行状态为“%(status)s”，不能登记外出报告。") % {"status": episode.get_status_display()}
        )
    _check_dates(episode, leaves_on, returns_by, _("预计返回日期"))
    if absence_days(leaves_on, returns_by) < REPORT_MIN_DAYS:
        raise ReportNotRequired(_("离开县（市、区）不足3日，无需书面报告（《戒毒条例》第十九条），未保存。"))
    check_not_future(reported_on, _("书面报告日期"))
    if leaves_on < reported_on:
        raise RecordRefused(
            _("书面报告须在离开前提交（《戒毒条例》第十九条）；已离开且未报告的，请登记为未报告外出。")
        )
    if Absence.objects.filter(episode=episode, status=Absence.Status.PENDING).exists():
        raise RecordRefused(_("已有待审批的外出报告，不能重复登记。"))
    approval = region_setting(episode.township, "absence_approval_required", False)
    absence = Absence(
        episode=episode,
        person=episode.person,
        destination=destination,
        reason=reason,
        contact_phone=contact_phone,
        reported_on=reported_on,
        leaves_on=leaves_on,
        returns_by=returns_by,
        status=Absence.Status.PENDING if approval else Absence.Status.AWAY,
        recorded_by=actor,
    )
    absence.full_clean()
    absence.save()
    if approval:
        from workflows.flows import AbsenceApprovalFlow

        event_record(
            person=episode.person,
            episode=episode,
            actor=actor,
            kind="absence_reported",
            message=_("外出报告（待审批）：%(start)s 至 %(end)s，前往%(dest)s")
            % {
                "start": date_format(leaves_on),
                "end": date_format(returns_by),
                "dest": destination,
            },
            absence_id=absence.pk,
        )
        AbsenceApprovalFlow.start.run(episode=episode, absence=absence)
    else:
        _go_away(actor, episode, absence)
    return absence


@transaction.atomic
def absence_decide(*, actor, absence: Absence, approve: bool, note: str = "") -> Absence:
    """Approve or refuse a pending report: the head of the work station, never the recorder."""
    absence = _lock_absence(absence)
    if absence.status != Absence.Status.PENDING:
        raise RecordRefused(_("该外出报告已审批，不能重复审批。"))
    if absence.recorded_by_id == actor.pk:
        raise RecordRefused(_("不能审批自己录入的外出报告。"))
    staff = selectors.staff_for(actor)
    if staff is None or staff.agency.kind != Agency.Kind.WORK_STATION or staff.role != Staff.Role.HEAD:
        raise RecordRefused(_("外出审批须由工作站负责人办理。"))
    absence.decided_by = actor
    absence.decided_on = timezone.localdate()
    absence.decision_note = note
    absence.status = Absence.Status.AWAY if approve else Absence.Status.REFUSED
    absence.save(update_fields=["decided_by", "decided_on", "decision_note", "status"])
    episode = Episode.objects.select_related("person").get(pk=absence.episode_id)
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="absence_decided",
        message=(_("同意外出") if approve else _("不同意外出")) + (f"（{note}）" if note else ""),
        absence_id=absence.pk,
    )
    if approve:
        _go_away(actor, episode, absence)
    return absence


@transaction.atomic
def absence_extend(*, actor, absence: Absence, extended_to: date, note: str = "") -> Absence:
    """Extend an absence (续假): the return date and the check-in deadline move to `extended_to`."""
    absence = _lock_absence(absence)
    if absence.status != Absence.Status.AWAY:
        raise RecordRefused(_("只有外出中的人员可以续假。"))
    current = absence.extended_to or absence.returns_by
    if extended_to <= current:
        raise RecordRefused(_("续假日期须晚于原定返回日期 %(date)s。") % {"date": date_format(current)})
    if refusal := extension_too_far(absence.episode.township, extended_to):
        raise RecordRefused(refusal)
    absence.extended_to = extended_to
    absence.save(update_fields=["extended_to"])
    obligation = (
        Obligation.objects.select_for_update()
        .filter(
            episode_id=absence.episode_id,
            kind=ObligationKind.ABSENCE_BACK,
            status__in=Obligation.OPEN_STATUSES,
        )
        .first()
    )
    if obligation is not None:
        obligation.due_by = extended_to
        if obligation.status == Obligation.Status.OVERDUE and extended_to >= timezone.localdate():
            obligation.status = Obligation.Status.PENDING
        obligation.save(update_fields=["due_by", "status"])
    event_record(
        person=absence.person,
        episode=absence.episode,
        actor=actor,
        kind="absence_extended",
        message=_("续假至 %(date)s") % {"date": date_format(extended_to)} + (f"（{note}）" if note else ""),
        absence_id=absence.pk,
    )
    return absence


@transaction.atomic
def absence_return(*, actor, absence: Absence, returned_on: date) -> Absence:
    """Record the return check-in (销假): the deadline is met and the episode is ACTIVE again."""
    absence = _lock_absence(absence)
    if absence.status != Absence.Status.AWAY:
        raise RecordRefused(_("该外出不在外出中，不能销假。"))
    if returned_on < absence.leaves_on:
        raise RecordRefused(_("销假日期不能早于离开日期。"))
    check_not_future(returned_on, _("返回销假日期"))
    absence.returned_on = returned_on
    absence.status = Absence.Status.RETURNED
    absence.full_clean()
    absence.save(update_fields=["returned_on", "status"])
    episode = absence.episode
    deadline_meet(episode, ObligationKind.ABSENCE_BACK, returned_on)
    due = absence.extended_to or absence.returns_by
    late = (returned_on - due).days
    episode_transition(episode_id=episode.pk, to=S.ACTIVE, actor=actor, message=_("返回销假"))
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="absence_returned",
        happened_on=returned_on,
        message=_("返回销假（%(date)s）") % {"date": date_format(returned_on)}
        + (_("，逾期%(n)d日") % {"n": late} if late > 0 else ""),
        absence_id=absence.pk,
    )
    return absence


@transaction.atomic
def absence_unreported_record(
    *,
    actor,
    episode: Episode,
    leaves_on: date,
    returned_on: date,
    destination: str,
    reason: str = "",
    contact_phone: str = "",
) -> Absence:
    """Record after the fact an absence of 3 days or more without a written report (UNREPORTED).

    It feeds the serious-breach counter only once staff confirm it (workflows.branches.breaches.
    breach_confirm with kind=unauthorised_exit; 戒毒条例 art 20).
    """
    episode = episode_lock(episode)
    if episode.status not in UNREPORTED_STATUSES:
        raise RecordRefused(
            _("执行状态为“%(status)s”，不能登记未报告外出。") % {"status": episode.get_status_display()}
        )
    _check_dates(episode, leaves_on, returned_on, _("返回日期"))
    check_not_future(returned_on, _("返回日期"))
    if absence_days(leaves_on, returned_on) < REPORT_MIN_DAYS:
        raise ReportNotRequired(
            _("离开县（市、区）不足3日，无需书面报告，不构成擅自离开（《戒毒条例》第十九条），未保存。")
        )
    overlapping = (
        Absence.objects.filter(episode=episode, leaves_on__lte=returned_on)
        .exclude(status=Absence.Status.REFUSED)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gte=leaves_on))
    )
    if overlapping.exists():
        raise RecordRefused(_("与已登记的外出时间重叠，未保存。"))
    absence = Absence(
        episode=episode,
        person=episode.person,
        destination=destination,
        reason=reason or _("未报告"),
        contact_phone=contact_phone,
        reported_on=None,
        leaves_on=leaves_on,
        returns_by=returned_on,
        returned_on=returned_on,
        status=Absence.Status.UNREPORTED,
        recorded_by=actor,
    )
    absence.full_clean()
    absence.save()
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="absence_unreported",
        happened_on=leaves_on,
        message=_("登记未报告外出：%(start)s 至 %(end)s，共%(n)d日（待确认是否擅自离开）")
        % {
            "start": date_format(leaves_on),
            "end": date_format(returned_on),
            "n": absence_days(leaves_on, returned_on),
        },
        absence_id=absence.pk,
    )
    return absence


# --- the step of AbsenceApprovalFlow (registered in workflows.registry) -------------------------------


def handle_absence_decide(user, episode: Episode, data: dict, activation) -> Absence:
    absence = Absence.objects.filter(pk=activation.process.data["absence_id"], episode=episode).first()
    if absence is None:
        raise RecordRefused(_("找不到该外出报告。"))
    return absence_decide(actor=user, absence=absence, approve=data["approve"], note=data["note"])
