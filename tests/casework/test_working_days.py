"""Working days: the national calendar table, its yearly import, and deadlines counted in it.

rules.md §1.10 and §1.12: Chongqing counts working days (《重庆市禁毒条例》 arts 36-37: notices
within 3 working days, the file within the 7 working days before expiry, the township told
within 7 working days). The calendar is the State Council General Office's yearly notice; the
latest year the seeded package covers is 2026 (国务院办公厅关于2026年部分节假日安排的通知:
国庆 1-7 October, Sunday 20 September and Saturday 10 October worked).
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from casework import deadlines, national_calendar
from casework.models import CalendarDay, DayCount, Episode, Obligation
from casework.national_calendar import DayRow
from tests import factories as f
from tests.workflows.test_registration import form_data
from workflows.branches.completion import completion_start, completions_open

pytestmark = pytest.mark.django_db

LATEST = 2026  # the last year chinese-calendar 1.11.0 carries


def test_the_seeded_calendar_covers_2004_to_2026_from_the_package():
    """The table is seeded with every year the pinned package covers, holidays and 调休 days alike."""
    years = national_calendar.calendar_years()
    assert (years[0][0], years[-1][0]) == (2004, LATEST)
    assert [y for y, _h, _w in years] == list(range(2004, LATEST + 1))
    # 2026: 元旦 3, 春节 9, 清明 3, 劳动节 5, 端午 3, 中秋 3, 国庆 7 days off; 6 weekend days worked.
    assert {y: (h, w) for y, h, w in years}[LATEST] == (33, 6)
    assert max(national_calendar.package_years()) == LATEST
    workdays = CalendarDay.objects.filter(day__year=LATEST, kind=CalendarDay.Kind.WORKDAY)
    assert sorted(workdays.values_list("day", flat=True)) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert CalendarDay.objects.get(day=date(2026, 10, 1)).name == "国庆节"


def test_three_working_days_from_30_september_fall_after_national_day_on_the_worked_saturday():
    """《重庆市禁毒条例》 art 36 (3 working days; rules.md §1.10) and 公安机关办理行政案件程序规定
    art 35 (the day of service not counted): served Wednesday 30 September 2026, 1-7 October
    are the 国庆 holiday, 8 and 9 October count 1 and 2, and Saturday 10 October is a 调休
    working day, so the notice is due on 10 October. In calendar days it would be 3 October."""
    served = date(LATEST, 9, 30)
    assert deadlines.period_end(served, 3, DayCount.WORKING) == date(2026, 10, 10)
    assert deadlines.period_end(served, 3, DayCount.CALENDAR) == date(2026, 10, 3)
    # 7 working days (S10 art 37, the township told of the release): 8, 9, 10, 12, 13, 14, 15 October.
    assert deadlines.period_end(served, 7, DayCount.WORKING) == date(2026, 10, 15)


def test_the_seven_working_days_before_expiry_skip_the_mid_autumn_holiday_and_count_the_worked_sunday():
    """《重庆市禁毒条例》 art 37 (rules.md §1.12): the file goes to the police within the 7 working
    days before expiry. Before 30 September 2026: 29, 28, (weekend), (25 中秋), 24, 23, 22, 21,
    and Sunday 20 September, a 调休 working day, is the 7th."""
    assert deadlines.period_start_before(date(2026, 9, 30), 7, DayCount.WORKING) == date(2026, 9, 20)
    assert deadlines.period_start_before(date(2026, 9, 30), 7, DayCount.CALENDAR) == date(2026, 9, 23)


def test_a_year_not_imported_counts_monday_to_friday():
    """A year the table does not hold yet has no holidays to skip: weekends only (and it says so)."""
    assert deadlines.work_calendar(date(2026, 12, 1), date(2027, 1, 31)).years == {2026}
    calendar = deadlines.work_calendar(date(2030, 1, 1), date(2030, 1, 31))
    assert not calendar.covers(date(2030, 1, 1))
    # Tuesday 1 January 2030 is 元旦 in every year, but the year is not imported: it counts.
    assert deadlines.working_days_after(date(2029, 12, 31), 1, calendar) == date(2030, 1, 1)
    assert deadlines.working_days_after(date(2030, 1, 4), 1, calendar) == date(2030, 1, 7)  # Fri -> Mon


def _register(client, w, number, served_on, seq):
    data = form_data(
        w,
        **{
            "episode-decision_number": number,
            "episode-decision_date": served_on.isoformat(),
            "episode-served_on": served_on.isoformat(),
            "person-id_number": f.make_id_number("320102", date(1988, 5, 6), seq, "M"),
        },
    )
    assert client.post(reverse("person_register"), data).status_code == 302
    return Episode.objects.get(decision_number=number)


def test_a_region_counting_working_days_and_one_switched_back_to_calendar_days(client, world):
    """rules.md §1.3, §1.10: a region sets its reporting period and how it counts. 城关镇 counts
    3 working days: a decision served on 30 September 2026 is due on 10 October, and every page
    says "3个工作日" beside it. Switched to calendar days, the next decision gets 3 October."""
    t1 = world["t1"]
    t1.report_deadline_days, t1.report_deadline_count = 3, DayCount.WORKING
    t1.save()
    client.force_login(world["work_station1_user"])
    episode = _register(client, world, "城公(禁)决字〔2026〕101号", date(2026, 9, 30), 31)
    assert (episode.report_deadline, episode.report_period_days, episode.report_day_count) == (
        date(2026, 10, 10),
        3,
        DayCount.WORKING,
    )
    detail = client.get(reverse("person_detail", args=[episode.person_id])).content.decode()
    assert '2026年10月10日 <span class="muted small deadline-basis">3个工作日</span>' in detail
    event = episode.events.get(kind="decision_registered")
    assert event.message.endswith("报到期限 2026年10月10日（3个工作日）")

    t1.report_deadline_count = DayCount.CALENDAR
    t1.save()
    other = _register(client, world, "城公(禁)决字〔2026〕102号", date(2026, 9, 30), 32)
    assert (other.report_deadline, other.report_day_count) == (date(2026, 10, 3), DayCount.CALENDAR)
    detail = client.get(reverse("person_detail", args=[other.person_id])).content.decode()
    assert "工作日" not in detail


def test_a_county_setting_is_inherited_by_its_townships(world):
    """A blank setting inherits from the region above (rules.md §1.10: a local rule is the county's or the city's)."""
    county = world["county"]
    county.release_notice_days, county.release_notice_count = 7, DayCount.WORKING
    county.save()
    from casework.selectors import deadline_rule, deadline_rules_by_township

    assert deadline_rule(world["t1"], "release") == (7, DayCount.WORKING)
    assert deadline_rule(world["t1"], "report_in") == (15, DayCount.CALENDAR)
    world["t2"].release_notice_count = DayCount.CALENDAR
    world["t2"].save()
    rules = deadline_rules_by_township("release")
    assert (rules[world["t1"].pk], rules[world["t2"].pk]) == ((7, DayCount.WORKING), (7, DayCount.CALENDAR))


def _episode_ending(w, end):
    from casework.deadlines import add_months

    start = add_months(end + timedelta(days=1), -36)
    person = f.person_with_episode(w["c1"], served_on=start - timedelta(days=5))
    return person.episodes.get()


def test_completion_in_a_working_day_region_and_in_a_calendar_day_region(world):
    """《重庆市禁毒条例》 art 37 (rules.md §1.12): the file within the 7 working days before expiry,
    the township told within 7 working days; 戒毒条例 arts 23, 40 elsewhere: 7 calendar days. A term
    ending 30 September 2026: the window opens on Sunday 20 September (worked), the notice is due
    15 October; in the calendar-day township, 23 September and 7 October."""
    t1, t2 = world["t1"], world["t2"]
    for township in (t1, t2):
        township.completion_prep_days = township.release_notice_days = 7
    t1.completion_prep_count = t1.release_notice_count = DayCount.WORKING
    t2.completion_prep_count = t2.release_notice_count = DayCount.CALENDAR
    t1.save()
    t2.save()
    end = date(2026, 9, 30)
    working = _episode_ending(world, end)
    person = f.person_with_episode(world["c2"], served_on=date(2023, 9, 26))
    calendar = person.episodes.get()
    assert (working.expected_end_date, calendar.expected_end_date) == (end, end)

    assert completions_open(date(2026, 9, 19)) == 0
    assert completions_open(date(2026, 9, 20)) == 1  # the working-day township's window opens
    assert completions_open(date(2026, 9, 22)) == 0
    assert completions_open(date(2026, 9, 23)) == 1  # the calendar-day township's
    due = {
        (o.episode_id, o.kind): (o.due_from, o.due_by, o.period_days, o.day_count)
        for o in Obligation.objects.filter(kind__in=["closing_file", "release"])
    }
    assert due == {
        (working.pk, "closing_file"): (date(2026, 9, 20), end, 7, DayCount.WORKING),
        (working.pk, "release"): (end, date(2026, 10, 15), 7, DayCount.WORKING),
        (calendar.pk, "closing_file"): (date(2026, 9, 23), end, 7, DayCount.CALENDAR),
        (calendar.pk, "release"): (end, date(2026, 10, 7), 7, DayCount.CALENDAR),
    }
    assert not completion_start(working.pk, date(2026, 9, 24))  # never twice


# --- bad input --------------------------------------------------------------------------------


def test_an_import_with_a_date_twice_or_a_day_both_holiday_and_working_saves_nothing():
    """A year's rows that cannot all be true are refused whole, with the reason; the year stays as it was."""
    before = list(CalendarDay.objects.filter(day__year=LATEST).values_list("day", "kind", "name"))
    twice = [DayRow(date(2026, 10, 1), "holiday", "国庆节"), DayRow(date(2026, 10, 1), "holiday", "国庆节")]
    both = [DayRow(date(2026, 10, 1), "holiday", "国庆节"), DayRow(date(2026, 10, 1), "workday", "国庆节")]
    weekday = [DayRow(date(2026, 10, 1), "holiday", "国庆节"), DayRow(date(2026, 10, 9), "workday", "国庆节")]
    other_year = [DayRow(date(2027, 1, 1), "holiday", "元旦")]
    for rows, message in (
        (twice, "2026-10-01 重复出现。"),
        (both, "2026-10-01 既是放假日又是调休上班日。"),
        (weekday, "2026-10-09 是工作日，不能登记为调休上班日（应为周六或周日）。"),
        (other_year, "2027-01-01 不属于2026年。"),
    ):
        with pytest.raises(ValidationError) as error:
            national_calendar.calendar_year_import(LATEST, rows, "test")
        assert message in error.value.messages
    after = list(CalendarDay.objects.filter(day__year=LATEST).values_list("day", "kind", "name"))
    assert after == before and len(after) == 39


