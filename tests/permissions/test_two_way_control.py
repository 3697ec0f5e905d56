"""双向管控 (rules.md §1.8; 禁毒办通〔2016〕37号): the household-registration police keep the person
after the execution place moves, and the pages say why."""

import pytest
from django.urls import reverse

from permissions import selectors
from tests import factories as f
from tests import steps

pytestmark = pytest.mark.django_db

RULE = "户籍地为主、居住地为辅，双向管控、双向追责"


def test_household_police_keep_seeing_a_person_living_and_executed_elsewhere(client, world):
    """rules.md §1.8: registered in 城关 (t1), living and executed in 和平 (t2): both police stations
    see the person; only t2's work station and judicial office do. The supervisor's who-can-see
    tab names the t1 police as 户籍地派出所（双向管控） and gives the rule and its source."""
    person = f.person_with_episode(world["c2"], household=world["c1"])
    assert selectors.visible_persons(world["police1_user"]).filter(pk=person.pk).exists()
    assert selectors.visible_persons(world["police2_user"]).filter(pk=person.pk).exists()
    assert not selectors.visible_persons(world["work_station1_user"]).filter(pk=person.pk).exists()

    places = {r.holder: r.place for r in selectors.person_access(person) if r.rule == "agency"}
    assert places == {
        world["police1"].name: "household",
        world["police2"].name: "residence",
        world["work_station2"].name: "",
        world["judicial2"].name: "",
    }

    client.force_login(world["sup2_user"])
    body = client.get(reverse("person_access", args=[person.pk])).content.decode()
    assert f"<tr><td>{world['police1'].name}</td>\n    <td>户籍地派出所（双向管控）</td>" in body
    assert f"<tr><td>{world['police2'].name}</td>\n    <td>居住地派出所</td>" in body
    assert RULE in body and "禁毒办通〔2016〕37号" in body


def test_the_permission_matrix_page_states_the_rule(client, django_user_model):
    """rules.md §1.8: the matrix decides record types; the page says which parties see which persons, 双向管控 included."""
    root = django_user_model.objects.create_superuser("root", password="root-pass-123456")
    client.force_login(root)
    body = client.get(reverse("admin:permissions_recordaccessrule_changelist")).content.decode()
    assert RULE in body
    assert "《上海市禁毒条例》第二十九条" in body
    assert "居住地和户籍地的派出所" in body


def test_after_a_transfer_the_household_police_still_see_the_person_and_the_old_station_does_not(world):
    """戒毒条例 art 22 and rules.md §1.8: the execution place moves from 城关 to 和平; the file, the work
    station and the residence police follow it, while the 城关 police keep the person as the
    police of the household registration."""
    from datetime import timedelta

    from django.utils import timezone

    from workflows.branches import transfers

    person = f.person_with_episode(world["c1"])
    episode = person.episodes.get()
    today = timezone.localdate()
    transfer = transfers.transfer_request(
        actor=world["work_station1_user"],
        episode=episode,
        to_township=world["t2"],
        reason="搬家",
        on=today - timedelta(days=2),
    )
    steps.transfer_accept(world["work_station2_user"], transfer, world["c2"], today - timedelta(days=1))
    person.refresh_from_db()
    assert (person.residence_region_id, person.household_region_id) == (world["c2"].pk, world["c1"].pk)
    sees = {
        name: selectors.visible_persons(world[name]).filter(pk=person.pk).exists()
        for name in ("police1_user", "police2_user", "work_station1_user", "work_station2_user")
    }
    assert sees == {
        "police1_user": True,
        "police2_user": True,
        "work_station1_user": False,
        "work_station2_user": True,
    }
    person = selectors.person_get(world["county_sup_user"], person.pk)
    places = {r.holder: r.place for r in selectors.person_access(person) if r.rule == "agency"}
    assert (places[world["police1"].name], places[world["police2"].name]) == ("household", "residence")
