"""Reads inside the domain that involve no user: region settings and trees.

Reads of persons for a user go through `permissions.selectors`, never here.
"""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.deadlines import DEADLINE_KINDS, DEFAULT_MAX_EXTENSION_DAYS
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
    return deadline_rule(region, "report_in")[0]


def deadline_rule(region: Region, kind: str) -> tuple[int, str]:
    """Return (days, day count) of a deadline kind at `region`: the nearest setting of each, else
    the kind's default (one query). 重庆 counts working days (rules.md §1.10, §1.12)."""
    spec = DEADLINE_KINDS[kind]
    fields = [f for f in (spec.days_field, spec.count_field) if f]
    days, count = None, None
    if fields:
        chain = Region.objects.filter(path__in=Region.paths_above(region.path)).order_by("-depth")
        for row in chain.values(*fields):
            if days is None and spec.days_field:
                days = row[spec.days_field]
            if not count and spec.count_field:
                count = row[spec.count_field]
    return (spec.days if days is None else days), (count or spec.count)


def deadline_rules_by_township(kind: str) -> dict[int, tuple[int, str]]:
    """Return {township id: (days, day count)} of a deadline kind for every township (one query).

    The same inheritance as `deadline_rule`, resolved in memory for all townships at once.
    """
    spec = DEADLINE_KINDS[kind]
    fields = [f for f in (spec.days_field, spec.count_field) if f]
    rows = Region.objects.exclude(level=Region.Level.COMMUNITY).values("pk", "path", "level", *fields)
    by_path = {row["path"]: row for row in rows}
    result = {}
    for row in by_path.values():
        if row["level"] != Region.Level.TOWNSHIP:
            continue
        days, count = None, None
        for above in reversed(Region.paths_above(row["path"])):
            values = by_path.get(above, {})
            if days is None and spec.days_field:
                days = values.get(spec.days_field)
            if not count and spec.count_field:
                count = values.get(spec.count_field)
        result[row["pk"]] = ((spec.days if days is None else days), (count or spec.count))
    return result


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