def test_the_admin_import_page_refuses_a_bad_csv_and_imports_a_good_one(client, django_user_model):
    """The admin page reads a CSV typed from the notice; a bad one shows why and saves nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    url = reverse("admin:casework_calendarday_import")
    bad = SimpleUploadedFile(
        "2027.csv", "日期,类别,节日\n2027-10-01,放假,国庆节\n2027-10-01,调休上班,国庆节\n".encode()
    )
    response = client.post(url, {"year": 2027, "file": bad})
    assert response.status_code == 200
    assert "2027-10-01 既是放假日又是调休上班日。" in response.content.decode()
    assert not CalendarDay.objects.filter(day__year=2027).exists()
    garbled = SimpleUploadedFile("2027.csv", "2027-13-01,放假,国庆节\n2027-10-02,休息\n".encode())
    body = client.post(url, {"year": 2027, "file": garbled}).content.decode()
    assert (
        "第1行：日期“2027-13-01”应写作2026-10-01。" in body and "第2行：类别应为“放假”或“调休上班”。" in body
    )
    missing = client.post(url, {"year": 2027}).content.decode()
    assert "chinese-calendar 1.11.0 不含2027年的节假日安排" in missing

    good = SimpleUploadedFile(
        "2027.csv", "2027-10-01,放假,国庆节\n2027-10-02,放假,国庆节\n2027-09-26,调休上班,国庆节\n".encode()
    )
    response = client.post(url, {"year": 2027, "file": good})
    assert response.status_code == 302
    assert list(CalendarDay.objects.filter(day__year=2027).values_list("day", "kind", "source")) == [
        (date(2027, 9, 26), "workday", "CSV 2027.csv"),
        (date(2027, 10, 1), "holiday", "CSV 2027.csv"),
        (date(2027, 10, 2), "holiday", "CSV 2027.csv"),
    ]
    changelist = client.get(reverse("admin:casework_calendarday_changelist")).content.decode()
    assert "<td>2027</td><td>2</td><td>1</td>" in changelist


def test_the_import_command_replaces_a_year_from_the_package_or_a_file(tmp_path):
    """`manage.py calendar_import YEAR` re-reads a year from the package; --csv reads a file."""
    CalendarDay.objects.filter(day__year=LATEST).delete()
    call_command("calendar_import", str(LATEST))
    assert CalendarDay.objects.filter(day__year=LATEST).count() == 39
    assert set(CalendarDay.objects.filter(day__year=LATEST).values_list("source", flat=True)) == {
        "chinese-calendar 1.11.0"
    }
    bad = tmp_path / "2027.csv"
    bad.write_text("2027-10-01,放假,国庆节\n2027-10-01,放假,国庆节\n", encoding="utf-8")
    with pytest.raises(CommandError, match="2027: 2027-10-01 重复出现。"):
        call_command("calendar_import", "2027", csv=bad)
    assert not CalendarDay.objects.filter(day__year=2027).exists()
    with pytest.raises(CommandError, match="不含2027年"):
        call_command("calendar_import", "2027")


def test_a_region_period_of_zero_or_negative_days_is_refused_on_the_admin_form(
    client, world, django_user_model
):
    """A period of 0 days is no period (rules.md §1.3: days count from the day after service):
    the region form says so and nothing is saved; the database refuses it too."""
    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    t1 = world["t1"]
    url = reverse("admin:casework_region_change", args=[t1.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"treebeard_position": "sorted-child", "treebeard_ref_node": world["county"].pk})
    for field, value, message in (
        ("release_notice_days", "0", "天数至少为1天。"),
        ("report_deadline_days", "0", "天数至少为1天。"),
        ("completion_prep_days", "-3", "天数至少为1天。"),
    ):
        response = client.post(url, {**data, field: value})
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {field: [message]}
        t1.refresh_from_db()
        assert getattr(t1, field) is None
    response = client.post(url, {**data, "release_notice_days": "7", "release_notice_count": "working"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    t1.refresh_from_db()
    assert (t1.release_notice_days, t1.release_notice_count) == (7, "working")
    with pytest.raises(IntegrityError), transaction.atomic():
        type(t1).objects.filter(pk=t1.pk).update(report_deadline_days=0)


def test_the_calendar_admin_list_costs_the_same_queries_for_one_year_or_twenty_three(
    client, django_user_model
):
    """The calendar page lists the years held with one aggregate, whatever their number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    url = reverse("admin:casework_calendarday_changelist")
    client.get(url)  # the first request after login saves the session
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    CalendarDay.objects.exclude(day__year=LATEST).delete()
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert "<td>2026</td><td>33</td><td>6</td>" in body and "<td>2025</td>" not in body
    # session, user, the years aggregate, two counts, the page of rows, the staff post (menu),
    # the date hierarchy's bounds and its years (or months), the source filter's choices
    assert len(one) == len(many) == 10


