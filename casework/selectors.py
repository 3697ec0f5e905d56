"""Reads inside the domain that involve no user: region settings and trees.

Reads of persons for a user go through `permissions.selectors`, never here.
"""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.deadlines import DEFAULT_MAX_EXTENSION_DAYS, DEFAULT_REPORT_DAYS
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


def extension_latest(region: Region, today: date | None = None) -> date:
    """Return the latest date a deadline may be extended to in `region`, from today (one query)."""
    days = region_setting(region, "max_extension_days", DEFAULT_MAX_EXTENSION_DAYS)
    return (today or timezone.localdate()) + timedelta(days=days)


def extension_too_far(region: Region, value: date | None) -> str | None:
    """Return the message refusing `value` as an extended deadline, or None if it is within the bound."""
    latest = extension_latest(region)
    if value is None or value <= latest:
        return None
    return _("延长后的日期最晚为 %(date)s（本地设置：自今天起最多 %(days)d 天）。") % {
        "date": latest.strftime("%Y-%m-%d"),
        "days": (latest - timezone.localdate()).days,
    }
