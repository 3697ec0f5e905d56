"""Why an episode's completion waits for the police, and which files are near their end.

Reads over the records only, shared by the life cycle (which holds the completion flow back)
and by the supervisors' overdue audit (which lists the held completions).

A serious breach or relapse is reported to the police, who decide 强制隔离戒毒 or continuing
(戒毒条例 arts 20-21, 25; 禁毒法 art 38): until they decide, the episode does not complete.
"""

from datetime import date, timedelta

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from casework import deadlines
from casework.models import Breach, DayCount, Episode, HandOver, Obligation, ObligationKind
from casework.selectors import deadline_rules_by_township, serious_breach_counts

DEFAULT_PREP_DAYS = deadlines.DEADLINE_KINDS["closing_file"].days
# The breaches that count towards a serious breach (戒毒条例 art 20), and the hand-overs they lead to.
COUNTED_KINDS = (*Breach.TEST_KINDS, Breach.Kind.UNAUTHORISED_EXIT)
HANDOVER_REASONS = (HandOver.Reason.SERIOUS_BREACH, HandOver.Reason.RELAPSE)


HOLD_REASONS = {
    "package_due": gettext_lazy(
        "已发现严重违反协议或复吸，移交公安机关的材料尚未移交（《戒毒条例》第二十一条）"
    ),
    "awaiting_police": gettext_lazy("材料已移交公安机关，待公安机关作出处理决定（《禁毒法》第三十八条）"),
    "counter_unanswered": gettext_lazy(
        "严重违反协议已达《戒毒条例》第二十条的次数或天数，尚无公安机关对此作出的处理决定"
    ),
}


def episodes_with_completion_hold(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Annotate why completion must wait for the police (hold_package_due, hold_awaiting_police,
    hold_counter), as subqueries of the same statement.

    A serious breach or relapse is reported to the police, who decide 强制隔离戒毒 or continuing
    (戒毒条例 arts 20-21, 25; 禁毒法 art 38): until they decide, the episode does not complete.
    The counter is the fact: a crossed counter with no police decision made on or after the last
    counted breach holds completion even when no hand-over deadline is open.
    """
    last_counted = (
        Breach.objects.filter(episode=OuterRef("episode"), kind__in=COUNTED_KINDS)
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )
    decided_since = HandOver.objects.filter(
        episode=OuterRef("pk"), reason__in=HANDOVER_REASONS, received_on__gte=Subquery(last_counted)
    ).exclude(decision="")
    return episodes.annotate(
        hold_package_due=Exists(
            Obligation.objects.filter(
                episode=OuterRef("pk"), kind=ObligationKind.HANDOVER, status__in=Obligation.OPEN_STATUSES
            )
        ),
        hold_awaiting_police=Exists(
            HandOver.objects.filter(episode=OuterRef("pk"), reason__in=HANDOVER_REASONS, decision="")
        ),
        hold_counter=ExpressionWrapper(
            Exists(serious_breach_counts().filter(episode=OuterRef("pk"))) & ~Exists(decided_since),
            output_field=BooleanField(),
        ),
    )


def hold_reason(episode: Episode) -> str:
    """Return why the completion of an episode annotated by `episodes_with_completion_hold` waits,
    or "" when it does not (no query)."""
    for key in ("package_due", "awaiting_police", "counter"):
        if getattr(episode, f"hold_{key}"):
            return str(HOLD_REASONS["counter_unanswered" if key == "counter" else key])
    return ""


def completion_hold(episode: Episode) -> str:
    """Return why the episode's completion waits for the police, or "" (one query)."""
    return hold_reason(episodes_with_completion_hold(Episode.objects.filter(pk=episode.pk)).get())


def file_windows(as_of: date):
    """Return each township's file window (days, day count), how far ahead any window can reach
    from `as_of`, and the national calendar over that span, read only where some township counts
    working days (one query, plus two for the calendar)."""
    prep = deadline_rules_by_township("closing_file")
    if not prep:
        return prep, 0, None
    # Working days stretch a window over weekends and holidays: look far enough ahead for both.
    horizon = max(days if count == DayCount.CALENDAR else 2 * days + 31 for days, count in prep.values())
    calendar = (
        deadlines.work_calendar(as_of, as_of + timedelta(days=horizon))
        if any(count == DayCount.WORKING for _days, count in prep.values())
        else None
    )
    return prep, horizon, calendar


def completions_held(episodes: QuerySet[Episode], as_of: date) -> list[Episode]:
    """Return the open episodes of `episodes` at or near their end (within the township's
    preparation window, or past it) whose completion waits for the police, each with
    `hold_reason`; oldest end first (one query, plus two for the windows)."""
    prep, horizon, calendar = file_windows(as_of)
    if not prep:
        return []
    held = (
        episodes_with_completion_hold(
            episodes.exclude(status__in=Episode.CLOSED_STATUSES).filter(
                expected_end_date__lte=as_of + timedelta(days=horizon)
            )
        )
        .filter(Q(hold_package_due=True) | Q(hold_awaiting_police=True) | Q(hold_counter=True))
        .select_related("person", "township", "community")
        .order_by("expected_end_date", "pk")
    )
    result = []
    for episode in held:
        days, count = prep.get(episode.township_id, (DEFAULT_PREP_DAYS, DayCount.CALENDAR))
        if deadlines.period_start_before(episode.expected_end_date, days, count, calendar) <= as_of:
            episode.hold_reason = hold_reason(episode)
            result.append(episode)
    return result
