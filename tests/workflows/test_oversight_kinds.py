"""The overdue audit lists every overdue step: the one-off legal deadlines and
certifications awaiting approval, with their labels and in the kind filter."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from casework.models import Certification, Obligation
from oversight.audit import KINDS, AuditFilters, drill_down, overdue_rows, with_days
from oversight.views import AuditForm
from tests import factories as f

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 1)
ONE_OFF = ["handover", "absence_back", "transfer_in", "closing_file", "release"]


@pytest.fixture
def items(world):
    person = f.person_with_episode(world["c1"])
    episode = person.episodes.get()
    for i, kind in enumerate(ONE_OFF):
        Obligation.objects.create(
            episode=episode,
            person=person,
            kind=kind,
            sequence=1,
            programme_year=1,
            due_from=date(2025, 5, 1),
            due_by=date(2025, 5, 10) + timedelta(days=i),
            township_id=episode.township_id,
            status="overdue",
        )
    waiting = f.person_with_episode(world["c1b"])
    Certification.objects.create(
        episode=waiting.episodes.get(),
        summary="小结",
        proposed_by=world["work_station1_user"],
        proposed_on=date(2025, 5, 20),  # 12 days: overdue since May 27
    )
    recent = f.person_with_episode(world["c1b"])
    Certification.objects.create(
        episode=recent.episodes.get(),
        summary="小结",
        proposed_by=world["work_station1_user"],
        proposed_on=date(2025, 5, 28),  # 4 days: not yet
    )
    return {"person": person, "waiting": waiting, "recent": recent}


def test_one_off_deadlines_and_certifications_are_listed_with_labels(world, items):
    """戒毒条例 arts 19, 21-23, 40 (hand-over, absence, transfer, closing, release) and rules.md §3.1
    (certification; 7 days is our default)."""
    rows = with_days(overdue_rows(world["sup1_user"], AS_OF), AS_OF)
    got = [(r["kind"], str(r["kind_label"]), r["person_id"], r["days"]) for r in rows]
    p = items["person"].pk
    assert got == [
        ("handover_due", "移交公安逾期", p, 22),
        ("absence_back", "外出逾期未返回销假", p, 21),
        ("transfer_in", "变更执行地后逾期未报到", p, 20),
        ("closing_file", "期满前移送材料逾期", p, 19),
        ("release", "解除通知逾期", p, 18),
        ("certification", "脱毒认定待审批超过7天", items["waiting"].pk, 5),
    ]
    assert {r["party"] for r in rows if r["kind"] == "certification"} == {"supervisor"}


def test_kind_filter_offers_and_applies_every_kind(world, items):
    choices = dict(AuditForm(root=world["t1"]).fields["kind"].choices)
    for kind in ["handover_due", *ONE_OFF[1:], "certification", "handover", "unreported"]:
        assert kind in choices and kind in KINDS
    county = world["county_sup_user"]
    assert [r[0] for r in overdue_rows(county, AS_OF, AuditFilters(kind="handover_due"))] == ["handover_due"]
    assert [r[0] for r in overdue_rows(county, AS_OF, AuditFilters(kind="certification"))] == [
        "certification"
    ]
    assert overdue_rows(county, AS_OF, AuditFilters(kind="handover")).count() == 0  # police receipts
    assert overdue_rows(county, AS_OF, AuditFilters(min_days=19)).count() == 4


def test_drill_down_counts_certifications(world, items):
    rows = {r["region"].pk: r for r in drill_down(world["county_sup_user"], world["county"], AS_OF)}
    assert (rows[world["t1"].pk]["obligations"], rows[world["t1"].pk]["certifications"]) == (5, 1)
    assert rows[world["t1"].pk]["total"] == 6 and rows[world["t2"].pk]["total"] == 0


def test_page_states_the_certification_default(client, world, items):
    client.force_login(world["sup1_user"])
    body = client.get(reverse("overdue_audit")).content.decode()
    assert "脱毒认定提请后超过 7 天未审批即列为逾期" in body
    assert "移交公安逾期" in body
