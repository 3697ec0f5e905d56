"""The demo township: every state represented, valid data, and a second run changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command

from casework.idnumber import parse_id_number
from casework.models import Episode, Obligation, Person
from permissions import selectors

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    labels = {"casework", "permissions", "workflows", "auth", "viewflow"}
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels}


def test_seed_is_idempotent_and_covers_every_state(capsys):
    call_command("seed_demo", "--persons", "60")
    out = capsys.readouterr().out
    assert "sw_chengguan" in out and "demo-pass-2026" in out
    first = table_counts()
    call_command("seed_demo", "--persons", "60")
    assert "Already seeded" in capsys.readouterr().out
    assert table_counts() == first
    assert Person.objects.count() == 60
    assert set(Episode.objects.values_list("status", flat=True)) == set(Episode.Status.values)
    for number in Person.objects.values_list("id_number", flat=True):
        parse_id_number(number)
    assert Obligation.objects.exists()


def test_demo_users_see_their_own_township_only():
    from django.contrib.auth.models import User

    call_command("seed_demo", "--persons", "60", verbosity=0)
    sw = User.objects.get(username="sw_chengguan")
    county = User.objects.get(username="sup_county")
    township = User.objects.get(username="sup_chengguan")
    admin = User.objects.get(username="admin")
    assert 0 < selectors.visible_persons(sw).count() < 60
    assert selectors.visible_persons(county).count() == 60
    assert 0 < selectors.visible_persons(township).count() < 60
    assert selectors.visible_persons(admin).count() == 0
