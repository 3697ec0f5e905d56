"""Suspension (中止) and termination (终止) of an episode (戒毒条例 art 24; rules.md §1.11, §8 rule 9).

Suspension: detention or arrest suspends the measure until release. Whether the clock pauses is
the region's setting `suspension_pauses_clock` (S2 art 24 is silent; default: it pauses).
Recurring obligations do not run while the person is in custody: at suspension the pending ones
are excused with the reason "中止" (an obligation already overdue on that day stays on record as
missed), and at release new ones open with due dates counted from the release date. The daily
scan therefore has nothing of a suspended episode to mark overdue.

Termination: imprisonment or a compulsory educational measure ends the measure (art 24), a
compulsory isolation decision (禁毒法 art 38) and death or leaving the country (practice) end the
episode too; open obligations end and the episode's open flows are cancelled.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import deadlines
from casework.errors import RecordRefused
from casework.locks import episode_lock
from casework.models import (
    RECURRING_KINDS,
    DayCount,
    Episode,
    Obligation,
    ObligationKind,
    Suspension,
    Transfer,
)
from casework.selectors import region_setting
from casework.services import event_record
from obligations.schedule import intervals_for
from obligations.services import _open_next
from permissions import selectors
from permissions.services import sync_person_grants
from workflows.branches.common import check_not_future, flows_cancel, obligations_end
from workflows.transitions import episode_transition

S = Episode.Status
ACT_CODENAMES = {"act_work_station", "act_police"}

# Where each way of ending leads (戒毒条例 art 24; 禁毒法 art 38; practice for death and leaving).
TERMINATION_STATUS = {
    Episode.ClosedReason.IMPRISONMENT: S.TERMINATED,
    Episode.ClosedReason.EDUCATION: S.TERMINATED,
    Episode.ClosedReason.COMPULSORY: S.COMPULSORY,
    Episode.ClosedReason.DECEASED: S.DECEASED,
    Episode.ClosedReason.LEFT_COUNTRY: S.TERMINATED,
}


def may_act(user, person) -> bool:
    """Return whether the user's agency acts on this person (work station or police grant)."""
    return bool(ACT_CODENAMES & selectors.person_access_for(user, person).actions)


@transaction.atomic
def suspension_start(
    *, actor, episode: Episode, reason: str, starts_on: date, place: str, documents: str = ""
) -> Suspension:
    """Suspend the episode for detention or arrest (戒毒条例 art 24); pause its recurring obligations."""
    episode = episode_lock(episode)
    if not may_act(actor, episode.person):
        raise PermissionDenied
    if episode.suspensions.filter(ends_on__isnull=True).exists():
        raise RecordRefused(_("该人员已处于中止状态，不能重复登记。"))
    check_not_future(starts_on, _("中止日期"))
    if episode.start_date is None or starts_on < episode.start_date:
        raise RecordRefused(_("中止日期不能早于执行起始日期。"))
    pauses = region_setting(episode.township, "suspension_pauses_clock", True)
    suspension = Suspension.objects.create(
        episode=episode,
        reason=reason,
        starts_on=starts_on,
        place=place,
        documents=documents,
        pauses_clock=pauses,
        recorded_by=actor,
    )
    label = Suspension.Reason(reason).label
    episode_transition(
        episode_id=episode.pk,
        to=S.SUSPENDED,
        actor=actor,
        message=f"中止执行：{label}（{place}，{date_format(starts_on)}）{'，期限暂停计算' if pauses else ''}",
    )
    missed, excused = obligations_end(episode, actor=actor, reason=f"中止（{label}）", kinds=RECURRING_KINDS)
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="suspension_start",
        message=f"中止期间暂停应办事项：免除 {excused} 项，已逾期的 {missed} 项记为未完成",
        suspension_id=suspension.pk,
    )
    return suspension


