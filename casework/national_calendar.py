"""The national calendar of holidays and 调休 working days: import a year, check it, read the package.

`casework.CalendarDay` is the table the working-day deadlines read. It is seeded from the
`chinese-calendar` package, which follows the State Council General Office's yearly notice
(国务院办公厅关于××年部分节假日安排的通知), and is kept a year at a time: from the package
once a new release carries the year, or from a CSV file (date, kind, name) typed from the
notice when the package lags.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.models import CalendarDay

PACKAGE = "chinese-calendar"


@dataclass(frozen=True)
class DayRow:
    day: date
    kind: str
    name: str = ""


def package_years() -> range:
    """Return the years the installed chinese-calendar release covers."""
    from chinese_calendar.constants import holidays

    return range(min(holidays).year, max(holidays).year + 1)


def package_rows(year: int) -> list[DayRow]:
    """Return one year's holidays and 调休 working days from the chinese-calendar package."""
    import chinese_calendar
    from chinese_calendar.constants import Holiday, holidays, workdays

    if year not in package_years():
        raise ValidationError(
            _("%(package)s %(version)s 不含%(year)d年的节假日安排，请从国务院办公厅通知录入CSV文件导入。")
            % {"package": PACKAGE, "version": chinese_calendar.__version__, "year": year}
        )
    rows = [
        DayRow(d, CalendarDay.Kind.HOLIDAY, Holiday(n).chinese) for d, n in holidays.items() if d.year == year
    ]
    rows += [
        DayRow(d, CalendarDay.Kind.WORKDAY, Holiday(n).chinese) for d, n in workdays.items() if d.year == year
    ]
    return sorted(rows, key=lambda r: r.day)


KIND_WORDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "放假": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
    "上班": CalendarDay.Kind.WORKDAY,
}


def csv_rows(text: str) -> list[DayRow]:
    """Parse `date,kind,name` lines (kind: holiday/放假 or workday/调休上班); a bad line is refused
    with its line number."""
    rows, errors = [], []
    for number, line in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not line or not "".join(line).strip() or line[0].strip().lower() in ("date", "日期"):
            continue
        try:
            day = date.fromisoformat(line[0].strip())
        except ValueError:
            errors.append(_("第%(n)d行：日期“%(v)s”应写作2026-10-01。") % {"n": number, "v": line[0].strip()})
            continue
        kind = KIND_WORDS.get((line[1] if len(line) > 1 else "").strip().lower())
        if kind is None:
            errors.append(_("第%(n)d行：类别应为“放假”或“调休上班”。") % {"n": number})
            continue
        rows.append(DayRow(day, kind, (line[2] if len(line) > 2 else "").strip()[:40]))
    if errors:
        raise ValidationError(errors)
    return rows


def check_year(year: int, rows: list[DayRow]) -> None:
    """Refuse a year's rows that cannot all be true: a date of another year, a date given twice
    (or as both a holiday and a working day), or a 调休 working day that is not a weekend."""
    errors = []
    seen: dict[date, str] = {}
    for row in rows:
        if row.day.year != year:
            errors.append(_("%(day)s 不属于%(year)d年。") % {"day": row.day.isoformat(), "year": year})
        if row.day in seen:
            if seen[row.day] != row.kind:
                errors.append(_("%(day)s 既是放假日又是调休上班日。") % {"day": row.day.isoformat()})
            else:
                errors.append(_("%(day)s 重复出现。") % {"day": row.day.isoformat()})
        seen[row.day] = row.kind
        if row.kind == CalendarDay.Kind.WORKDAY and row.day.weekday() < 5:
            errors.append(
                _("%(day)s 是工作日，不能登记为调休上班日（应为周六或周日）。") % {"day": row.day.isoformat()}
            )
    if not any(r.kind == CalendarDay.Kind.HOLIDAY for r in rows):
        errors.append(_("%(year)d年没有任何放假日。") % {"year": year})
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def calendar_year_import(year: int, rows: list[DayRow], source: str) -> int:
    """Replace one year of the calendar with `rows` after checking them; return the rows written.

    All or nothing: a refused year leaves the table as it was.
    """
    check_year(year, rows)
    CalendarDay.objects.filter(day__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=r.day, kind=r.kind, name=r.name, source=source[:80]) for r in rows]
    )
    return len(rows)


def package_source() -> str:
    import chinese_calendar

    return f"{PACKAGE} {chinese_calendar.__version__}"


def calendar_years() -> list[tuple[int, int, int]]:
    """Return (year, holidays, 调休 working days) for every year in the table, in order (one query)."""
    from django.db.models import Count, Q
    from django.db.models.functions import ExtractYear

    return list(
        CalendarDay.objects.annotate(year=ExtractYear("day"))
        .values("year")
        .order_by("year")
        .annotate(
            holidays=Count("pk", filter=Q(kind=CalendarDay.Kind.HOLIDAY)),
            workdays=Count("pk", filter=Q(kind=CalendarDay.Kind.WORKDAY)),
        )
        .values_list("year", "holidays", "workdays")
    )
