"""Reads inside the domain that involve no user: region settings and trees.

Reads of persons for a user go through `permissions.selectors`, never here.
"""

from casework.deadlines import DEFAULT_REPORT_DAYS
from casework.models import Region


def region_setting(region: Region, field: str, default):
    """Return the nearest value of a local setting at or above `region` (one query)."""
    chain = Region.objects.filter(path__in=Region.paths_above(region.path))
    for value in chain.order_by("-depth").values_list(field, flat=True):
        if value is not None:
            return value
    return default


def report_deadline_days(region: Region) -> int:
    """Return the reporting-in period for a township (戒毒条例 arts 14, 38: 15 days unless local rules say less)."""
    return region_setting(region, "report_deadline_days", DEFAULT_REPORT_DAYS)


def communities_under(region: Region):
    return Region.objects.filter(level=Region.Level.COMMUNITY, path__startswith=region.path).order_by("path")
