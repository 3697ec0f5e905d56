"""The law's dates, in one place (rules.md §1.3, §1.5, §8).

Each function names the article it encodes; tests cite the same articles.
"""

import calendar
from datetime import date, timedelta

# 戒毒条例 arts 14 and 38: report within 15 days of receiving the decision.
DEFAULT_REPORT_DAYS = 15
# 戒毒条例 art 14: 社区戒毒 lasts three years; art 37 / 禁毒法 art 48: 社区康复 at most three.
DETOX_TERM_MONTHS = 36
REHAB_MAX_TERM_MONTHS = 36
# 戒毒条例 art 22: after a change of execution place, report at the new place within 15 days.
TRANSFER_REPORT_DAYS = 15
# 戒毒条例 arts 23 and 40: the police notify the township within 7 days of expiry.
RELEASE_NOTICE_DAYS = 7


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def report_deadline(served_on: date, days: int = DEFAULT_REPORT_DAYS) -> date:
    """Return the last day to report in.

    The day of service is not counted (公安机关办理行政案件程序规定 art 35, by
    analogy), so a decision served on 1 March with 15 days gives 16 March.
    """
    return served_on + timedelta(days=days)


def expected_end_date(start: date, term_months: int, paused_days: int = 0) -> date:
    """Return the last day of the term that starts on `start` (the reporting-in day).

    戒毒条例 art 14: the term is counted from the day of reporting in; a term of
    36 months starting 10 January 2025 ends on 9 January 2028. Days paused by a
    suspension (中止, art 24) push the end back when the region pauses the clock.
    """
    return add_months(start, term_months) - timedelta(days=1) + timedelta(days=paused_days)


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
