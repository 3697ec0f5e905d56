"""Supervisors' oversight (禁毒办): the overdue audit, with drill-down and per-staff figures, and
timeliness (every deadline and duty that fell due in a period: done on time, done late, still open).

Every row is about a person let through `permissions.selectors.visible_persons`; a
township supervisor never sees another township's rows, in the list, the counts or
the export.
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import (
    Certification,
    Episode,
    HandOver,
    Obligation,
    ObligationKind,
    Person,
    Region,
    StaffFigures,
    TeamMember,
)
from permissions import selectors

KINDS = {
    "unreported": _("逾期未报到"),
    "drug_test": _("检测逾期"),
    "talk": _("谈话逾期"),
    "home_visit": _("走访逾期"),
    "handover": _("移交公安未接收"),
    # The one-off legal deadlines (casework.ObligationKind) and certifications.
    # An obligation of kind "handover" shows as "handover_due": "handover" is the police's receipt.
    "handover_due": _("移交公安逾期"),
    "absence_back": _("外出逾期未返回销假"),
    "transfer_in": _("变更执行地后逾期未报到"),
    "closing_file": _("期满前移送材料逾期"),
    "release": _("解除通知逾期"),
    "certification": _("脱毒认定待审批超过7天"),
}
PARTIES = {"community": _("社区/社工"), "police": _("派出所"), "supervisor": _("禁毒办")}
# A proposed certification not decided within this many days counts as overdue (a default of ours:
# no statute sets the time; rules.md §3.1). Shown on the overdue page.
CERTIFICATION_DAYS = 7
# Obligation kinds as they appear in the audit (item kind -> casework.ObligationKind value).
OBLIGATION_ITEM_KINDS = {
    "drug_test": "drug_test",
    "talk": "talk",
    "home_visit": "home_visit",
    "handover_due": "handover",
    "absence_back": "absence_back",
    "transfer_in": "transfer_in",
    "closing_file": "closing_file",
    "release": "release",
}


@dataclass(frozen=True)
class AuditFilters:
    region_path: str = ""
    community: int | None = None
    party: str = ""
    kind: str = ""
    staff: str = ""
    min_days: int = 0


OBLIGATION_KINDS = tuple(OBLIGATION_ITEM_KINDS)

COLUMNS = [
    "item_kind",
    "person_id",
    "person_name",
    "township_name",
    "community_id",
    "community_name",
    "party",
    "episode_id",
    "due",
    "period_days",
    "day_count",
]


class _Scope:
    """Which rows of each table the audit reads, for a user and an optional region.

    For a supervisor who sees by region alone, the rows are those executed in the townships of
    the region (an indexed `township` column on obligations and episodes) whose person lives in
    it (a join per row): the cost follows the region's overdue steps, not every person of the
    region nor every overdue step of the country. Anyone else: the persons they may see.

    The two conditions pick the same rows as the person's region alone, because a person's
    region follows their open episode: registering a decision (casework.services.episode_create)
    and accepting a transfer move it to the episode's community.
    """

    def __init__(self, user, region_path: str = ""):
        path = selectors.region_only_path(user)
        self.fast = path is not None and (not region_path or region_path.startswith(path))
        if self.fast:
            self.path = region_path or path
            # The townships whose work falls in the scope (a community's own township, or every
            # township under a township, county or higher).
            self.townships = (
                Region.objects.filter(level=Region.Level.TOWNSHIP)
                .filter(Q(path__startswith=self.path) | Q(path__in=Region.paths_above(self.path)))
                .values("pk")
            )
        else:
            persons = selectors.visible_persons(user)
            if region_path:
                persons = persons.filter(region__path__startswith=region_path)
            self.persons = persons.values("pk")

    def q(self, to_episode: str = "") -> Q:
        """The filter for a table whose path to the township and person columns is `to_episode`
        ("" for episodes and obligations, which carry both; "episode__" for hand-overs and
        certifications)."""
        if self.fast:
            return Q(**{f"{to_episode}township__in": self.townships}) & Q(
                **{f"{to_episode}person__region__path__startswith": self.path}
            )
        return Q(**{f"{to_episode}person__in": self.persons})


def overdue_rows(user, as_of: date, filters: AuditFilters = AuditFilters()) -> QuerySet:
    """Return every overdue step in the user's view as one UNION, worst (oldest due) first."""
    scope = _Scope(user, filters.region_path)
    unreported = (
        Episode.objects.filter(scope.q(), status=Episode.Status.DECIDED, report_deadline__lt=as_of)
        .annotate(
            item_kind=Value("unreported", output_field=CharField()),
            person_name=F("person__name"),
            township_name=F("township__name"),
            community_name=F("community__name"),
            party=Value("community", output_field=CharField()),
            episode_id=F("pk"),
            due=F("report_deadline"),
            period_days=F("report_period_days"),
            day_count=F("report_day_count"),
        )
        .values_list(*COLUMNS)
    )
    obligations = (
        Obligation.objects.filter(scope.q(), status=Obligation.Status.OVERDUE)
        .annotate(
            item_kind=Case(
                When(kind="handover", then=Value("handover_due")), default=F("kind"), output_field=CharField()
            ),
            person_name=F("person__name"),
            township_name=F("township__name"),
            community_id=F("episode__community_id"),
            community_name=F("episode__community__name"),
            party=F("owner_party"),
            due=F("due_by"),
        )
        .values_list(*COLUMNS)
    )
    handovers = (
        HandOver.objects.filter(scope.q("episode__"), received_on__isnull=True, prepared_on__lt=as_of)
        .annotate(
            item_kind=Value("handover", output_field=CharField()),
            person_id=F("episode__person_id"),
            person_name=F("episode__person__name"),
            township_name=F("episode__township__name"),
            community_id=F("episode__community_id"),
            community_name=F("episode__community__name"),
            party=Value("police", output_field=CharField()),
            due=F("prepared_on"),
            period_days=Value(None, output_field=IntegerField()),
            day_count=Value("", output_field=CharField()),
        )
        .values_list(*COLUMNS)
    )
    certifications = (
        Certification.objects.filter(
            scope.q("episode__"),
            status=Certification.Status.PROPOSED,
            proposed_on__lt=as_of - timedelta(days=CERTIFICATION_DAYS),
        )
        .annotate(
            item_kind=Value("certification", output_field=CharField()),
            person_id=F("episode__person_id"),
            person_name=F("episode__person__name"),
            township_name=F("episode__township__name"),
            community_id=F("episode__community_id"),
            community_name=F("episode__community__name"),
            party=Value("supervisor", output_field=CharField()),
            due=Cast(F("proposed_on") + timedelta(days=CERTIFICATION_DAYS), DateField()),
            period_days=Value(None, output_field=IntegerField()),
            day_count=Value("", output_field=CharField()),
        )
        .values_list(*COLUMNS)
    )
    parts = []
    for kind, qs in (
        ("unreported", unreported),
        ("obligation", obligations),
        ("handover", handovers),
        ("certification", certifications),
    ):
        if filters.kind and kind == "obligation":
            if filters.kind not in OBLIGATION_ITEM_KINDS:
                continue
            qs = qs.filter(kind=OBLIGATION_ITEM_KINDS[filters.kind])
        elif filters.kind and filters.kind != kind:
            continue
        if filters.community:
            qs = qs.filter(community_id=filters.community)
        if filters.party:
            qs = qs.filter(party=filters.party)
        if filters.staff:
            if kind != "obligation":
                continue  # only recurring duties have a responsible social worker
            qs = qs.filter(
                Exists(
                    TeamMember.objects.filter(
                        episode=OuterRef("episode"),
                        role__code="community",
                        end_date__isnull=True,
                        user__username=filters.staff,
                    )
                )
            )
        if filters.min_days:
            qs = qs.filter(due__lte=as_of - timedelta(days=filters.min_days))
        parts.append(qs.order_by())
    if not parts:
        return Obligation.objects.none().values_list("pk")
    first, *rest = parts
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("due", "person_id", "item_kind")


