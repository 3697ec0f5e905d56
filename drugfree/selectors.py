"""Reads of the programme: who sees which communities' records, the targets in force, and the
records themselves. Deny by default: only a 禁毒办 (its region's subtree) and a community
committee (its own community) see anything; a region outside answers 404 like a missing one.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from casework.models import Agency, Region
from drugfree.models import ProgrammeSettings
from permissions import selectors


@dataclass(frozen=True)
class Standing:
    """What a user is to the programme: the region they act for and at which level."""

    region: Region
    level: str  # Region.Level of the region
    committee: bool  # a community committee (applies, records its own evidence)

    @property
    def township_office(self) -> bool:
        return not self.committee and self.level == Region.Level.TOWNSHIP

    @property
    def county_office(self) -> bool:
        return not self.committee and self.level == Region.Level.COUNTY


def standing_for(user) -> Standing | None:
    """The user's standing, from their post (the post is read once per request)."""
    staff = selectors.staff_for(user)
    if staff is None:
        return None
    kind = staff.agency.kind
    region = staff.agency.region
    if kind == Agency.Kind.DRUG_CONTROL and region.level != Region.Level.COMMUNITY:
        return Standing(region, region.level, committee=False)
    if kind == Agency.Kind.COMMUNITY_COMMITTEE and region.level == Region.Level.COMMUNITY:
        return Standing(region, region.level, committee=True)
    return None


def standing_or_404(user) -> Standing:
    standing = standing_for(user)
    if standing is None:
        raise Http404
    return standing


def visible_communities(user) -> QuerySet[Region]:
    """The communities whose programme records the user may read."""
    standing = standing_for(user)
    if standing is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=standing.region.path, level=Region.Level.COMMUNITY)


def community_get(user, community_id) -> Region:
    community = visible_communities(user).filter(pk=community_id).first()
    if community is None:
        raise Http404
    return community


def visible_regions(user) -> QuerySet[Region]:
    """The regions at or under the user's own (the assessment's region choices)."""
    standing = standing_for(user)
    if standing is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=standing.region.path)


def records(user, model) -> QuerySet:
    """A programme record type's rows of the communities the user may read."""
    return model.objects.filter(community__in=visible_communities(user))


# The seed's values (第三篇 二、六(三), 第五篇 三, 第三篇 四(一)); a region's settings override them.
SETTING_DEFAULTS = {
    "education_target": 100,
    "youth_education_target": 100,
    "awareness_town_target": 100,
    "awareness_village_target": 90,
    "awareness_migrant_target": 100,
    "awareness_venue_target": 100,
    "awareness_school_target": 100,
    "compulsory_rate_floor": 30,
    "county_titles_per_year": 2,
    "check_days": 30,
}


def settings_for(region: Region) -> dict[str, int]:
    """The targets in force at `region`: the nearest setting at or above it, else the default (one query)."""
    return settings_by_path([region.path])[region.path]


def settings_by_path(paths: list[str]) -> dict[str, dict[str, int]]:
    """{path: targets} for regions at `paths`, resolved in memory from one query of the chains."""
    above = {p for path in paths for p in Region.paths_above(path)}
    rows = {
        row.pop("region__path"): row
        for row in ProgrammeSettings.objects.filter(region__path__in=above).values(
            "region__path", *SETTING_DEFAULTS
        )
    }
    out = {}
    for path in paths:
        values = {}
        for field, default in SETTING_DEFAULTS.items():
            for p in reversed(Region.paths_above(path)):
                value = rows.get(p, {}).get(field)
                if value is not None:
                    values[field] = value
                    break
            else:
                values[field] = default
        out[path] = values
    return out
