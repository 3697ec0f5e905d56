"""A plain-Python statement of who sees what, from the rules, to check the selectors and pages against."""

from dataclasses import dataclass
from datetime import date

from casework.models import Agency, Episode, Person, Region, Staff, TeamMember
from permissions.models import Party
from permissions.services import AGENCY_PARTY, DEFAULT_MATRIX


def township_of(region: Region) -> Region | None:
    node = region
    while node is not None and node.level != Region.Level.TOWNSHIP:
        node = Region.objects.get_parent(node)
    return node


def expected_types(user, person: Person, today: date) -> set[str] | None:
    """Return the record types the user may read about the person, or None if the person is hidden."""
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    if staff is None:
        return None
    routes: set[str] = set()
    episodes = list(person.episodes.order_by("-decision_date", "-id"))
    open_eps = [e for e in episodes if e.status not in Episode.CLOSED_STATUSES]
    current = open_eps[0] if open_eps else (episodes[0] if episodes else None)
    if current is not None:
        for m in TeamMember.objects.filter(episode=current, user=user):
            if m.start_date <= today and (m.end_date is None or m.end_date >= today):
                routes.add(m.role.code)
    agency = staff.agency
    if staff.role == Staff.Role.SOCIAL_WORKER:  # team grants only, not the agency's
        return {t for route in routes for t in DEFAULT_MATRIX[route]} if routes else None
    police_townships = (township_of(person.residence_region), township_of(person.household_region))
    if agency.kind == Agency.Kind.POLICE and agency.region in police_townships:
        routes.add(Party.POLICE)
    at_execution_place = current is not None and agency.region == current.township
    if agency.kind in (Agency.Kind.WORK_STATION, Agency.Kind.JUDICIAL) and at_execution_place:
        routes.add(AGENCY_PARTY[agency.kind])
    if agency.kind == Agency.Kind.DRUG_CONTROL and person.region.path.startswith(agency.region.path):
        routes.add(Party.SUPERVISOR)
    if not routes:
        return None
    return {t for route in routes for t in DEFAULT_MATRIX[route]}


# --- The sweep's oracle: who may do what on a person, in every state, from the rules --------------
#
# Written from rules.md §4 and architecture.md §4 rule 2 in plain Python, not from the selectors:
# the help team for the term of its membership; the police of the residence and of the household
# registration (双向管控); the work station and the judicial office of the execution township; 人社
# and 民政 while a referral to them is open (禁毒法 art 34); supervisors over the region; and, while
# a transfer is requested, the new place's work station for the request alone (戒毒条例 art 22).

ACT_STATION = "act_work_station"
ACT_POLICE = "act_police"


@dataclass(frozen=True)
class Rights:
    """What the rules give one user on one person."""

    file: bool = False  # may open the person's file
    request_only: bool = False  # the new place of a pending transfer, before it accepts
    types: frozenset = frozenset()
    acts: frozenset = frozenset()
    supervisor: bool = False
    agency_id: int | None = None  # the agency the user acts for (not a social worker)


def current_episode(person: Person) -> Episode | None:
    episodes = list(person.episodes.order_by("-decision_date", "-id"))
    open_eps = [e for e in episodes if e.status not in Episode.CLOSED_STATUSES]
    return open_eps[0] if open_eps else (episodes[0] if episodes else None)


def rights(user, person: Person, today: date) -> Rights:
    from casework.models import Referral, Transfer

    staff = getattr(user, "staff", None) if user.is_authenticated else None
    if staff is None:
        return Rights()
    agency = staff.agency
    routes: set[str] = set()
    current = current_episode(person)
    if current is not None:
        for m in TeamMember.objects.filter(episode=current, user=user, user__is_active=True):
            if m.start_date <= today and (m.end_date is None or m.end_date >= today):
                routes.add(m.role.code)
    acts: set[str] = set()
    social_worker = staff.role == Staff.Role.SOCIAL_WORKER  # team grants only, never the agency's
    requested = False
    if not social_worker:
        if agency.kind == Agency.Kind.POLICE and agency.region in (
            township_of(person.residence_region),
            township_of(person.household_region),
        ):
            routes.add(Party.POLICE)
            acts.add(ACT_POLICE)
        if current is not None and agency.region_id == current.township_id:
            if agency.kind == Agency.Kind.WORK_STATION:
                routes.add(Party.COMMUNITY)
                acts.add(ACT_STATION)
            if agency.kind == Agency.Kind.JUDICIAL:
                routes.add(Party.JUDICIAL)
        if Referral.objects.filter(
            person=person, agency=agency, status__in=[Referral.Status.REFERRED, Referral.Status.ACCEPTED]
        ).exists():
            routes.add(AGENCY_PARTY[agency.kind])
        requested = (
            agency.kind == Agency.Kind.WORK_STATION
            and current is not None
            and current.status not in Episode.CLOSED_STATUSES
            and Transfer.objects.filter(
                episode=current, status=Transfer.Status.REQUESTED, to_township_id=agency.region_id
            ).exists()
        )
    supervisor = agency.kind == Agency.Kind.DRUG_CONTROL and person.region.path.startswith(agency.region.path)
    if supervisor:
        routes.add(Party.SUPERVISOR)
    types = frozenset(t for route in routes for t in DEFAULT_MATRIX[route])
    if not routes:
        return Rights(request_only=requested, agency_id=None if social_worker else agency.pk)
    return Rights(True, False, types, frozenset(acts), supervisor, None if social_worker else agency.pk)