def with_days(rows, as_of: date) -> list[dict]:
    """Return the rows as dicts with days overdue and the responsible social worker (one query)."""
    rows = list(rows)
    staff_of = (
        dict(
            TeamMember.objects.filter(
                episode_id__in={r[7] for r in rows if r[0] in OBLIGATION_KINDS},
                role__code="community",
                end_date__isnull=True,
            )
            .order_by("episode_id", "start_date", "pk")
            .values_list("episode_id", "user__username")
        )
        if rows
        else {}
    )
    result = []
    for (
        kind,
        person_id,
        person_name,
        township,
        _community_id,
        community,
        party,
        episode_id,
        due,
        period_days,
        day_count,
    ) in rows:
        staff = staff_of.get(episode_id) if kind in OBLIGATION_KINDS else ""
        result.append(
            {
                "kind": kind,
                "kind_label": KINDS.get(kind, kind),
                "person_id": person_id,
                "person_name": person_name,
                "township": township,
                "community": community,
                "party": party,
                "party_label": PARTIES.get(party, party),
                "staff": staff or "",
                "due": due,
                "period_days": period_days,
                "day_count": day_count,
                "days": (as_of - due).days,
            }
        )
    return result


def drill_down(user, region: Region, as_of: date) -> list[dict]:
    """Overdue counts for each child region of `region` (one query per kind, not per region)."""
    children = list(
        Region.objects.filter(path__startswith=region.path, depth=region.depth + 1).order_by("path")
    )
    scope = _Scope(user, region.path)
    counts = {
        c.pk: {"region": c, "unreported": 0, "obligations": 0, "handovers": 0, "certifications": 0}
        for c in children
    }

    def bucket(path: str) -> int | None:
        for child in children:
            if path.startswith(child.path):
                return child.pk
        return None

    for path in Episode.objects.filter(
        scope.q(), status=Episode.Status.DECIDED, report_deadline__lt=as_of
    ).values_list("community__path", flat=True):
        if (key := bucket(path)) is not None:
            counts[key]["unreported"] += 1
    obligation_paths = (
        Obligation.objects.filter(scope.q(), status=Obligation.Status.OVERDUE)
        .values("episode__community__path")
        .annotate(n=Count("pk"))
        .values_list("episode__community__path", "n")
    )
    for path, n in obligation_paths:
        if (key := bucket(path)) is not None:
            counts[key]["obligations"] += n
    # Hand-overs and certifications awaiting approval: one UNION ALL, one query. Each
    # part drops its model's default ordering: SQLite refuses ORDER BY inside a compound
    # statement, and on PostgreSQL it only sorted rows that are counted, not listed.
    late_handovers = (
        HandOver.objects.filter(scope.q("episode__"), received_on__isnull=True, prepared_on__lt=as_of)
        .values_list("episode__community__path", Value("handovers", output_field=CharField()))
        .order_by()
    )
    late_certifications = (
        Certification.objects.filter(
            scope.q("episode__"),
            status=Certification.Status.PROPOSED,
            proposed_on__lt=as_of - timedelta(days=CERTIFICATION_DAYS),
        )
        .values_list("episode__community__path", Value("certifications", output_field=CharField()))
        .order_by()
    )
    for path, column in late_handovers.union(late_certifications, all=True):
        if (key := bucket(path)) is not None:
            counts[key][column] += 1
    rows = list(counts.values())
    for row in rows:
        row["total"] = row["unreported"] + row["obligations"] + row["handovers"] + row["certifications"]
    return rows


