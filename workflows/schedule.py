"""The obligation schedule engine: due dates from the schedule table (rules.md §2.1).

A programme year is counted from the start of execution (the reporting-in day).
The term's last obligation falls due on the last day of the term.
"""

from datetime import date, timedelta

from django.db.models import Q

from casework.deadlines import add_months
from casework.models import Episode, ObligationRule, Region


def programme_year(start: date, day: date) -> int:
    """Return 1, 2 or 3: the programme year that `day` falls in (the anniversary opens the next year)."""
    year = 1
    while year < 3 and day >= add_months(start, 12 * year):
        year += 1
    return year


def intervals_for(township: Region, episode_kind: str) -> dict[str, dict[int, int]]:
    """Return {obligation kind: {year: months}}: the nearest region's rules over the defaults (one query)."""
    prefixes = Region.paths_above(township.path)
    rules = (
        ObligationRule.objects.filter(episode_kind=episode_kind)
        .filter(Q(region__isnull=True) | Q(region__path__in=prefixes))
        .values_list("obligation_kind", "programme_year", "interval_months", "region__depth")
    )
    best: dict[tuple[str, int], tuple[int, int]] = {}
    for kind, year, months, depth in rules:
        depth = depth or 0
        if (kind, year) not in best or depth > best[(kind, year)][1]:
            best[(kind, year)] = (months, depth)
    result: dict[str, dict[int, int]] = {}
    for (kind, year), (months, _depth) in best.items():
        result.setdefault(kind, {})[year] = months
    return result


def term_bounds(episode: Episode) -> tuple[date, date]:
    """Return (start, exclusive end) of the term, suspension days included."""
    return episode.start_date, add_months(episode.start_date, episode.term_months) + timedelta(
        days=episode.paused_days
    )


def next_due(start: date, end_exclusive: date, after: date, intervals: dict[int, int]) -> date | None:
    """Return the due date of the obligation that follows one done on `after`, or None past the term."""
    months = intervals.get(programme_year(start, after))
    if not months:
        return None
    candidate = add_months(after, months)
    if candidate > end_exclusive:
        return None
    return min(candidate, end_exclusive - timedelta(days=1))


def plan_dates(start: date, end_exclusive: date, intervals: dict[int, int]) -> list[date]:
    """Return every due date over the term, assuming each obligation is done on its due date."""
    dates: list[date] = []
    cursor = start
    while (due := next_due(start, end_exclusive, cursor, intervals)) is not None:
        dates.append(due)
        if due >= end_exclusive - timedelta(days=1):
            break
        cursor = due
    return dates
