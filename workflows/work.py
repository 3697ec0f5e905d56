"""Each party's own work: the duties a user carries out, sorted into what is due when.

The party that does a duty comes from one table (`obligations.parties.DUTY_PARTY`, rules.md
§4.3); a user sees as work only the duties of their own party: their own (they are on the
person's help team) and, for those who act for their agency, the agency's. Everything else
about their persons is information in the person's file. Referrals are the work of the
receiving 人社所 or 民政办.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.utils.translation import gettext_lazy

from casework.models import Agency, Episode, Obligation, Referral, Staff, TeamMember
from obligations.parties import duty_kinds_of
from permissions import selectors

WEEK_DAYS = 7
# Buckets of due work, in the order a person reads them: overdue first, then today, this week, later.
BUCKETS = ("overdue", "today", "week", "later")
BUCKET_LABELS = {
    "overdue": gettext_lazy("已逾期"),
    "today": gettext_lazy("今天到期"),
    "week": gettext_lazy("7天内到期"),
    "later": gettext_lazy("以后到期"),
}
# Duties of episodes in these states can be recorded now (the record pages take no other).
RECORDABLE = (Episode.Status.ACTIVE, Episode.Status.OUT_OF_COUNTY)


def bucket_filter(bucket: str, today: date) -> Q:
    """Return the condition of one bucket of open duties."""
    week_end = today + timedelta(days=WEEK_DAYS)
    return {
        "overdue": Q(status=Obligation.Status.OVERDUE) | Q(due_by__lt=today),
        "today": Q(status=Obligation.Status.PENDING, due_by=today),
        "week": Q(status=Obligation.Status.PENDING, due_by__gt=today, due_by__lte=week_end),
        "later": Q(status=Obligation.Status.PENDING, due_by__gt=week_end),
    }[bucket]


def bucket_of(duty: Obligation, today: date) -> str:
    """Return the bucket an open duty falls in (the same conditions as `bucket_filter`)."""
    if duty.status == Obligation.Status.OVERDUE or duty.due_by < today:
        return "overdue"
    if duty.due_by == today:
        return "today"
    return "week" if duty.due_by <= today + timedelta(days=WEEK_DAYS) else "later"


def _on_my_team(user, today: date):
    return TeamMember.objects.filter(episode=OuterRef("episode"), user=user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def party_duties(user, staff: Staff | None, today: date, *, narrowed: bool = False) -> QuerySet[Obligation]:
    """Return the open duties of the user's party about persons the user may see.

    `narrowed`: the caller narrows them to a few rows (the user's team, a township), so each
    row's readability is checked per row and PostgreSQL starts from the narrowing condition.
    """
    if staff is None:
        return Obligation.objects.none()
    return (
        selectors.visible_obligations(user, per_row=narrowed)
        .filter(status__in=Obligation.OPEN_STATUSES, kind__in=duty_kinds_of(staff.agency.kind))
        .annotate(mine=Exists(_on_my_team(user, today)))
    )


def duties_mine(user, staff: Staff | None, today: date) -> QuerySet[Obligation]:
    """Return the user's own duties: their party's, on episodes whose help team they are on."""
    return party_duties(user, staff, today, narrowed=True).filter(mine=True)


def duties_agency(user, staff: Staff | None, today: date) -> QuerySet[Obligation]:
    """Return the duties of the user's agency (for those who act for it; else none).

    A work station's are the duties of the episodes its township executes; another agency's
    are its party's duties about the persons it holds.
    """
    if staff is None or selectors.agency_group_id(staff) is None:
        return Obligation.objects.none()
    if staff.agency.kind == Agency.Kind.WORK_STATION:
        return party_duties(user, staff, today, narrowed=True).filter(township_id=staff.agency.region_id)
    return party_duties(user, staff, today)


# What a row of due work shows (the person's name, the duty, its deadline and status, and
# whether its episode may be recorded now): the rest of the person and episode stays unread.
DUTY_ROW_FIELDS = (
    "kind",
    "status",
    "due_by",
    "period_days",
    "day_count",
    "person",
    "person__name",
    "episode",
    "episode__status",
)


def duty_rows_of(duties: QuerySet[Obligation]) -> QuerySet[Obligation]:
    """Return the duties with what their rows show loaded in the same statement."""
    return duties.select_related("person", "episode").only(*DUTY_ROW_FIELDS)


def bucket_counts(duties: QuerySet[Obligation], today: date) -> dict[str, int]:
    """Return {bucket: number of duties} in one aggregate query."""
    return duties.aggregate(**{b: Count("pk", filter=bucket_filter(b, today)) for b in BUCKETS})


def with_bucket_counts(duties: QuerySet[Obligation], today: date) -> QuerySet[Obligation]:
    """Annotate each duty with the number of duties in each bucket of the whole set (a window over
    every row, counted before any LIMIT): a page that lists a slice of the duties and counts all
    of them reads both in one statement. `bucket_counts_of` reads them back."""
    return duties.annotate(
        **{f"in_bucket_{b}": Window(Count("pk", filter=bucket_filter(b, today))) for b in BUCKETS}
    )


def bucket_counts_of(rows: list[Obligation]) -> dict[str, int]:
    """Return {bucket: number of duties} from rows read through `with_bucket_counts` (all zero
    when there are none)."""
    return {b: getattr(rows[0], f"in_bucket_{b}") if rows else 0 for b in BUCKETS}


@dataclass(frozen=True)
class PersonDuties:
    person_id: int
    person_name: str
    duties: list


def grouped_by_person(duties: list[Obligation]) -> list[PersonDuties]:
    """Group duties (ordered by due date) by person, the person of the earliest one first."""
    groups: dict[int, PersonDuties] = {}
    for duty in duties:
        group = groups.get(duty.person_id)
        if group is None:
            group = groups[duty.person_id] = PersonDuties(duty.person_id, duty.person.name, [])
        group.duties.append(duty)
    return list(groups.values())


def referrals_to_do(user) -> QuerySet[Referral]:
    """Return the open referrals the user's 人社所 or 民政办 is to accept or carry out."""
    return selectors.referrals_to_do(user)