def staff_figures(user, as_of: date, region_path: str = "") -> list[dict]:
    """Per responsible social worker: open items, overdue items, median days late.

    For a supervisor, from last night's StaffFigures under the region (flat: one row per
    worker and community); without them, live from the records.
    """
    path = selectors.supervisor_region_path(user)
    scope = region_path or path
    if path is not None and scope.startswith(path):
        stored = list(
            StaffFigures.objects.filter(community__path__startswith=scope).values_list(
                "user__username", "user__staff__agency__name", "open", "overdue", "days_late"
            )
        )
        if stored or StaffFigures.objects.exists():
            return _staff_rows(stored)
    persons = selectors.visible_persons(user)
    if region_path:
        persons = persons.filter(region__path__startswith=region_path)
    return _staff_rows(_staff_items(persons.values("pk"), as_of))


def _staff_items(persons, as_of: date, by_community: bool = False):
    """(username, agency, open, overdue, [days late]) per social worker (and community) from the
    open obligations of `persons`, each joined to its episode's current social worker.

    Counted in the database: one row per worker, community and due date (the days late of the
    overdue ones follow from the date), not one per obligation.
    """
    rows = (
        Obligation.objects.filter(
            person__in=persons,
            status__in=Obligation.OPEN_STATUSES,
            episode__team__role__code="community",
            episode__team__end_date__isnull=True,
            episode__team__user__isnull=False,
        )
        .values_list(
            "episode__team__user_id",
            "episode__team__user__username",
            "episode__team__user__staff__agency__name",
            "person__region_id",
            "due_by",
        )
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(status=Obligation.Status.OVERDUE)))
        .order_by()
    )
    items: dict[tuple, list] = {}
    for user_id, username, agency, community_id, due_by, n, overdue in rows:
        key = (user_id, username, agency, community_id if by_community else None)
        item = items.setdefault(key, [0, 0, []])
        item[0] += n
        item[1] += overdue
        item[2] += [(as_of - due_by).days] * overdue
    for item in items.values():
        item[2].sort(reverse=True)
    if by_community:
        return items
    return (
        (username, agency, n_open, n_overdue, days)
        for (_u, username, agency, _c), (n_open, n_overdue, days) in items.items()
    )


