"""The law's dates, in one place (rules.md §1.3, §1.5, §1.10, §1.12, §2.1, §8).

Each function names the article it encodes; tests cite the same articles. Deadlines count
calendar days or working days of the national calendar (`CalendarDay`, kept from the State
Council's yearly notice); each deadline kind says which, and a region may say otherwise.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from casework.models import CalendarDay, DayCount

# 戒毒条例 arts 14 and 38: report within 15 days of receiving the decision.
DEFAULT_REPORT_DAYS = 15
# 戒毒条例 art 14: 社区戒毒 lasts three years; art 37 / 禁毒法 art 48: 社区康复 at most three.
DETOX_TERM_MONTHS = 36
REHAB_MAX_TERM_MONTHS = 36
# 戒毒条例 art 22: after a change of execution place, report at the new place within 15 days.
TRANSFER_REPORT_DAYS = 15
# 戒毒条例 arts 23 and 40: the police notify the township within 7 days of expiry.
RELEASE_NOTICE_DAYS = 7
# No article bounds an extension (a new reporting deadline for a legitimate reason, a longer
# absence): a local setting does (Region.max_extension_days), so a typo such as 2126 for 2026
# cannot silently park a person outside every overdue list for a century.
DEFAULT_MAX_EXTENSION_DAYS = 90
# 戒毒条例 art 21, 禁毒法 art 35 para 2: a relapse or serious breach is reported to the police
# at once; days allowed for the hand-over package (0: the same day, rules.md §8 rule 5).
DEFAULT_HANDOVER_DAYS = 0
# Detox certification (rules.md §3.1): at least 12 months under the measure, less paused days,
# and the last 6 scheduled tests negative; a region may set stricter figures.
DEFAULT_CERTIFICATION_MIN_MONTHS = 12
DEFAULT_CERTIFICATION_NEGATIVE_TESTS = 6
# The reminder ladder (rules.md §2.3): an overdue item goes to the station head after 3 days
# and to the township's 禁毒办 after 7, unless the region says otherwise.
DEFAULT_ESCALATE_HEAD_DAYS = 3
DEFAULT_ESCALATE_SUPERVISOR_DAYS = 7
# A referral to 人社 or 民政 not yet accepted or declined after this many days goes to the head
# of the receiving office and to the township's 禁毒办. rules.md names no period for answering a
# referral: the week is the project's choice (docs/decisions.md), the supervisor rung's length.
DEFAULT_ESCALATE_REFERRAL_DAYS = 7


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def report_deadline(served_on: date, days: int = DEFAULT_REPORT_DAYS, count: str = DayCount.CALENDAR) -> date:
    """Return the last day to report in.

    The day of service is not counted (公安机关办理行政案件程序规定 art 35, by
    analogy), so a decision served on 1 March with 15 days gives 16 March.
    """
    return period_end(served_on, days, count)


def expected_end_date(start: date, term_months: int, paused_days: int = 0) -> date:
    """Return the last day of the term that starts on `start` (the reporting-in day).

    戒毒条例 art 14: the term is counted from the day of reporting in; a term of
    36 months starting 10 January 2025 ends on 9 January 2028. Days paused by a
    suspension (中止, art 24) push the end back when the region pauses the clock.
    """
    return add_months(start, term_months) - timedelta(days=1) + timedelta(days=paused_days)


# --- deadline kinds: how many days, counted how ---------------------------------------------


@dataclass(frozen=True)
class DeadlineKind:
    """A legal deadline: its default length and day count, and the region settings that override them.

    `count_field` is None where the law fixes calendar days everywhere; where a local rule counts
    working days (重庆: 《重庆市禁毒条例》 arts 36-37, rules.md §1.10, §1.12) the region says so.
    """

    label: str
    days: int
    count: str
    days_field: str | None
    count_field: str | None
    source: str


DEADLINE_KINDS = {
    "report_in": DeadlineKind(
        "报到",
        DEFAULT_REPORT_DAYS,
        DayCount.CALENDAR,
        "report_deadline_days",
        "report_deadline_count",
        "《戒毒条例》第十四、三十八条",
    ),
    "transfer_in": DeadlineKind(
        "变更执行地后报到", TRANSFER_REPORT_DAYS, DayCount.CALENDAR, None, None, "《戒毒条例》第二十二条"
    ),
    "closing_file": DeadlineKind(
        "期满前移送材料",
        30,
        DayCount.CALENDAR,
        "completion_prep_days",
        "completion_prep_count",
        "《戒毒条例》第二十三、四十条；《重庆市禁毒条例》第三十七条",
    ),
    "release": DeadlineKind(
        "解除通知",
        RELEASE_NOTICE_DAYS,
        DayCount.CALENDAR,
        "release_notice_days",
        "release_notice_count",
        "《戒毒条例》第二十三、四十条；《重庆市禁毒条例》第三十七条",
    ),
}


def period_label(days: int | None, count: str) -> str:
    """Return how a deadline was counted, for display beside its date: "3个工作日", or "" for calendar days."""
    if days is None or count != DayCount.WORKING:
        return ""
    return _("%(n)d个工作日") % {"n": days}


# --- working days ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """The national calendar between two dates: holidays, 调休 working weekends, the years imported."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        """A 调休 weekend day is worked; a holiday is not; otherwise Monday to Friday.

        A year not imported yet counts Monday to Friday only (`covers` tells the caller).
        """
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def covers(self, day: date) -> bool:
        return day.year in self.years


def work_calendar(first: date, last: date) -> WorkCalendar:
    """Load the calendar days between `first` and `last` (one query, plus one for the years held)."""
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "kind"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(day)
    years = {
        day.year
        for day in CalendarDay.objects.filter(day__year__gte=first.year, day__year__lte=last.year).dates(
            "day", "year"
        )
    }
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(years))


def _span(days: int) -> timedelta:
    # Enough calendar days to hold `days` working days across the longest break (春节, 9 days).
    return timedelta(days=2 * days + 31)


def working_days_after(start: date, days: int, calendar: WorkCalendar | None = None) -> date:
    """Return the day on which `days` working days after `start` run out (`start` not counted).

    A notice served on Wednesday 30 September 2026 with 3 working days: 1-7 October are the
    国庆 holiday (国务院办公厅 2025年11月 notice), 8 and 9 October count 1 and 2, and Saturday
    10 October is a 调休 working day, so the deadline is 10 October.
    """
    calendar = calendar or work_calendar(start, start + _span(days))
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def working_days_before(end: date, days: int, calendar: WorkCalendar | None = None) -> date:
    """Return the first day of the `days` working days before `end` (`end` not counted)."""
    calendar = calendar or work_calendar(end - _span(days), end)
    day, counted = end, 0
    while counted < days:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def period_end(start: date, days: int, count: str, calendar: WorkCalendar | None = None) -> date:
    """Return the last day of a period of `days` from `start`, in calendar or working days.

    The day the period starts from is not counted (公安机关办理行政案件程序规定 art 35, by
    analogy, rules.md §1.3): 15 calendar days from 1 March is 16 March.
    """
    if count == DayCount.WORKING:
        return working_days_after(start, days, calendar)
    return start + timedelta(days=days)


def period_start_before(end: date, days: int, count: str, calendar: WorkCalendar | None = None) -> date:
    """Return the day a window of `days` before `end` opens, in calendar or working days
    (重庆: the file goes to the police within the 7 working days before expiry, S10 art 37)."""
    if count == DayCount.WORKING:
        return working_days_before(end, days, calendar)
    return end - timedelta(days=days)


# --- the minimum number of tests an order's schedule must reach ------------------------------


def minimum_tests(episode_kind: str, term_months: int) -> int:
    """Return the fewest drug tests a schedule must give an order (rules.md §2.1, Huaihua practice).

    社区戒毒 (always 36 months): at least 22. 社区康复: 3-year orders at least 12, and 2-year orders
    are tested every 2 months, at least 12; an order shorter than 2 years keeps the 2-year rate of
    one test every 2 months (18 months: 9), and an order between 2 and 3 years the floor of 12.
    """
    if episode_kind == "detox":
        return 22
    if term_months >= 24:
        return 12
    return max(1, term_months // 2)


# 戒毒条例 art 20: a serious breach is tests evaded or refused 3 or more times, or leaving the
# county without permission 3 or more times, or for more than 30 days in total.
SERIOUS_TESTS = 3
SERIOUS_EXITS = 3
SERIOUS_EXIT_DAYS = 30
# 戒毒条例 art 7 para 2; 上海市禁毒条例 art 29, 山东省禁毒条例 art 36: 3 years without drug use,
# counted from the start of execution, end dynamic control (戒断三年未复吸).
CLEAN_MONTHS = 36


def three_years_on(start: date) -> date:
    """Return the day a person whose execution started on `start` has been 3 years without relapse.

    上海市禁毒条例 art 29, 山东省禁毒条例 art 36: counted from the start of execution (the
    reporting-in day); execution from 11 March 2022 reaches 3 years on 11 March 2025.
    """
    return add_months(start, CLEAN_MONTHS)


def three_years_cutoff(day: date) -> date:
    """Return the last start of execution that has reached 3 years by `day`.

    The inverse of `three_years_on`, for filters on a start-date column: a start is at most the
    returned date exactly when `three_years_on(start) <= day`, month-end clamping included
    (a start on 29 February 2020 reaches 3 years on 28 February 2023).
    """
    cutoff = add_months(day, -CLEAN_MONTHS)
    while three_years_on(cutoff + timedelta(days=1)) <= day:
        cutoff += timedelta(days=1)
    return cutoff
