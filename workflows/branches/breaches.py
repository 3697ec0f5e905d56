"""Breaches of the agreement, the serious-breach counter and the hand-over to the police.

Owns: confirming a breach (禁毒法 art 35 para 2; 戒毒条例 arts 20-21), the per-episode counter
of evaded/refused tests and unauthorised exits, opening the hand-over (a BreachHandOverFlow and a
same-day `handover` deadline), and the two steps of that flow (package, police decision).

Nothing is counted from a missed due date alone: every counted event is a Breach row that a
member of the work station confirmed (rules.md §1.7, "treat it as a counter that staff confirm").
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import deadlines
from casework.errors import RecordRefused
from casework.holds import COUNTED_KINDS, HANDOVER_REASONS
from casework.locks import episode_lock
from casework.models import Absence, Breach, DrugTest, Episode, HandOver, Obligation, ObligationKind
from casework.selectors import region_setting
from casework.services import event_record
from workflows.branches.absences import absence_days
from workflows.branches.common import (
    check_not_future,
    deadline_meet,
    deadline_open,
    flows_cancel,
    obligations_end,
)
from workflows.transitions import episode_transition

S = Episode.Status


# A breach can be confirmed while the person is under the measure (not before reporting in).
CONFIRMABLE_STATUSES = (S.ACTIVE, S.OUT_OF_COUNTY, S.MISSING, S.VIOLATION_REPORTED, S.TRANSFER_PENDING)
TEST_RESULT_KIND = {
    DrugTest.Result.REFUSED: Breach.Kind.TEST_REFUSED,
    DrugTest.Result.EVADED: Breach.Kind.TEST_EVADED,
}


# --- the counter ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreachCounters:
    """The serious-breach counter of one episode (戒毒条例 art 20)."""

    tests: int = 0
    exits: int = 0
    exit_days: int = 0

    @property
    def criteria(self) -> tuple[str, ...]:
        """Return the art 20 criteria met: "tests", "exits", "exit_days"."""
        met = []
        if self.tests >= deadlines.SERIOUS_TESTS:
            met.append("tests")
        if self.exits >= deadlines.SERIOUS_EXITS:
            met.append("exits")
        if self.exit_days > deadlines.SERIOUS_EXIT_DAYS:
            met.append("exit_days")
        return tuple(met)

    @property
    def serious(self) -> bool:
        return bool(self.criteria)

    @property
    def criterion_label(self) -> str:
        labels = {
            "tests": _("逃避或者拒绝接受检测%(n)d次") % {"n": self.tests},
            "exits": _("未经批准擅自离开县(市、区)%(n)d次") % {"n": self.exits},
            "exit_days": _("擅自离开累计%(n)d日") % {"n": self.exit_days},
        }
        return "、".join(str(labels[c]) for c in self.criteria)

    def plus(self, kind: str, days: int = 0) -> "BreachCounters":
        """Return the counter after one more confirmed breach of `kind`."""
        if kind in Breach.TEST_KINDS:
            return BreachCounters(self.tests + 1, self.exits, self.exit_days)
        if kind == Breach.Kind.UNAUTHORISED_EXIT:
            return BreachCounters(self.tests, self.exits + 1, self.exit_days + days)
        return self


def breach_counters(episode: Episode) -> BreachCounters:
    """Return the episode's counter of confirmed evaded/refused tests and unauthorised exits (one query)."""
    row = Breach.objects.filter(episode_id=episode.pk).aggregate(
        tests=Count("pk", filter=Q(kind__in=Breach.TEST_KINDS)),
        exits=Count("pk", filter=Q(kind=Breach.Kind.UNAUTHORISED_EXIT)),
        exit_days=Coalesce(Sum("days", filter=Q(kind=Breach.Kind.UNAUTHORISED_EXIT)), Value(0)),
    )
    return BreachCounters(row["tests"], row["exits"], row["exit_days"])