def test_an_overdue_working_day_deadline_says_so_on_the_audit_its_export_and_the_monthly_report(
    client, world
):
    """rules.md §1.12 (重庆 S10 art 37: the township told within 7 working days) and §4.4 item 6: the
    overdue notice shows "7个工作日" beside its date wherever a supervisor reads it; a calendar-day
    deadline shows nothing extra."""
    from io import BytesIO

    from openpyxl import load_workbook

    from obligations.services import obligations_scan
    from oversight.monthly import longest_overdue_at
    from permissions import selectors

    t1 = world["t1"]
    t1.release_notice_days, t1.release_notice_count = 7, DayCount.WORKING
    t1.save()
    episode = _episode_ending(world, date(2026, 9, 30))
    assert completion_start(episode.pk, date(2026, 9, 1))
    obligations_scan(date(2026, 10, 20))
    release = Obligation.objects.get(episode=episode, kind="release")
    assert (release.status, release.due_by) == ("overdue", date(2026, 10, 15))

    client.force_login(world["county_sup_user"])
    body = client.get(reverse("overdue_audit")).content.decode()
    assert '2026年10月15日 <span class="muted small deadline-basis">7个工作日</span>' in body
    assert (
        '2026年9月30日 <span class="muted small deadline-basis"></span>' in body
    )  # the file: 30 calendar days
    sheet = load_workbook(BytesIO(client.get(reverse("overdue_export")).content)).active
    rows = {(r[0], r[7]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows == {
        ("期满前移送材料逾期", None),
        ("解除通知逾期", "7个工作日"),
    }  # calendar days: an empty cell

    persons = selectors.visible_persons(world["county_sup_user"]).values("pk")
    listed = longest_overdue_at(persons, date(2026, 10, 20))
    assert [(r["kind"], r["due"], r["period_days"], r["day_count"]) for r in listed] == [
        ("closing_file", date(2026, 9, 30), 30, DayCount.CALENDAR),
        ("release", date(2026, 10, 15), 7, DayCount.WORKING),
    ]
