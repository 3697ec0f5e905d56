from datetime import date

from casework.deadlines import add_months, expected_end_date, report_deadline


def test_report_deadline_is_15_days_after_service():
    """戒毒条例 art 14 (社区戒毒) and art 38 (社区康复): report within 15 days of receiving the decision;
    the day of service is not counted (公安机关办理行政案件程序规定 art 35, by analogy)."""
    assert report_deadline(date(2025, 3, 1)) == date(2025, 3, 16)
    assert report_deadline(date(2025, 12, 20)) == date(2026, 1, 4)


def test_report_deadline_uses_a_shorter_local_period():
    """浙江省禁毒条例 art 37: two days where the province says so (configurable per region)."""
    assert report_deadline(date(2025, 3, 1), days=2) == date(2025, 3, 3)


def test_detox_term_is_three_years_from_reporting_in():
    """戒毒条例 art 14: 社区戒毒 lasts three years counted from the day of reporting in."""
    assert expected_end_date(date(2025, 1, 10), 36) == date(2028, 1, 9)


def test_rehab_term_is_taken_from_the_decision():
    """禁毒法 art 48 and 戒毒条例 art 37: 社区康复 of not more than three years, as ordered."""
    assert expected_end_date(date(2025, 1, 10), 24) == date(2027, 1, 9)


def test_suspended_days_push_the_end_back():
    """戒毒条例 art 24: detention suspends (中止) the measure; by default the clock pauses (rules.md §1.11)."""
    assert expected_end_date(date(2025, 1, 10), 36, paused_days=40) == date(2028, 2, 18)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
