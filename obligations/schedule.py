"""The obligation schedule engine: due dates from the schedule table (rules.md §2.1).

A programme year is counted from the start of execution (the reporting-in day).
The term's last obligation falls due on the last day of the term; none falls after it.
A row of the table may name the order lengths it applies to, so a 2-year 社区康复 order gets
its own rate; `schedule_shortfall` checks a plan against the minimum number of tests.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from casework.deadlines import DETOX_TERM_MONTHS, add_months, minimum_tests
from casework.models import Episode, ObligationKind, ObligationRule, Region


def programme_year(start: date, day: date) -> int:
    """Return 1, 2 or 3: the programme year that `day` falls in (the anniversary opens the next year)."""
    year = 1
    while year < 3 and day >= add_months(start, 12 * year):
        year += 1
    return year


def intervals_for(
    township: Region | None, episode_kind: str, term_months: int = DETOX_TERM_MONTHS
) -> dict[str, dict[int, int]]:
    """Return {obligation kind: {year: months}} for an order of `term_months` (one query).

    Only rows whose order lengths include the order count. The nearest region's row wins over
    the defaults (no region, or `township` None); at the same region a row that names order
    lengths wins over an open-ended one.
    """
    prefixes = Region.paths_above(township.path) if township is not None else []
    rules = (
        ObligationRule.objects.filter(episode_kind=episode_kind)
        .filter(Q(region__isnull=True) | Q(region__path__in=prefixes))
        .filter(Q(term_months_min__isnull=True) | Q(term_months_min__lte=term_months))
        .filter(Q(term_months_max__isnull=True) | Q(term_months_max__gte=term_months))
        .values_list(
            "obligation_kind",
            "programme_year",
            "interval_months",
            "region__depth",
            "term_months_min",
            "term_months_max",
        )
    )
    best: dict[tuple[str, int], tuple[int, tuple[int, bool]]] = {}
    for kind, year, months, depth, low, high in rules:
        rank = (depth or 0, low is not None or high is not None)
        if (kind, year) not in best or rank > best[(kind, year)][1]:
            best[(kind, year)] = (months, rank)
    result: dict[str, dict[int, int]] = {}
    for (kind, year), (months, _rank) in best.items():
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


@dataclass(frozen=True)
class Shortfall:
    """A schedule that gives an order fewer tests than its rule asks (rules.md §2.1)."""

    term_months: int
    planned: int
    minimum: int


def schedule_shortfall(
    township: Region | None, episode_kind: str, term_months: int, start: date | None = None
) -> Shortfall | None:
    """Return how far the drug-test plan for an order falls short of its minimum, or None when it
    reaches it. The plan assumes every test is done on its due date (one query)."""
    # The count does not depend on the start day, except through month-end clamping: the 1st has none.
    start = start or date(2001, 1, 1)
    intervals = intervals_for(township, episode_kind, term_months).get(ObligationKind.DRUG_TEST, {})
    planned = len(plan_dates(start, add_months(start, term_months), intervals))
    minimum = minimum_tests(episode_kind, term_months)
    return Shortfall(term_months, planned, minimum) if planned < minimum else None


def schedule_shortfalls(region: Region | None, episode_kind: str) -> list[Shortfall]:
    """Return the order lengths (1 to 36 months; 社区戒毒 only 36) whose plan at `region` falls
    short of the minimum: what the schedule table's page warns about after a change."""
    lengths = [DETOX_TERM_MONTHS] if episode_kind == Episode.Kind.DETOX else range(1, 37)
    return [s for term in lengths if (s := schedule_shortfall(region, episode_kind, term)) is not None]
