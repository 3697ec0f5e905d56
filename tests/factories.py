"""Builders for test worlds: regions, agencies, staff, persons with episodes and teams.

They write through the same services the app uses, so grants are in step.
"""

import itertools
from datetime import date, timedelta

from django.contrib.auth.models import Group, User

from casework.deadlines import expected_end_date, report_deadline
from casework.idnumber import make_id_number
from casework.models import Agency, Episode, PartyRole, Person, Region, Staff, TeamMember
from permissions.services import holds_agency_grants, sync_person_grants

_seq = itertools.count(1)
PASSWORD = "test-pass-12345"


def region_tree(county_code: str = "320999", townships: int = 2, communities: int = 2) -> dict:
    """Return {"county": r, "townships": [...], "communities": {township_id: [...]}}."""
    county = Region.objects.add_root(
        create_kwargs={"name": f"县{county_code}", "code": county_code, "level": Region.Level.COUNTY}
    )
    result = {"county": county, "townships": [], "communities": {}}
    for t in range(townships):
        township = Region.objects.add_child(
            county,
            {"name": f"镇{county_code}-{t}", "code": f"{county_code}{t:02d}", "level": Region.Level.TOWNSHIP},
        )
        township.refresh_from_db()
        result["townships"].append(township)
        result["communities"][township.pk] = []
        for c in range(communities):
            community = Region.objects.add_child(
                township,
                {
                    "name": f"社区{county_code}-{t}-{c}",
                    "code": f"{county_code}{t:02d}{c:02d}",
                    "level": "community",
                },
            )
            result["communities"][township.pk].append(community)
        county.refresh_from_db()
    return result


def agency(kind: str, region: Region, name: str | None = None) -> Agency:
    n = next(_seq)
    group = Group.objects.create(name=f"agency-{n}")
    return Agency.objects.create(
        name=name or f"{kind}-{region.name}-{n}", kind=kind, region=region, group=group
    )


def staff_user(agency_obj: Agency, username: str | None = None, role: str = Staff.Role.MEMBER) -> User:
    username = username or f"user{next(_seq)}"
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
    Staff.objects.create(user=user, agency=agency_obj, role=role)
    if holds_agency_grants(role):
        user.groups.add(agency_obj.group)
    return user


def person_with_episode(
    community: Region,
    *,
    residence: Region | None = None,
    household: Region | None = None,
    status: str = Episode.Status.ACTIVE,
    kind: str = Episode.Kind.DETOX,
    served_on: date | None = None,
    sync: bool = True,
) -> Person:
    n = next(_seq)
    birth = date(1980, 1, 1) + timedelta(days=n)
    sex = "M" if n % 2 else "F"
    person = Person.objects.create(
        name=f"人员{n}",
        sex=sex,
        birth_date=birth,
        id_number=make_id_number("320999", birth, n % 500, sex),
        phone=f"138{n:08d}",
        household_address="某路1号",
        household_region=household or community,
        residence_address="某路2号",
        residence_region=residence or community,
        region=community,
    )
    served_on = served_on or date(2025, 1, 1)
    reported = status not in (Episode.Status.DECIDED,)
    start = served_on + timedelta(days=5) if reported else None
    Episode.objects.create(
        person=person,
        kind=kind,
        decision_number=f"决字{n}",
        decision_date=served_on,
        issuing_authority="县公安局",
        served_on=served_on,
        term_months=36,
        township=Region.objects.get_parent(community),
        community=community,
        report_deadline=report_deadline(served_on),
        reported_on=start,
        start_date=start,
        expected_end_date=expected_end_date(start, 36) if start else None,
        status=status,
    )
    if sync:
        sync_person_grants([person.pk])
    return person


def add_member(
    person: Person, user: User | None, role_code: str, *, start=None, end=None, name: str = ""
) -> TeamMember:
    episode = person.episodes.order_by("-decision_date", "-id").first()
    member = TeamMember.objects.create(
        episode=episode,
        role=PartyRole.objects.get(code=role_code),
        user=user,
        name=name,
        start_date=start or date(2025, 1, 6),
        end_date=end,
    )
    sync_person_grants([person.pk])
    return member
