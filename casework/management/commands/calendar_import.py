"""Import a year of holidays and 调休 working days into the national calendar table."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casework import national_calendar as calendar


class Command(BaseCommand):
    help = (
        "Import one year (or every year the chinese-calendar package covers) of holidays and "
        "调休 working days; --csv reads date,kind,name lines typed from the State Council notice."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", nargs="?", type=int, help="the year to import")
        parser.add_argument("--csv", type=Path, help="a CSV file of date,kind,name for that year")
        parser.add_argument("--all", action="store_true", help="every year the package covers")

    def handle(self, *args, year=None, csv=None, all=False, **options):
        if all:
            years = list(calendar.package_years())
        elif year is not None:
            years = [year]
        else:
            raise CommandError("give a year, or --all")
        if csv is not None and len(years) != 1:
            raise CommandError("--csv imports one year")
        for y in years:
            try:
                if csv is not None:
                    rows = calendar.csv_rows(csv.read_text(encoding="utf-8-sig"))
                    written = calendar.calendar_year_import(y, rows, f"CSV {csv.name}")
                else:
                    written = calendar.calendar_year_import(
                        y, calendar.package_rows(y), calendar.package_source()
                    )
            except ValidationError as error:
                raise CommandError(f"{y}: " + "; ".join(error.messages)) from error
            self.stdout.write(f"{y}: {written} days")
