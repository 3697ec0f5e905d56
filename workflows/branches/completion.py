"""Normal completion (期满解除) and the follow-up after it (rules.md §1.12, §8 rule 10).

戒毒条例 arts 23, 40: the measure ends when the term expires; the police at the execution place
issue the notice of release, serve it on the person and the family, and notify the township
within 7 days. `completions_open` (run by the daily scan) starts a `flows.CompletionFlow` when an
ACTIVE episode enters the preparation window (region setting completion_prep_days, default 30):
the work station sends the file to the police (Obligation 'closing_file', due on the end date),
then the police station records the notice (Obligation 'release', due 7 days after the end date,
so a late notice shows as overdue). Never two flows for one episode. Both periods count calendar
days unless the region counts working days (重庆 S10 art 37: the file within the 7 working days
before expiry, the township notified within 7 working days; `casework.deadlines`).

After completion (上海 S7 art 29, 山东 S8 art 36; 戒毒条例 art 7 para 2): the person stays on the
follow-up list until 3 years without relapse counted from the start of execution
(Episode.start_date), except those who refused or seriously breached (the confirmed counter of
art 20, hand-over or not); then they show as 戒断三年未复吸 (`casework.selectors.three_years_clean_q`).

Completion waits for the police: an episode with a serious breach or relapse the police have not
decided on (`breaches.completion_hold`) gets no completion flow, and its notice of release is
refused, until the decision.
"""

from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import deadlines
from casework import selectors as casework_selectors
from casework.errors import RecordRefused
from casework.holds import DEFAULT_PREP_DAYS, completion_hold, episodes_with_completion_hold, file_windows
from casework.locks import episode_lock
from casework.models import (
    DayCount,
    Episode,
    Obligation,
    ObligationKind,
    ReleaseNotice,
)
from casework.selectors import deadline_rule
from casework.services import event_record
from permissions import selectors
from workflows.branches.common import (
    check_not_future,
    deadline_meet,
    deadline_open,
    flow_started,
    obligations_end,
)
from workflows.branches.suspensions import may_act
from workflows.flows import CompletionFlow
from workflows.models import EpisodeProcess
from workflows.transitions import episode_transition

S = Episode.Status


# --- the scan: open the completion flow when an episode enters the window -----------------


def completions_open(as_of: date) -> int:
    """Start the completion flow for ACTIVE episodes whose end is within the window; return how many.

    Idempotent: an episode that already has a completion flow (open or done) is skipped, and the
    check is repeated under the episode's row lock. An episode whose serious breach or relapse
    awaits the police (`breaches.completion_hold`) is skipped until they decide. Episodes entering the window while suspended
    or away are caught on the first scan after they are ACTIVE again.
    """
    prep, horizon, calendar = file_windows(as_of)
    if not prep:
        return 0
    has_flow = EpisodeProcess.objects.filter(
        flow_class=CompletionFlow,
        artifact_content_type=ContentType.objects.get_for_model(Episode),
        artifact_object_id=OuterRef("pk"),
    )
    candidates = (
        episodes_with_completion_hold(
            Episode.objects.filter(
                status=S.ACTIVE, expected_end_date__lte=as_of + timedelta(days=horizon)
            ).exclude(Exists(has_flow))
        )
        .filter(hold_package_due=False, hold_awaiting_police=False, hold_counter=False)
        .values_list("pk", "township_id", "expected_end_date")
    )
    started = 0
    default = (DEFAULT_PREP_DAYS, DayCount.CALENDAR)
    for pk, township_id, end in candidates:
        days, count = prep.get(township_id, default)
        # The calendar holds every day from today to the end, enough to tell whether the window
        # opens on or before today (counting back past today answers yes whatever it meets).
        if deadlines.period_start_before(end, days, count, calendar) <= as_of and completion_start(pk, as_of):
            started += 1
    return started


def release_due(end: date, days: int, count: str) -> date:
    """Return the day the township must have been notified of the release (戒毒条例 arts 23, 40:
    within 7 days of expiry; 重庆 S10 art 37: within 7 working days)."""
    return deadlines.period_end(end, days, count)


@transaction.atomic
def completion_start(episode_id: int, as_of: date) -> bool:
    """Open the completion flow and its two deadlines for one episode (once); return whether it did.

    The file window opens the region's preparation period before the end, and the release notice
    falls due the region's release period after it, each in calendar or working days.
    """
    episode = episode_lock(episode_id)
    if episode.status != S.ACTIVE:
        return False
    if flow_started(episode, CompletionFlow) or completion_hold(episode):
        return False
    end = episode.expected_end_date
    prep_days, prep_count = deadline_rule(episode.township, "closing_file")
    release_days, release_count = deadline_rule(episode.township, "release")
    CompletionFlow.start.run(episode=episode)
    opens = deadlines.period_start_before(end, prep_days, prep_count)
    deadline_open(
        episode,
        ObligationKind.CLOSING_FILE,
        due_from=min(as_of, opens),
        due_by=end,
        period_days=prep_days,
        day_count=prep_count,
    )
    deadline_open(
        episode,
        ObligationKind.RELEASE,
        due_from=end,
        due_by=release_due(end, release_days, release_count),
        owner_party="police",
        period_days=release_days,
        day_count=release_count,
    )
    basis = deadlines.period_label(prep_days, prep_count) or f"{prep_days} 日"
    event_record(
        person=episode.person,
        episode=episode,
        actor=None,
        kind="completion_prep",
        message=f"距期满 {basis}内：准备期满材料移送公安机关（期满日 {date_format(end)}）",
    )
    return True


# --- the steps --------------------------------------------------------------------------------