@transaction.atomic
def suspension_end(*, actor, suspension: Suspension, ends_on: date) -> Suspension:
    """Release: the measure continues (art 24). A paused clock adds the days to the term; the
    recurring obligations reopen with due dates counted from the release date."""
    episode = episode_lock(suspension.episode)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if not may_act(actor, episode.person):
        raise PermissionDenied
    if suspension.ends_on is not None:
        raise RecordRefused(_("已登记恢复执行，不能重复登记。"))
    if ends_on < suspension.starts_on:
        raise RecordRefused(_("释放(恢复执行)日期不能早于中止日期。"))
    check_not_future(ends_on, _("释放(恢复执行)日期"))
    suspension.ends_on = ends_on
    suspension.save(update_fields=["ends_on"])
    fields = {}
    if suspension.pauses_clock:
        paused = episode.paused_days + suspension.days
        fields = {
            "paused_days": paused,
            "expected_end_date": deadlines.expected_end_date(episode.start_date, episode.term_months, paused),
        }
    episode = episode_transition(
        episode_id=episode.pk,
        to=S.ACTIVE,
        actor=actor,
        message=(
            f"恢复执行（{date_format(ends_on)}，中止 {suspension.days} 天"
            + (
                f"，期满日顺延至 {date_format(fields['expected_end_date'])}）"
                if fields
                else "，期限连续计算）"
            )
        ),
        **fields,
    )
    opened = []
    for kind, intervals in intervals_for(episode.township, episode.kind, episode.term_months).items():
        if (
            kind not in RECURRING_KINDS
            or episode.obligations.filter(kind=kind, status__in=Obligation.OPEN_STATUSES).exists()
        ):
            continue
        last = (
            episode.obligations.filter(kind=kind)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        obligation = _open_next(episode, kind, ends_on, (last or 0) + 1, intervals)
        if obligation:
            opened.append(obligation)
    if fields:
        # Deadlines tied to the end of the term move with it (completion, 戒毒条例 arts 23, 40).
        end = episode.expected_end_date
        episode.obligations.filter(
            kind=ObligationKind.CLOSING_FILE, status__in=Obligation.OPEN_STATUSES
        ).update(due_by=end, status=Obligation.Status.PENDING)
        # The release period keeps the count it was opened with (calendar or working days).
        for release in episode.obligations.filter(
            kind=ObligationKind.RELEASE, status__in=Obligation.OPEN_STATUSES
        ):
            release.due_from = end
            release.due_by = deadlines.period_end(
                end,
                release.period_days or deadlines.RELEASE_NOTICE_DAYS,
                release.day_count or DayCount.CALENDAR,
            )
            release.status = Obligation.Status.PENDING
            release.save(update_fields=["due_from", "due_by", "status"])
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="suspension_end",
        message="恢复应办事项："
        + ("、".join(f"{o.get_kind_display()} {date_format(o.due_by)}" for o in opened) or "无"),
        suspension_id=suspension.pk,
    )
    return suspension


@transaction.atomic
def episode_terminate(*, actor, episode: Episode, reason: str, on: date, documents: str) -> Episode:
    """End the episode for imprisonment, a compulsory educational measure (戒毒条例 art 24), a
    compulsory isolation decision (禁毒法 art 38), death or leaving the country (practice)."""
    episode = episode_lock(episode)
    if not may_act(actor, episode.person):
        raise PermissionDenied
    if not episode.is_open:
        raise RecordRefused(
            _("该执行已结束（%(status)s），不能重复登记。") % {"status": episode.get_status_display()}
        )
    if reason not in TERMINATION_STATUS:
        raise RecordRefused(_("请选择结束原因。"))
    if not (documents or "").strip():
        raise RecordRefused(_("请填写依据文书。"))
    check_not_future(on, _("结束日期"))
    if on < episode.decision_date:
        raise RecordRefused(_("结束日期不能早于决定日期。"))
    label = Episode.ClosedReason(reason).label
    episode = episode_transition(
        episode_id=episode.pk,
        to=TERMINATION_STATUS[reason],
        actor=actor,
        message=f"执行结束：{label}（{date_format(on)}，{documents}）",
        closed_on=on,
        closed_reason=reason,
        closed_documents=documents,
    )
    missed, excused = obligations_end(episode, actor=actor, reason=f"执行结束（{label}）")
    episode.transfers.filter(status=Transfer.Status.REQUESTED).update(
        status=Transfer.Status.DECLINED, decline_reason=f"执行结束（{label}）"
    )
    cancelled = flows_cancel(episode)
    sync_person_grants([episode.person_id])
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="episode_closed",
        message=f"结束应办事项：免除 {excused} 项，已逾期的 {missed} 项记为未完成；取消流程 {cancelled} 个",
        reason=reason,
    )
    return episode
