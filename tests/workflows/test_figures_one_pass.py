"""The nightly figures in one pass per table equal the live per-period computation, row for row,
and the county split writes exactly the rows of the whole refresh."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import Obligation, Person, Region, RegionFigures, StaffFigures
from obligations.services import obligations_scan
from oversight.rates import (
    FIGURES,
    community_figures,
    figures_refresh,
    figures_refresh_above_counties,
    figures_refresh_county,
    standard_periods,
)
from tests.workflows.nightly_data import region_rows, staff_rows, two_counties

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["today", "5 January"])
def today(request):
    """Today, and a day when the year to date and the month to date are the same period."""
    day = timezone.localdate()
    return day if request.param == "today" else date(day.year, 1, 5)


@pytest.fixture
def data(today):
    tree = two_counties(today)
    obligations_scan(today)
    return tree


def live_rows(today: date) -> dict:
    """What the rates page computes with ?live=1 (community_figures), one period at a time,
    each community added to the regions above it."""
    regions = list(Region.objects.values_list("pk", "path"))
    id_of = {path: pk for pk, path in regions}
    everyone = Person.objects.values("pk")
    rows = {}
    for start, end in standard_periods(today):
        totals = {pk: dict.fromkeys(FIGURES, 0) for pk, _path in regions}
        path_of = dict(regions)
        for community_id, figures in community_figures(everyone, start, end, today).items():
            for above in Region.paths_above(path_of[community_id]):
                for key, value in figures.items():
                    totals[id_of[above]][key] += value
        rows |= {(pk, start, end): data for pk, data in totals.items()}
    return rows


def live_staff(today: date) -> dict:
    """Each open obligation joined to its episode's current social worker, counted in Python."""
    rows = Obligation.objects.filter(
        status__in=Obligation.OPEN_STATUSES,
        episode__team__role__code="community",
        episode__team__end_date__isnull=True,
        episode__team__user__isnull=False,
    ).values_list("episode__team__user_id", "person__region_id", "status", "due_by")
    out: dict = {}
    for user_id, community_id, status, due_by in rows:
        item = out.setdefault((community_id, user_id), [0, 0, []])
        item[0] += 1
        if status == Obligation.Status.OVERDUE:
            item[1] += 1
            item[2].append((today - due_by).days)
    return {key: (n, overdue, sorted(days)) for key, (n, overdue, days) in out.items()}


def test_one_pass_equals_the_live_figures_of_every_period(data, today):
    written = figures_refresh(today)
    rows = region_rows()
    assert rows == live_rows(today)
    assert written == len(rows) + StaffFigures.objects.count()
    # The data set is not trivial: both counties count persons, tests, timeliness and workers.
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        for figure in ("managed", "due", "tests_due", "tested", "helped", "signed"):
            assert sum(rows[(county.pk, *period)][figure] for period in standard_periods(today)), figure
    staff = staff_rows()
    assert staff == live_staff(today)
    assert any(overdue for _open, overdue, _days in staff.values())
    assert any(figures["three_years_clean"] for figures in rows.values())


def test_the_county_parts_write_the_rows_of_the_whole_refresh(data, today):
    figures_refresh(today)
    whole, whole_staff = region_rows(), staff_rows()
    # A stale period and stale worker rows go in both ways.
    RegionFigures.objects.all().delete()
    StaffFigures.objects.all().delete()
    stale = Region.objects.filter(level=Region.Level.COMMUNITY).first()
    RegionFigures.objects.create(
        region=stale, start=date(2001, 1, 1), end=date(2001, 1, 31), computed_at=timezone.now(), data={}
    )
    written = 0
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        written += figures_refresh_county(county, today)
    written += figures_refresh_above_counties(today)
    assert region_rows() == whole
    assert staff_rows() == whole_staff
    assert written == len(whole) + len(whole_staff)


def test_a_community_outside_every_county_is_in_the_above_county_part(data, today):
    loose = Region.objects.add_root(
        create_kwargs={"name": "直管社区", "code": "329990", "level": Region.Level.COMMUNITY}
    )
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        figures_refresh_county(county, today)
    figures_refresh_above_counties(today)
    rows = region_rows()
    assert rows == live_rows(today)
    assert (loose.pk, *standard_periods(today)[0]) in rows


def test_the_query_count_does_not_grow_with_the_periods_or_the_data(data, today):
    with CaptureQueriesContext(connection) as queries:
        figures_refresh(today)
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    # The regions, one grouped read per source for all 13 periods (episodes, obligations, drug
    # tests, talks, positive tests, serious breaches, the clean persons), and the workers' open
    # obligations: not one read per period.
    assert len(reads) == 9, [sql[:120] for sql in reads]
    assert len(queries) <= 17, [q["sql"][:120] for q in queries]


def test_a_region_above_the_counties_is_the_sum_of_their_rows(data, today):
    """Region.Level has nothing above a county yet; a region placed above both counties (here a
    township-level root, the only other level) gets their sum from the above-county part."""
    top = Region.objects.add_root(
        create_kwargs={"name": "市", "code": "3200", "level": Region.Level.TOWNSHIP}
    )
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        Region.objects.move(county, Region.objects.get(pk=top.pk), "sorted-child")
    for county in Region.objects.filter(level=Region.Level.COUNTY):
        figures_refresh_county(county, today)
    figures_refresh_above_counties(today)
    rows = region_rows()
    assert rows == live_rows(today)
    assert rows[(top.pk, *standard_periods(today)[0])]["managed"] > 0
