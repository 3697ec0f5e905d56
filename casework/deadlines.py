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
# No article bounds an extension (a new reporting deadline for a legitimate reason, a longer
# absence): a local setting does (Region.max_extension_days), so a typo such as 2126 for 2026
# cannot silently park a person outside every overdue list for a century.
DEFAULT_MAX_EXTENSION_DAYS = 90


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
