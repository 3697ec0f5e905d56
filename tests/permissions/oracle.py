"""A plain-Python statement of who sees what (issue 3), to check the selectors against."""

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