def handle_prepare_file(user, episode: Episode, data: dict, activation) -> None:
    """Step 1 (work station): the file is sent to the police before expiry (戒毒条例 arts 23, 40)."""
    sent_on = data["sent_on"]
    check_not_future(sent_on, _("移送日期"))
    if episode.start_date and sent_on < episode.start_date:
        raise RecordRefused(_("移送日期不能早于执行起始日期。"))
    deadline_meet(episode, ObligationKind.CLOSING_FILE, sent_on)
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="closing_file",
        happened_on=sent_on,
        message=f"期满材料移送公安机关（{date_format(sent_on)}：{data['documents']}）",
    )


def handle_release_notice(user, episode: Episode, data: dict, activation) -> None:
    """Step 2 (police station): the notice of release; the episode completes on its end date
    (戒毒条例 arts 23, 40: released from the day the term expires; the township is notified
    within 7 days)."""
    if ReleaseNotice.objects.filter(episode=episode).exists():
        raise RecordRefused(_("已登记解除通知书，不能重复登记。"))
    held = completion_hold(episode)
    if held:
        raise RecordRefused(_("期满解除暂缓：%(reason)s。") % {"reason": held})
    end = episode.expected_end_date
    issued = data["issued_on"]
    if issued < end:
        raise RecordRefused(_("期满日（%(end)s）前不能出具解除通知书。") % {"end": date_format(end)})
    served_family = data.get("served_family_on")
    for day in (data["served_person_on"], served_family, data["township_notified_on"]):
        if day is not None and day < issued:
            raise RecordRefused(_("送达和通知日期不能早于出具日期。"))
        if day is not None:
            check_not_future(day, _("日期"))
    check_not_future(issued, _("出具日期"))
    ReleaseNotice.objects.create(
        episode=episode,
        number=data["number"],
        issued_on=issued,
        served_person_on=data["served_person_on"],
        served_family_on=served_family,
        township_notified_on=data["township_notified_on"],
        recorded_by=user,
    )
    due = (
        Obligation.objects.filter(episode=episode, kind=ObligationKind.RELEASE).order_by("-sequence").first()
    )
    due_by = due.due_by if due else release_due(end, deadlines.RELEASE_NOTICE_DAYS, DayCount.CALENDAR)
    deadline_meet(episode, ObligationKind.RELEASE, data["township_notified_on"])
    late = data["township_notified_on"] > due_by
    episode = episode_transition(
        episode_id=episode.pk,
        to=S.COMPLETED,
        actor=user,
        message=(
            f"期满解除（期满日 {date_format(end)}，解除通知书 {data['number']}"
            + ("，通知乡镇逾期" if late else "")
            + "）"
        ),
        closed_on=end,
        closed_reason=Episode.ClosedReason.COMPLETED,
        closed_documents=f"解除通知书 {data['number']}",
    )
    obligations_end(episode, actor=user, reason="期满解除")


FOLLOW_UP_LABELS = {
    casework_selectors.FOLLOWING: gettext_lazy("社会面戒断不满三年"),
    casework_selectors.THREE_YEARS_CLEAN: gettext_lazy("戒断三年未复吸"),
    casework_selectors.EXCLUDED: gettext_lazy("不适用(拒绝或严重违反协议)"),
    casework_selectors.RELAPSED: gettext_lazy("解除后复吸"),
}


def three_years_on(episode: Episode) -> date:
    """Return the day the person has been 3 years without relapse since the start of execution."""
    return deadlines.three_years_on(episode.start_date)


def follow_up_status(episode: Episode, today: date) -> str:
    """Return 'following', 'three_years_clean', 'excluded' or 'relapsed' for an episode.

    上海 S7 art 29, 山东 S8 art 36: 3 years from the start of execution without drug use, except
    those who refused or seriously breached (the counter of 戒毒条例 art 20 crossed, whether or
    not a hand-over package was prepared). Defined once in `casework.selectors.follow_up_state`.
    """
    return casework_selectors.follow_up_state(episode, today)


def follow_up_episodes(user) -> QuerySet[Episode]:
    """Return the completed last episodes of the persons the user may see, refusers and serious
    breachers left out (one query; the persons come through permissions.selectors)."""
    visible = Episode.objects.filter(
        person__in=selectors.visible_persons(user).values("pk"), status=S.COMPLETED
    )
    return (
        casework_selectors.episodes_with_follow_up_facts(casework_selectors.last_episodes(visible))
        .filter(refused=False, seriously_breached=False)
        .select_related("person", "community")
    )


@transaction.atomic
def follow_up_relapse(*, actor, episode: Episode, relapsed_on: date, note: str) -> Episode:
    """Record a relapse during the follow-up after completion: the person leaves the 3-year count."""
    episode = episode_lock(episode.pk)
    if not may_act(actor, episode.person):
        raise PermissionDenied
    if episode.relapsed_on is not None:
        raise RecordRefused(_("已登记解除后复吸，不能重复登记。"))
    check_not_future(relapsed_on, _("复吸日期"))
    if episode.closed_on is None or relapsed_on <= episode.closed_on:
        raise RecordRefused(_("复吸日期须在期满解除之后。"))
    status = follow_up_status(episode, relapsed_on)
    if status == "excluded":
        raise RecordRefused(_("该人员不在戒断三年随访名单中。"))
    if status == "three_years_clean":
        raise RecordRefused(_("该人员已戒断三年未复吸，不在随访期内。"))
    Episode.objects.filter(pk=episode.pk).update(relapsed_on=relapsed_on)
    episode.relapsed_on = relapsed_on
    event_record(
        person=episode.person,
        episode=episode,
        actor=actor,
        kind="relapse_after_completion",
        happened_on=relapsed_on,
        message=f"解除后复吸（{date_format(relapsed_on)}）：{note}",
    )
    return episode