def _staff_rows(items) -> list[dict]:
    merged: dict[str, dict] = {}
    for username, agency, n_open, n_overdue, days in items:
        row = merged.setdefault(
            username, {"staff": username, "agency": agency or "", "open": 0, "overdue": 0, "days": []}
        )
        row["open"] += n_open
        row["overdue"] += n_overdue
        row["days"] += days
    result = [
        {
            "staff": row["staff"],
            "agency": row["agency"],
            "open": row["open"],
            "overdue": row["overdue"],
            "median_days_late": statistics.median(row["days"]) if row["days"] else 0,
        }
        for row in merged.values()
    ]
    return sorted(result, key=lambda e: (-e["overdue"], -e["median_days_late"], e["staff"]))


def staff_figures_refresh(as_of: date, county: Region | None = None, communities=None) -> int:
    """Rebuild StaffFigures as of `as_of` (nightly); return rows. Every worker and community, or
    only those of one county's persons, or of the persons of the `communities` ids."""
    persons = Person.objects.all()
    rows = StaffFigures.objects.all()
    if county is not None:
        persons = persons.filter(region__path__startswith=county.path)
        rows = rows.filter(community__path__startswith=county.path)
    elif communities is not None:
        if not communities:
            return 0
        persons = persons.filter(region_id__in=communities)
        rows = rows.filter(community_id__in=communities)
    items = _staff_items(persons.values("pk"), as_of, by_community=True)
    now = timezone.now()
    with transaction.atomic():
        rows.delete()
        StaffFigures.objects.bulk_create(
            (
                StaffFigures(
                    community_id=community_id,
                    user_id=user_id,
                    computed_at=now,
                    open=n_open,
                    overdue=n_overdue,
                    days_late=days,
                )
                for (user_id, _name, _agency, community_id), (n_open, n_overdue, days) in items.items()
            ),
            batch_size=2000,
        )
    return len(items)


def episodes_in_view(user, region_path: str = "") -> QuerySet:
    """The episodes the audit reads for the user (and an optional region): the same rows as
    `overdue_rows`, for lists kept beside it."""
    return Episode.objects.filter(_Scope(user, region_path).q())


# --- timeliness: done on time, done late, still open ---------------------------------------------

TIMELINESS_BUCKETS = {
    "on_time": _("按期完成"),
    "late": _("逾期完成"),
    "open": _("尚未完成"),
}
TIMELINESS_KINDS = {"report_in": _("报到"), **dict(ObligationKind.choices)}
# The figures each community's timeliness is stored under (rates.FIGURES, RegionFigures.data).
TIMELINESS_FIGURES = {"due": "due", "on_time": "due_on_time", "late": "due_late", "open": "due_open"}


