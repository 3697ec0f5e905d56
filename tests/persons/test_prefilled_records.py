"""The drug-test and talk forms open filled in with what the app knows: today, the user, the
duty the page fulfils, the place the user last used."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import DrugTest, Obligation, ObligationKind, Talk
from casework.templatetags.casework_tags import staff_name
from tests import factories as f

pytestmark = pytest.mark.django_db


def _duty(person, kind):
    episode = person.episodes.get()
    return Obligation.objects.create(
        episode=episode,
        person=person,
        kind=kind,
        sequence=1,
        programme_year=1,
        due_from=date.today() - timedelta(days=5),
        due_by=date.today() + timedelta(days=5),
        township=episode.township,
    )


def test_drug_test_form_opens_with_today_the_user_the_duty_and_the_last_place(client, world):
    person = f.person_with_episode(world["c1"])
    f.add_member(person, world["sw1_user"], "community")
    duty = _duty(person, ObligationKind.DRUG_TEST)
    user = world["sw1_user"]
    user.first_name, user.last_name = "芳", "李"
    user.save()
    client.force_login(user)
    first = client.get(reverse("drug_test_new", args=[person.pk])).context["form"]
    assert first.initial["tested_on"] == timezone.localdate()
    assert first.initial["place"] == world["work_station1"].name  # nothing recorded yet: the agency
    assert first.initial["collector_1"] == staff_name(user) == "李芳"  # family name first
    assert first.initial["obligation"] == duty.pk
    DrugTest.objects.create(
        episode=person.episodes.get(),
        person=person,
        tested_on=date.today() - timedelta(days=30),
        place="城关镇卫生院",
        result="negative",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
        recorded_by=user,
    )
    again = client.get(reverse("drug_test_new", args=[person.pk])).context["form"]
    assert again.initial["place"] == "城关镇卫生院"


def test_talk_form_takes_the_kind_from_the_duty_and_the_users_last_place(client, world):
    person = f.person_with_episode(world["c1"])
    f.add_member(person, world["sw1_user"], "community")
    visit = _duty(person, ObligationKind.HOME_VISIT)
    Talk.objects.create(
        episode=person.episodes.get(),
        person=person,
        held_on=date.today() - timedelta(days=20),
        staff=world["sw1_user"],
        place="社区工作站谈话室",
        summary="谈话",
    )
    client.force_login(world["sw1_user"])
    form = client.get(reverse("talk_new", args=[person.pk]), {"obligation": visit.pk}).context["form"]
    assert (form.initial["held_on"], form.initial["kind"], form.initial["place"]) == (
        timezone.localdate(),
        Talk.Kind.HOME_VISIT,
        "社区工作站谈话室",
    )
    plain = client.get(reverse("talk_new", args=[person.pk])).context["form"]
    assert plain.initial["kind"] == Talk.Kind.TALK


def test_a_place_used_for_a_person_out_of_view_is_not_offered(client, world):
    """The last place comes through the door: a talk about a person the user may no longer read
    does not fill the form."""
    gone = f.person_with_episode(world["c2"])
    Talk.objects.create(
        episode=gone.episodes.get(),
        person=gone,
        held_on=date.today(),
        staff=world["sw1_user"],
        place="某某家中",
        summary="x",
    )
    person = f.person_with_episode(world["c1"])
    f.add_member(person, world["sw1_user"], "community")
    client.force_login(world["sw1_user"])
    assert client.get(reverse("talk_new", args=[person.pk])).context["form"].initial["place"] == ""