def episodes_with_counters(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Annotate the counter (breach_tests, breach_exits, breach_exit_days) and the last breach hand-over.

    Subqueries in the same statement: a page that lists episodes pays no extra query.
    """
    breaches = Breach.objects.filter(episode=OuterRef("pk")).order_by().values("episode")
    return episodes.annotate(
        breach_tests=Coalesce(
            Subquery(breaches.filter(kind__in=Breach.TEST_KINDS).annotate(n=Count("pk")).values("n")),
            Value(0),
            output_field=IntegerField(),
        ),
        breach_exits=Coalesce(
            Subquery(breaches.filter(kind=Breach.Kind.UNAUTHORISED_EXIT).annotate(n=Count("pk")).values("n")),
            Value(0),
            output_field=IntegerField(),
        ),
        breach_exit_days=Coalesce(
            Subquery(breaches.filter(kind=Breach.Kind.UNAUTHORISED_EXIT).annotate(n=Sum("days")).values("n")),
            Value(0),
            output_field=IntegerField(),
        ),
        breach_handover_id=Subquery(
            HandOver.objects.filter(episode=OuterRef("pk"), reason__in=HANDOVER_REASONS)
            .order_by("-prepared_on", "-id")
            .values("pk")[:1]
        ),
    )


def counters_of(episode: Episode) -> BreachCounters:
    """Return the counter from an episode annotated by `episodes_with_counters` (no query)."""
    return BreachCounters(episode.breach_tests, episode.breach_exits, episode.breach_exit_days)


# --- the hand-over ----------------------------------------------------------------------------


def handover_under_way(episode: Episode) -> bool:
    """Return whether a breach hand-over is open: a package not yet prepared, or awaiting the police."""
    return (
        episode.status == S.VIOLATION_REPORTED
        or Obligation.objects.filter(
            episode=episode, kind=ObligationKind.HANDOVER, status__in=Obligation.OPEN_STATUSES
        ).exists()
    )


def handover_open(
    *, actor, episode: Episode, reason: str, drug_test: DrugTest | None = None, breach: Breach | None = None
) -> Obligation | None:
    """Open the hand-over to the police: the flow and a deadline (戒毒条例 art 21; 禁毒法 art 35 para 2).

    The deadline is today plus the region's handover_days (0: the same day, rules.md §8 rule 5).
    Return the deadline, or None when a hand-over is already under way for the episode.
    """
    from workflows.flows import BreachHandOverFlow

    if handover_under_way(episode):
        return None
    today = timezone.localdate()
    days = region_setting(episode.township, "handover_days", deadlines.DEFAULT_HANDOVER_DAYS)
    deadline = deadline_open(
        episode, ObligationKind.HANDOVER, due_from=today, due_by=today + timedelta(days=days)
    )
    BreachHandOverFlow.start.run(
        episode=episode,
        reason=reason,
        drug_test_id=drug_test.pk if drug_test else None,
        breach_id=breach.pk if breach else None,
    )
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="handover_due",
        message=_("%(reason)s：须于 %(due)s 前将材料移交公安机关（《戒毒条例》第二十一条）")
        % {"reason": HandOver.Reason(reason).label, "due": date_format(deadline.due_by)},
        reason=reason,
    )
    return deadline


# --- confirming a breach ----------------------------------------------------------------------


def _check_day(episode: Episode, day: date) -> None:
    check_not_future(day, _("发生日期"))
    if episode.start_date is None or day < episode.start_date:
        raise RecordRefused(_("日期不能早于执行起始日期（报到日）。"))


@transaction.atomic
def breach_confirm(
    *,
    actor,
    episode: Episode,
    kind: str,
    occurred_on: date | None = None,
    days: int = 0,
    drug_test: DrugTest | None = None,
    absence: Absence | None = None,
    response: str = Breach.Response.EDUCATION,
    warning_number: str = "",
    description: str,
    _from_follow_up: bool = False,
) -> Breach:
    """Record a breach that staff confirmed; open the hand-over when it makes the breach serious.

    An ordinary breach gets criticism and education, optionally a 告诫书 (禁毒法 art 35 para 2).
    A test breach names its refused/evaded DrugTest; an unauthorised exit names its UNREPORTED
    Absence and counts its days (returned_on - leaves_on). When the counter crosses 戒毒条例
    art 20, or the breach is a confirmed relapse, the response is the hand-over (art 21) and the
    returned breach has response HANDOVER. Raise RecordRefused, nothing saved, on bad input.
    """
    episode = episode_lock(episode)
    if episode.status not in CONFIRMABLE_STATUSES:
        raise RecordRefused(
            _("执行状态为“%(status)s”，不能确认违反协议。") % {"status": episode.get_status_display()}
        )
    if kind not in Breach.Kind.values:
        raise RecordRefused(_("违反协议的类别不正确。"))
    if kind in Breach.TEST_KINDS:
        if drug_test is None:
            raise RecordRefused(_("逃避或拒绝检测须对应一条检测记录（结果为拒绝或逃避检测）。"))
        drug_test = DrugTest.objects.select_for_update().filter(pk=drug_test.pk, episode=episode).first()
        if drug_test is None or TEST_RESULT_KIND.get(drug_test.result) != kind:
            raise RecordRefused(_("所选检测的结果与违反协议的类别不符。"))
        if Breach.objects.filter(drug_test=drug_test).exists():
            raise RecordRefused(_("该次检测已确认过违反协议，不能重复确认。"))
        occurred_on, days = drug_test.tested_on, 0
    elif drug_test is not None:
        raise RecordRefused(_("只有逃避或拒绝检测才对应检测记录。"))
    if kind == Breach.Kind.UNAUTHORISED_EXIT:
        if absence is None:
            raise RecordRefused(_("擅自离开须对应一条未报告外出记录。"))
        absence = Absence.objects.select_for_update().filter(pk=absence.pk, episode=episode).first()
        if absence is None or absence.status != Absence.Status.UNREPORTED:
            raise RecordRefused(_("只有未书面报告的外出才计入擅自离开（《戒毒条例》第十九条、第二十条）。"))
        if Breach.objects.filter(absence=absence).exists():
            raise RecordRefused(_("该次外出已确认过违反协议，不能重复确认。"))
        occurred_on, days = absence.leaves_on, absence_days(absence.leaves_on, absence.returned_on)
    elif absence is not None:
        raise RecordRefused(_("只有擅自离开才对应外出记录。"))
    else:
        days = 0
    if occurred_on is None:
        raise RecordRefused(_("请填写发生日期。"))
    _check_day(episode, occurred_on)
    if not description.strip():
        raise RecordRefused(_("请填写情况说明。"))
    if response not in (Breach.Response.EDUCATION, Breach.Response.WARNING):
        raise RecordRefused(_("一般违反协议的处理为批评教育，或批评教育并发告诫书。"))
    # Each confirmation counts toward a serious breach (art 20): the same breach confirmed twice
    # (same kind, day and account) would count one act twice. The episode row is locked above.
    if Breach.objects.filter(
        episode=episode, kind=kind, occurred_on=occurred_on, description=description.strip()
    ).exists():
        raise RecordRefused(_("同一类别、同一日期、同一情况说明的违反协议已经确认过，不能重复确认。"))
    if response == Breach.Response.WARNING and not warning_number.strip():
        raise RecordRefused(_("发告诫书须填写告诫书编号。"))

    before = breach_counters(episode)
    after = before.plus(kind, days)
    crossed = kind in COUNTED_KINDS and after.serious
    relapse = kind == Breach.Kind.RELAPSE
    hand_over = (crossed or relapse) and not handover_under_way(episode)
    breach = Breach(
        episode=episode,
        person=episode.person,
        kind=kind,
        occurred_on=occurred_on,
        days=days,
        drug_test=drug_test,
        absence=absence,
        description=description.strip(),
        response=Breach.Response.HANDOVER if hand_over else response,
        warning_number=warning_number.strip() if response == Breach.Response.WARNING else "",
        confirmed_by=actor,
    )
    breach.full_clean()
    breach.save()
    label = breach.get_kind_display()
    if kind == Breach.Kind.UNAUTHORISED_EXIT:
        label = _("%(kind)s%(days)d日") % {"kind": label, "days": days}
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="breach_confirmed",
        happened_on=occurred_on,
        message=_("确认违反协议：%(kind)s（%(date)s），%(response)s%(warning)s")
        % {
            "kind": label,
            "date": date_format(occurred_on),
            "response": Breach.Response(response).label,
            "warning": f"（告诫书 {breach.warning_number}）" if breach.warning_number else "",
        },
        breach_id=breach.pk,
        tests=after.tests,
        exits=after.exits,
        exit_days=after.exit_days,
    )
    if crossed:
        event_record(
            person=episode.person,
            episode=episode,
            actor=actor,
            kind="serious_breach",
            message=_("严重违反协议：%(criterion)s（《戒毒条例》第二十条）")
            % {"criterion": after.criterion_label},
            criteria=list(after.criteria),
        )
    if hand_over:
        handover_open(
            actor=actor,
            episode=episode,
            reason=HandOver.Reason.RELAPSE if relapse and not crossed else HandOver.Reason.SERIOUS_BREACH,
            breach=breach,
        )
    if drug_test is not None and not _from_follow_up:
        _follow_ups_close(drug_test)
    return breach


def _follow_ups_close(drug_test: DrugTest) -> None:
    """The test's follow-up step (处置异常检测结果) is settled by the confirmation made elsewhere
    (the 违规与外出 tab): cancel its flow, so it leaves every to-do list."""
    from viewflow.workflow.status import STATUS

    from workflows.flows import FollowUpFlow
    from workflows.models import EpisodeProcess

    for process in EpisodeProcess.objects.filter(
        flow_class=FollowUpFlow,
        status=STATUS.NEW,
        artifact_object_id=drug_test.episode_id,
        data__drug_test_id=drug_test.pk,
    ):
        FollowUpFlow.instance.cancel(process)


def follow_up_confirm(*, actor, episode: Episode, drug_test_id: int, note: str) -> Breach:
    """Confirm the refused/evaded test of a follow-up as a breach (the FollowUpFlow review step)."""
    drug_test = DrugTest.objects.filter(pk=drug_test_id, episode=episode).first()
    if drug_test is None or drug_test.result not in TEST_RESULT_KIND:
        raise RecordRefused(_("只有拒绝或逃避检测才能确认为违反协议。"))
    return breach_confirm(
        actor=actor,
        episode=episode,
        kind=TEST_RESULT_KIND[drug_test.result],
        drug_test=drug_test,
        description=note,
        _from_follow_up=True,
    )


# --- the steps of BreachHandOverFlow (registered in workflows.registry) -------------------------------

DOC_CERTIFICATE = "严重违反协议证明"
DOC_TEST_REPORT = "检测报告"
DOC_USE_REPORT = "复吸情况说明"
DOC_RECEIPT = "移交回执"


def handle_handover_prepare(user, episode: Episode, data: dict, activation) -> HandOver:
    """The work station prepares the package; the deadline is met and the episode is handed over."""
    reason = activation.process.data["reason"]
    documents = list(data["documents"])
    if DOC_RECEIPT not in documents:
        raise RecordRefused(_("移交材料须包括移交回执。"))
    if reason == HandOver.Reason.SERIOUS_BREACH and DOC_CERTIFICATE not in documents:
        raise RecordRefused(_("严重违反协议的移交须附严重违反协议证明（《戒毒条例》第二十条）。"))
    if reason == HandOver.Reason.RELAPSE and not {DOC_TEST_REPORT, DOC_USE_REPORT} & set(documents):
        raise RecordRefused(_("复吸的移交须附检测报告或复吸情况说明。"))
    handover = HandOver.objects.create(
        episode=episode,
        reason=reason,
        prepared_on=data["prepared_on"],
        documents="、".join(documents),
        prepared_by=user,
    )
    due_by = (
        Obligation.objects.filter(
            episode=episode, kind=ObligationKind.HANDOVER, status__in=Obligation.OPEN_STATUSES
        )
        .values_list("due_by", flat=True)
        .first()
    )
    deadline_meet(episode, ObligationKind.HANDOVER, data["prepared_on"])
    late = due_by is not None and data["prepared_on"] > due_by
    # The status line is read by every party; what was handed over, and why, only by readers of
    # violations (permissions.kinds.EVENT_RECORD_TYPE).
    episode_transition(episode_id=episode.pk, to=S.VIOLATION_REPORTED, actor=user, message=_("移交公安机关"))
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="handover",
        happened_on=handover.prepared_on,
        message=_("%(reason)s，移交公安机关（%(docs)s）%(late)s")
        % {
            "reason": handover.get_reason_display(),
            "docs": handover.documents,
            "late": _("，已超过移交期限") if late else "",
        },
        handover_id=handover.pk,
    )
    return handover


def handle_handover_receive(user, episode: Episode, data: dict, activation) -> HandOver:
    """The police station receives the package and decides (禁毒法 art 38 para 1; 戒毒条例 art 25)."""
    handover = (
        HandOver.objects.select_for_update()
        .filter(episode=episode, reason__in=HANDOVER_REASONS, received_on__isnull=True)
        .order_by("-prepared_on", "-id")
        .first()
    )
    if handover is None:
        raise RecordRefused(_("没有待接收的移交材料，不能重复登记决定。"))
    if data["received_on"] < handover.prepared_on:
        raise RecordRefused(_("接收日期不能早于移交日期。"))
    handover.received_on = data["received_on"]
    handover.receipt_number = data["receipt_number"]
    handover.decision = data["decision"]
    handover.decision_reason = data["decision_reason"]
    handover.received_by = user
    handover.save()
    if data["decision"] == HandOver.Decision.COMPULSORY:
        missed, excused = obligations_end(episode, actor=user, reason=_("执行结束：决定强制隔离戒毒"))
        flows_cancel(episode, except_process_id=activation.process.pk)
        episode_transition(
            episode_id=episode.pk,
            to=S.COMPULSORY,
            actor=user,
            message=_("公安机关决定强制隔离戒毒，社区戒毒（康复）结束"),
            closed_on=data["decided_on"],
            closed_reason=Episode.ClosedReason.COMPULSORY,
            closed_documents=data["decision_number"],
        )
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="handover",
            happened_on=handover.received_on,
            message=_("公安机关接收移交材料（回执 %(receipt)s），决定强制隔离戒毒（%(number)s，%(reason)s）")
            % {
                "receipt": data["receipt_number"],
                "number": data["decision_number"],
                "reason": data["decision_reason"],
            },
            handover_id=handover.pk,
        )
        if missed or excused:
            event_record(
                person=episode.person,
                episode=episode,
                actor=user,
                kind="obligations_closed",
                message=_("执行结束：%(missed)d项逾期事项记为未完成，%(excused)d项待办事项不再办理")
                % {"missed": missed, "excused": excused},
            )
    else:
        episode_transition(episode_id=episode.pk, to=S.ACTIVE, actor=user, message=_("公安机关决定继续执行"))
        event_record(
            person=episode.person,
            episode=episode,
            actor=user,
            kind="police_continue",
            happened_on=handover.received_on,
            message=_("公安机关接收移交材料（回执 %(receipt)s），决定继续执行（%(reason)s）")
            % {"receipt": data["receipt_number"], "reason": data["decision_reason"]},
            handover_id=handover.pk,
        )
    return handover


def handover_print_context(handover: HandOver) -> dict:
    """Return what the printed package shows besides the person: the counter and the breaches."""
    episode = handover.episode
    return {
        "counters": breach_counters(episode),
        "breaches": list(Breach.objects.filter(episode=episode).order_by("occurred_on", "id")),
        "positive_test": episode.drug_tests.filter(
            result=DrugTest.Result.POSITIVE, tested_on__lte=handover.prepared_on
        )
        .order_by("-tested_on", "-id")
        .first()
        if handover.reason == HandOver.Reason.RELAPSE
        else None,
    }
