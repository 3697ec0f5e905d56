"""Supervisors' oversight (禁毒办): the overdue audit, with drill-down and per-staff figures.

Every row is about a person let through `permissions.selectors.visible_persons`; a
township supervisor never sees another township's rows, in the list, the counts or
the export.
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from casework.models import Certification, Episode, HandOver, Obligation, Region, TeamMember
from permissions import selectors

KINDS = {
    "unreported": _("逾期未报到"),
    "drug_test": _("检测逾期"),
    "talk": _("谈话逾期"),
    "home_visit": _("走访逾期"),
    "handover": _("移交公安未接收"),
    # Issue 6 (helper h4): the one-off legal deadlines (casework.ObligationKind) and certifications.
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
]


def overdue_rows(user, as_of: date, filters: AuditFilters = AuditFilters()) -> QuerySet:
    """Return every overdue step in the user's view as one UNION, worst (oldest due) first."""
    persons = selectors.visible_persons(user)
    if filters.region_path:
        persons = persons.filter(region__path__startswith=filters.region_path)
    persons = persons.values("pk")
    unreported = (
        Episode.objects.filter(person__in=persons, status=Episode.Status.DECIDED, report_deadline__lt=as_of)
        .annotate(
            item_kind=Value("unreported", output_field=CharField()),
            person_name=F("person__name"),
            township_name=F("township__name"),
            community_name=F("community__name"),
            party=Value("community", output_field=CharField()),
            episode_id=F("pk"),
            due=F("report_deadline"),
        )
        .values_list(*COLUMNS)
    )
    obligations = (
        Obligation.objects.filter(person__in=persons, status=Obligation.Status.OVERDUE)
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
        HandOver.objects.filter(episode__person__in=persons, received_on__isnull=True, prepared_on__lt=as_of)
        .annotate(
            item_kind=Value("handover", output_field=CharField()),
            person_id=F("episode__person_id"),
            person_name=F("episode__person__name"),
            township_name=F("episode__township__name"),
            community_id=F("episode__community_id"),
            community_name=F("episode__community__name"),
            party=Value("police", output_field=CharField()),
            due=F("prepared_on"),
        )
        .values_list(*COLUMNS)
    )
    certifications = (
        Certification.objects.filter(
            episode__person__in=persons,
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
    for kind, person_id, person_name, township, _community_id, community, party, episode_id, due in rows:
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
                "days": (as_of - due).days,
            }
        )
    return result


def drill_down(user, region: Region, as_of: date) -> list[dict]:
    """Overdue counts for each child region of `region` (one query per kind, not per region)."""
    children = list(
        Region.objects.filter(path__startswith=region.path, depth=region.depth + 1).order_by("path")
    )
    persons = selectors.visible_persons(user)
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
        person__in=persons.values("pk"), status=Episode.Status.DECIDED, report_deadline__lt=as_of
    ).values_list("community__path", flat=True):
        if (key := bucket(path)) is not None:
            counts[key]["unreported"] += 1
    obligation_paths = (
        Obligation.objects.filter(person__in=persons.values("pk"), status=Obligation.Status.OVERDUE)
        .values("episode__community__path")
        .annotate(n=Count("pk"))
        .values_list("episode__community__path", "n")
    )
    for path, n in obligation_paths:
        if (key := bucket(path)) is not None:
            counts[key]["obligations"] += n
    # Hand-overs and (issue 6) certifications awaiting approval: one UNION ALL, one query.
    late_handovers = HandOver.objects.filter(
        episode__person__in=persons.values("pk"), received_on__isnull=True, prepared_on__lt=as_of
    ).values_list("episode__community__path", Value("handovers", output_field=CharField()))
    late_certifications = Certification.objects.filter(
        episode__person__in=persons.values("pk"),
        status=Certification.Status.PROPOSED,
        proposed_on__lt=as_of - timedelta(days=CERTIFICATION_DAYS),
    ).values_list("episode__community__path", Value("certifications", output_field=CharField()))
    for path, column in late_handovers.union(late_certifications, all=True):
        if (key := bucket(path)) is not None:
            counts[key][column] += 1
    rows = list(counts.values())
    for row in rows:
        row["total"] = row["unreported"] + row["obligations"] + row["handovers"] + row["certifications"]
    return rows


def staff_figures(user, as_of: date, region_path: str = "") -> list[dict]:
    """Per responsible social worker: open items, overdue items, median days late.

    Two grouped queries (counts per staff; the due dates of overdue items for the medians),
    not a lookup per obligation.
    """
    persons = selectors.visible_persons(user)
    if region_path:
        persons = persons.filter(region__path__startswith=region_path)
    persons = persons.values("pk")
    members = TeamMember.objects.filter(
        role__code="community", end_date__isnull=True, user__isnull=False, episode__person__in=persons
    )
    counts = (
        members.filter(episode__obligations__status__in=Obligation.OPEN_STATUSES)
        .values("user__username", "user__staff__agency__name")
        .annotate(
            open=Count("episode__obligations"),
            overdue=Count(
                "episode__obligations", filter=Q(episode__obligations__status=Obligation.Status.OVERDUE)
            ),
        )
    )
    late: dict[str, list[int]] = {}
    for username, due_by in members.filter(
        episode__obligations__status=Obligation.Status.OVERDUE
    ).values_list("user__username", "episode__obligations__due_by"):
        late.setdefault(username, []).append((as_of - due_by).days)
    result = [
        {
            "staff": row["user__username"],
            "agency": row["user__staff__agency__name"] or "",
            "open": row["open"],
            "overdue": row["overdue"],
            "median_days_late": statistics.median(late[row["user__username"]]) if row["overdue"] else 0,
        }
        for row in counts
    ]
    return sorted(result, key=lambda e: (-e["overdue"], -e["median_days_late"], e["staff"]))
