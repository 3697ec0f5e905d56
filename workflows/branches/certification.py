"""Detox certification (脱毒认定): the criteria check, the proposal and the supervisor's decision.

No national procedure exists for a community-stage certification (rules.md §3.1): each region
sets the criteria (casework.Region.certification_min_months, default 12 months under measure;
certification_negative_tests, default the last 6 scheduled tests negative) and there must be no
open breach. The work station proposes with a summary (the criteria are stored as a snapshot);
the 禁毒办 over the township approves (certificate number, date) or returns it with a reason.
The approval date is recorded and printed (`certified_on` reads it). The 3 years toward
戒断三年未复吸 count from the start of execution, as the regulations say (rules.md §1.12;
docs/decisions.md explains the choice between the two readings of the three years).

Service functions (no HTTP), also used by the scenario tests:
``certification_check(episode, today)``, ``certification_propose(user, episode, summary, on)``,
``certification_decide(user, certification, approve, on, number="", note="")``.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from casework import deadlines
from casework.deadlines import add_months
from casework.errors import RecordRefused
from casework.locks import episode_lock
from casework.models import Certification, DrugTest, Episode, HandOver
from casework.selectors import region_setting
from casework.services import event_record
from permissions import selectors
from workflows.flows import CertificationFlow, supervises_township

# Episodes in these states are under measure and may be certified.
CERTIFIABLE = (
    Episode.Status.ACTIVE,
    Episode.Status.OUT_OF_COUNTY,
    Episode.Status.TRANSFER_PENDING,
)


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    met: bool
    detail: str
    figures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CertificationCheck:
    """The criteria as of one day, each met or not, with the figures behind it."""

    as_of: date
    criteria: tuple[Criterion, ...]
    positive_in_window: bool

    @property
    def met(self) -> bool:
        return all(c.met for c in self.criteria)

    def snapshot(self) -> dict:
        """Return the check as JSON for Certification.criteria."""
        return {
            "as_of": self.as_of.isoformat(),
            "met": self.met,
            "criteria": [
                {"code": c.code, "label": c.label, "met": c.met, "detail": c.detail, **c.figures}
                for c in self.criteria
            ],
        }


def months_under_measure(episode: Episode, today: date) -> int:
    """Return the whole months from the start of execution to `today`, less the paused days."""
    if episode.start_date is None:
        return 0
    effective = today - timedelta(days=episode.paused_days)
    if effective < episode.start_date:
        return 0
    months = (effective.year - episode.start_date.year) * 12 + effective.month - episode.start_date.month
    while months > 0 and add_months(episode.start_date, months) > effective:
        months -= 1
    return months


def certification_check(episode: Episode, today: date) -> CertificationCheck:
    """Return each criterion with met/not met and its figures (a fixed number of queries).

    1. At least N months under measure since the start of execution, paused days excluded
       (region setting certification_min_months, default 12).
    2. The last M scheduled tests (linked to an obligation, by test date) all negative
       (certification_negative_tests, default 6); any positive test, scheduled or ad hoc,
       from the first of those M tests to today refuses.
    3. No open breach: the episode is not handed over for a breach (violation_reported) and
       no hand-over to the police awaits its decision (戒毒条例 arts 20-21).
    """
    min_months = region_setting(
        episode.township, "certification_min_months", deadlines.DEFAULT_CERTIFICATION_MIN_MONTHS
    )
    wanted = region_setting(
        episode.township, "certification_negative_tests", deadlines.DEFAULT_CERTIFICATION_NEGATIVE_TESTS
    )

    months = months_under_measure(episode, today)
    time_ok = Criterion(
        "months",
        _("执行满%(n)d个月（扣除中止天数）") % {"n": min_months},
        months >= min_months,
        _("已执行%(m)d个月，中止%(p)d天") % {"m": months, "p": episode.paused_days},
        {"months": months, "required": min_months, "paused_days": episode.paused_days},
    )

    last = list(
        DrugTest.objects.filter(episode=episode, obligation__isnull=False, tested_on__lte=today)
        .order_by("-tested_on", "-id")
        .values_list("tested_on", "result")[:wanted]
    )
    negatives = sum(1 for _day, result in last if result == DrugTest.Result.NEGATIVE)
    window_from = last[-1][0] if len(last) == wanted and last else episode.start_date or today
    positives = DrugTest.objects.filter(
        episode=episode, result=DrugTest.Result.POSITIVE, tested_on__gte=window_from, tested_on__lte=today
    ).count()
    tests_ok = Criterion(
        "tests",
        _("最近%(n)d次按计划检测均为阴性") % {"n": wanted},
        len(last) == wanted and negatives == wanted and positives == 0,
        _("最近%(k)d次按计划检测中阴性%(neg)d次；自%(since)s起阳性%(pos)d次")
        % {
            "k": len(last),
            "neg": negatives,
            "since": f"{window_from.year}年{window_from.month}月{window_from.day}日",
            "pos": positives,
        },
        {
            "scheduled_tests": len(last),
            "negative": negatives,
            "required": wanted,
            "positive_in_window": positives,
            "window_from": window_from.isoformat(),
        },
    )

    pending_handovers = HandOver.objects.filter(episode=episode, decision="").count()
    breach_reported = episode.status == Episode.Status.VIOLATION_REPORTED
    breach_ok = Criterion(
        "no_open_breach",
        _("无未处理的违反协议情形"),
        not breach_reported and pending_handovers == 0,
        _("违反协议已移交公安")
        if breach_reported
        else _("待公安决定的移交%(n)d件") % {"n": pending_handovers},
        {"violation_reported": breach_reported, "pending_handovers": pending_handovers},
    )
    return CertificationCheck(today, (time_ok, tests_ok, breach_ok), positives > 0)


def _refuse_unless_met(check: CertificationCheck) -> None:
    if check.positive_in_window:
        raise RecordRefused(_("认定期间内有阳性检测结果，不能认定脱毒。"))
    if not check.met:
        unmet = "；".join(f"{c.label}（{c.detail}）" for c in check.criteria if not c.met)
        raise RecordRefused(_("不符合脱毒认定条件：%(unmet)s") % {"unmet": unmet})


def _check_day(day: date, earliest: date | None, label: str) -> None:
    if day > timezone.localdate():
        raise RecordRefused(_("日期不能晚于今天。"))
    if earliest and day < earliest:
        raise RecordRefused(label)


@transaction.atomic
def certification_propose(*, actor, episode: Episode, summary: str, on: date) -> Certification:
    """Propose certification with a summary when the criteria are met; start CertificationFlow.

    Only the work station acting on the person (act_work_station) may propose. Refused when a
    proposal is pending or a certification was already approved (one per episode).
    """
    episode = episode_lock(episode.pk)
    access = selectors.person_access_for(actor, episode.person)
    if "act_work_station" not in access.actions:
        raise RecordRefused(_("只有执行地工作站可以提请脱毒认定。"))
    if episode.status not in CERTIFIABLE:
        raise RecordRefused(
            _("当前状态“%(status)s”不能提请脱毒认定。") % {"status": episode.get_status_display()}
        )
    if Certification.objects.filter(
        episode=episode, status__in=[Certification.Status.PROPOSED, Certification.Status.APPROVED]
    ).exists():
        raise RecordRefused(_("该人员已有待审批或已认定的脱毒认定，不能重复提请。"))
    _check_day(on, episode.start_date, _("提请日期不能早于执行起始日期。"))
    if not summary.strip():
        raise RecordRefused(_("请填写执行情况小结。"))
    check = certification_check(episode, on)
    _refuse_unless_met(check)
    certification = Certification.objects.create(
        episode=episode,
        summary=summary.strip(),
        criteria=check.snapshot(),
        proposed_by=actor,
        proposed_on=on,
    )
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="certification_proposed",
        message="提请脱毒认定",
        certification_id=certification.pk,
    )
    CertificationFlow.start.run(certification=certification)
    return certification


def certification_decision_apply(
    *, actor, certification_id: int, approve: bool, on: date, number: str = "", note: str = ""
) -> Certification:
    """Record the supervisor's decision (inside the flow's lock and transaction).

    The proposer may not approve their own proposal; a decided proposal is not decided again;
    approval re-checks the criteria as of the decision date (a positive test since refuses).
    """
    certification = (
        Certification.objects.select_for_update()
        .select_related("episode__person", "episode__township")
        .get(pk=certification_id)
    )
    episode = certification.episode
    if certification.status != Certification.Status.PROPOSED:
        raise RecordRefused(
            _("该脱毒认定已审批（%(s)s），不能重复审批。") % {"s": certification.get_status_display()}
        )
    if not supervises_township(actor, episode.township):
        raise RecordRefused(_("只有执行地所属禁毒办可以审批脱毒认定。"))
    if certification.proposed_by_id == actor.pk:
        raise RecordRefused(_("不能审批本人提请的脱毒认定。"))
    _check_day(on, certification.proposed_on, _("审批日期不能早于提请日期。"))
    if approve:
        number = number.strip()
        if not number:
            raise RecordRefused(_("认定时须填写证明编号。"))
        if Certification.objects.filter(certificate_number=number).exclude(pk=certification.pk).exists():
            raise RecordRefused(_("证明编号“%(n)s”已被使用。") % {"n": number})
        _refuse_unless_met(certification_check(episode, on))
        certification.status = Certification.Status.APPROVED
        certification.certificate_number = number
        message = f"脱毒认定已审批通过，证明编号 {number}"
        kind = "certification_approved"
    else:
        if not note.strip():
            raise RecordRefused(_("退回时须填写理由。"))
        certification.status = Certification.Status.RETURNED
        message = f"脱毒认定被退回：{note.strip()}"
        kind = "certification_returned"
    certification.decided_by = actor
    certification.decided_on = on
    certification.decision_note = note.strip()
    certification.save(
        update_fields=["status", "certificate_number", "decided_by", "decided_on", "decision_note"]
    )
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind=kind,
        message=message,
        certification_id=certification.pk,
    )
    return certification


def handle_certification_approve(user, episode, data, activation):
    """The approve step's handler for workflows.registry (the page of the task)."""
    certification_decision_apply(
        actor=user,
        certification_id=activation.process.data["certification_id"],
        approve=data["decision"] == "approve",
        on=data["decided_on"],
        number=data.get("certificate_number", ""),
        note=data.get("note", ""),
    )


def approve_task_for(certification: Certification):
    """Return the open approve task of this certification's flow, or None."""
    from viewflow.workflow.models import Task

    return (
        Task.objects.filter(
            process__flow_class=CertificationFlow,
            process__data__certification_id=certification.pk,
            flow_task=CertificationFlow.approve,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        .select_related("process")
        .first()
    )


def certifications_of(person) -> list[Certification]:
    """Return a visible person's certifications, newest first (one query)."""
    return list(
        Certification.objects.filter(episode__person=person)
        .select_related("episode__township", "decided_by", "proposed_by")
        .order_by("-proposed_on", "-id")
    )
