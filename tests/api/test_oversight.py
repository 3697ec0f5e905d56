"""Supervisors' figures as JSON: the rates and the overdue audit of their region; 404 for others."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.rates import rates_for
from permissions.models import AccessLog
from tests import factories as f
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_rates_are_the_rates_pages_figures_and_only_for_supervisors(world):
    f.person_with_episode(world["c1"])
    today = timezone.localdate()
    body = token_client(world["sup1_user"]).get(reverse("api:rates"), {"live": "1"}).json()
    sheet = rates_for(world["sup1_user"], world["t1"], today.replace(month=1, day=1), today, live=True)
    assert body["region"] == {"id": world["t1"].pk, "name": world["t1"].name}
    assert [(r["key"], r["numerator"], r["denominator"]) for r in body["rates"]] == [
        (r.key, r.numerator, r.denominator) for r in sheet.rates
    ]
    for user in ("work_station1_user", "police1_user", "human_resources1_user"):
        assert token_client(world[user]).get(reverse("api:rates")).status_code == 404
    bad = token_client(world["sup1_user"]).get(reverse("api:rates"), {"start": "2026-02-30"})
    assert bad.status_code == 400 and "start" in bad.json()["error"]["fields"]
    # A region outside the supervisor's is not a choice.
    assert (
        token_client(world["sup1_user"]).get(reverse("api:rates"), {"region": world["t2"].pk}).status_code
        == 400
    )


def test_the_overdue_audit_lists_the_regions_late_items_and_logs_them_as_an_export(world):
    late = f.person_with_episode(
        world["c1"], status="decided", served_on=timezone.localdate() - timedelta(days=60)
    )
    f.person_with_episode(world["c2"], status="decided", served_on=timezone.localdate() - timedelta(days=60))
    body = token_client(world["sup1_user"]).get(reverse("api:overdue")).json()
    assert [(r["kind"], r["person_id"]) for r in body["results"]] == [("unreported", late.pk)]
    assert body["count"] == 1
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, person_id=late.pk).count() == 1
    county = token_client(world["county_sup_user"]).get(reverse("api:overdue")).json()
    assert county["count"] == 2
    assert token_client(world["sw1_user"]).get(reverse("api:overdue")).status_code == 404
