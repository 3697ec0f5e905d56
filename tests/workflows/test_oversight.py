"""The supervisors' overdue audit: exact rows, scope, drill-down, staff figures and export."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from casework.models import Episode, HandOver
from obligations.services import obligations_open_first, obligations_scan
from oversight.audit import AuditFilters, drill_down, overdue_rows, staff_figures, with_days
from permissions.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 1)


@pytest.fixture
def audit(world):
    """Township 1: one unreported intake, one person with overdue test and talk, one pending hand-over.
    Township 2: one overdue intake (must never show to township 1's supervisor)."""
    w = world
    unreported = f.person_with_episode(w["c1"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1))
    active = f.person_with_episode(w["c1b"], served_on=date(2025, 3, 1))
    f.add_member(active, w["sw1_user"], "community")
    episode = active.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(start_date=date(2025, 3, 6))
    episode.refresh_from_db()
    obligations_open_first(episode)  # both due 2025-04-06
    obligations_scan(AS_OF)
    handed = f.person_with_episode(
        w["c1"], status=Episode.Status.REFUSAL_REPORTED, served_on=date(2025, 4, 1)
    )
    HandOver.objects.create(
        episode=handed.episodes.get(),
        reason="refusal",
        prepared_on=date(2025, 5, 20),
        documents="逾期未报到证明",
        prepared_by=w["work_station1_user"],
    )
    other = f.person_with_episode(w["c2"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1))
    return {"unreported": unreported, "active": active, "handed": handed, "other": other}


def test_township_supervisor_sees_exactly_their_overdue_rows_worst_first(world, audit):
    rows = with_days(overdue_rows(world["sup1_user"], AS_OF), AS_OF)
    got = [(r["kind"], r["person_id"], r["due"], r["days"], r["staff"]) for r in rows]
    active = audit["active"].pk
    assert got == [
        ("drug_test", active, date(2025, 4, 6), 56, "sw1"),
        ("talk", active, date(2025, 4, 6), 56, "sw1"),
        ("unreported", audit["unreported"].pk, date(2025, 5, 16), 16, ""),
        ("handover", audit["handed"].pk, date(2025, 5, 20), 12, ""),
    ]
    assert audit["other"].pk not in {r["person_id"] for r in rows}


def test_county_supervisor_sees_both_townships_and_filters_narrow(world, audit):
    county = world["county_sup_user"]
    assert overdue_rows(county, AS_OF).count() == 5
    assert overdue_rows(county, AS_OF, AuditFilters(kind="unreported")).count() == 2
    assert overdue_rows(county, AS_OF, AuditFilters(region_path=world["t2"].path)).count() == 1
    assert overdue_rows(county, AS_OF, AuditFilters(party="police")).count() == 1
    assert overdue_rows(county, AS_OF, AuditFilters(staff="sw1")).count() == 2
    assert overdue_rows(county, AS_OF, AuditFilters(min_days=20)).count() == 2
    assert overdue_rows(county, AS_OF, AuditFilters(community=world["c1b"].pk)).count() == 2


def test_drill_down_counts_by_child_region(world, audit):
    rows = {r["region"].pk: r for r in drill_down(world["county_sup_user"], world["county"], AS_OF)}
    assert (
        rows[world["t1"].pk]["unreported"],
        rows[world["t1"].pk]["obligations"],
        rows[world["t1"].pk]["handovers"],
    ) == (1, 2, 1)
    assert rows[world["t2"].pk]["total"] == 1
    township = {r["region"].pk: r["total"] for r in drill_down(world["sup1_user"], world["t1"], AS_OF)}
    assert township == {world["c1"].pk: 2, world["c1b"].pk: 2}


def test_staff_figures(world, audit):
    figures = {s["staff"]: s for s in staff_figures(world["sup1_user"], AS_OF)}
    assert figures["sw1"]["open"] == 2 and figures["sw1"]["overdue"] == 2
    assert figures["sw1"]["median_days_late"] == 56


def test_page_and_export_for_supervisors_only(client, world, audit):
    client.force_login(world["police1_user"])
    assert client.get(reverse("overdue_audit")).status_code == 404
    assert client.get(reverse("overdue_export")).status_code == 404
    client.force_login(world["sup1_user"])
    page = client.get(reverse("overdue_audit"))
    assert page.status_code == 200
    body = page.content.decode()
    assert audit["active"].name in body and audit["other"].name not in body
    export = client.get(reverse("overdue_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert audit["active"].name in names and audit["other"].name not in names
    logged = set(AccessLog.objects.filter(action="export").values_list("person_id", flat=True))
    assert logged == {audit["unreported"].pk, audit["active"].pk, audit["handed"].pk}


def test_overdue_page_query_count_is_flat(client, world, audit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["county_sup_user"])

    def measure():
        client.get(reverse("overdue_audit"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("overdue_audit")).status_code == 200
        return len(ctx.captured_queries)

    small = measure()
    for _ in range(15):
        f.person_with_episode(world["c2b"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1))
    assert measure() == small


def test_staff_figures_follow_the_region_filter(world, audit):
    f.add_member(audit["other"], world["sw2_user"], "community")
    everyone = {s["staff"] for s in staff_figures(world["county_sup_user"], AS_OF)}
    township_2 = {s["staff"] for s in staff_figures(world["county_sup_user"], AS_OF, world["t2"].path)}
    assert "sw1" in everyone
    assert "sw1" not in township_2


def test_nightly_staff_figures_equal_the_live_ones_and_follow_the_region(world, audit):
    """Per-worker figures read from last night's StaffFigures match a live count, for each scope."""
    from casework.models import StaffFigures
    from oversight.audit import staff_figures, staff_figures_refresh

    live = {}
    for user, path in (
        (world["county_sup_user"], ""),
        (world["county_sup_user"], world["t1"].path),
        (world["sup1_user"], ""),
    ):
        live[(user.pk, path)] = staff_figures(user, AS_OF, path)
    assert staff_figures_refresh(AS_OF) == StaffFigures.objects.count() > 0
    for (user_id, path), rows in live.items():
        user = next(u for u in (world["county_sup_user"], world["sup1_user"]) if u.pk == user_id)
        assert staff_figures(user, AS_OF, path) == rows
    # A township supervisor's stored figures are the county's rows filtered to that township.
    mine = staff_figures(world["sup1_user"], AS_OF)
    assert mine and mine == staff_figures(world["county_sup_user"], AS_OF, world["t1"].path)
    assert staff_figures(world["sup1_user"], AS_OF, world["t2"].path) == []


def test_a_supervisor_on_a_help_team_reads_through_the_grants_and_sees_the_same_region(world, audit):
    """A supervisor who also holds a team grant goes the generic way (visible persons): the
    region's rows are the same as by the region path, plus the granted person elsewhere."""
    from permissions.selectors import region_only_path
    from permissions.services import sync_person_grants

    sup = world["sup1_user"]
    by_region = sorted((r[0], r[1]) for r in overdue_rows(sup, AS_OF))
    assert region_only_path(sup) is not None
    f.add_member(audit["other"], sup, "community")
    sync_person_grants([audit["other"].pk])
    sup = type(sup).objects.get(pk=sup.pk)  # a fresh user: the staff post is cached per object
    assert region_only_path(sup) is None
    generic = sorted((r[0], r[1]) for r in overdue_rows(sup, AS_OF))
    assert generic == sorted([*by_region, ("unreported", audit["other"].pk)])
    drill = {r["region"].pk: r["total"] for r in drill_down(sup, world["t1"], AS_OF)}
    assert sum(drill.values()) == len(by_region)