def _fallen_due(persons, start: date, end: date, as_of: date) -> dict[str, QuerySet]:
    """The deadlines and duties of `persons` that fell due in the period, by source, each with the
    columns `due` and `done` (None while not done).

    Reporting in (戒毒条例 arts 14, 38: report_deadline / reported_on) and every obligation: the
    recurring duties and the one-off legal deadlines (hand-over, return from an absence, reporting
    after a transfer, the file before expiry, the notice of release; due_by / done_on). An excused
    obligation is not counted; one that ended undone (missed) stays not done. Nothing due after
    `as_of` has fallen due yet.
    """
    last = min(end, as_of)
    return {
        "report_in": Episode.objects.filter(
            person__in=persons, report_deadline__range=(start, last)
        ).annotate(due=F("report_deadline"), done=F("reported_on")),
        "obligation": Obligation.objects.filter(person__in=persons, due_by__range=(start, last))
        .exclude(status=Obligation.Status.EXCUSED)
        .annotate(due=F("due_by"), done=F("done_on")),
    }


_ON_TIME = Q(done__isnull=False, done__lte=F("due"))
_LATE = Q(done__isnull=False, done__gt=F("due"))
_OPEN = Q(done__isnull=True)
_BUCKET_Q = {"on_time": _ON_TIME, "late": _LATE, "open": _OPEN}


def timeliness_by_community(persons, start: date, end: date, as_of: date) -> dict[int, dict[str, int]]:
    """{community id: {due, due_on_time, due_late, due_open}} for `persons` (two grouped queries).

    Counted by the person's community, so the figures add up over regions like the rates'.
    """
    out: dict[int, dict[str, int]] = {}
    for qs in _fallen_due(persons, start, end, as_of).values():
        rows = (
            qs.order_by()
            .values("person__region")
            .annotate(
                n=Count("pk"),
                on_time=Count("pk", filter=_ON_TIME),
                late=Count("pk", filter=_LATE),
                open=Count("pk", filter=_OPEN),
            )
        )
        for row in rows:
            figures = out.setdefault(row["person__region"], dict.fromkeys(TIMELINESS_FIGURES.values(), 0))
            figures["due"] += row["n"]
            figures["due_on_time"] += row["on_time"]
            figures["due_late"] += row["late"]
            figures["due_open"] += row["open"]
    return out


def timeliness_totals(persons, start: date, end: date, as_of: date) -> dict[str, int]:
    """The period's totals {due, on_time, late, open} for `persons` (two grouped queries)."""
    totals = dict.fromkeys(TIMELINESS_FIGURES, 0)
    for figures in timeliness_by_community(persons, start, end, as_of).values():
        for key, figure in TIMELINESS_FIGURES.items():
            totals[key] += figures[figure]
    return totals


def timeliness_items(
    persons, start: date, end: date, as_of: date, bucket: str, limit: int = 100
) -> list[dict]:
    """The items of one bucket ("on_time", "late", "open"), most days late first: who, what, when
    due, when done and the days late (done late: done - due; still open: as_of - due). At most
    `limit` rows; two queries whatever the number of items."""
    rows = []
    for source, qs in _fallen_due(persons, start, end, as_of).items():
        kind = Value("report_in", output_field=CharField()) if source == "report_in" else F("kind")
        lateness = ExpressionWrapper(
            Coalesce(F("done"), Value(as_of)) - F("due"), output_field=DurationField()
        )
        rows += list(
            qs.filter(_BUCKET_Q[bucket])
            .annotate(
                item_kind=kind,
                person_name=F("person__name"),
                community_name=F("person__region__name"),
                lateness=lateness,
            )
            .order_by("-lateness", "due", "person_id")
            .values_list("item_kind", "person_id", "person_name", "community_name", "due", "done")[:limit]
        )
    items = [
        {
            "kind": kind,
            "kind_label": TIMELINESS_KINDS.get(kind, kind),
            "person_id": person_id,
            "person_name": name,
            "community": community,
            "due": due,
            "done": done,
            "days_late": max(((done or as_of) - due).days, 0),
        }
        for kind, person_id, name, community, due, done in rows
    ]
    items.sort(key=lambda i: (-i["days_late"], i["due"], i["person_id"]))
    return items[:limit]
