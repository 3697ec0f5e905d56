"""What the door keeps between requests (compiled SQL and built querysets) follows every change.

The work queue's SQL and the readable-obligation querysets are kept per process under a key of
everything they depend on. A user moved to another agency, a membership that ends, a changed
matrix, or another database must each answer as if nothing had been kept.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.built import built_once
from casework.models import Person, Staff, TeamMember
from permissions import selectors
from permissions.models import Party, RecordAccessRule, RecordType
from permissions.services import sync_person_grants
from tests import factories as f
from tests.workflows.test_intake_flow import open_task, register
from tests.workflows.test_party_work import duty

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same user as a new request sees them (no post cached on the object)."""
    return get_user_model().objects.get(pk=user.pk)


def test_a_kept_queryset_is_copied_for_each_caller_and_never_evaluated_itself():
    builds = []

    @built_once()
    def everyone(kind: str):
        builds.append(kind)
        return Person.objects.filter(name__startswith=kind)

    first = everyone("张")
    narrowed = first.filter(pk=-1)
    assert list(narrowed) == [] and first.query is not narrowed.query
    second = everyone("张")
    assert builds == ["张"]
    assert second is not first and second._result_cache is None
    assert str(second.query) == str(everyone("张").query)
    everyone("李")
    assert builds == ["张", "李"]


def test_a_station_user_moved_to_another_township_gets_that_townships_queue_at_once(client, world):
    episode = register(client, world)
    task = open_task(episode, "report_in")
    ws = world["work_station1_user"]
    assert task in selectors.actionable_tasks(fresh(ws))
    # The move: the post's agency and the agency group the user acts for.
    ws.groups.remove(world["work_station1"].group)
    ws.groups.add(world["work_station2"].group)
    Staff.objects.filter(user=ws).update(agency=world["work_station2"])
    assert task not in selectors.actionable_tasks(fresh(ws))
    assert set(selectors.actionable_tasks(fresh(ws))) == set(
        selectors.actionable_tasks(fresh(world["work_station2_user"]))
    )


def test_duties_follow_a_membership_that_ends_and_a_matrix_that_changes(world):
    today = timezone.localdate()
    person = f.person_with_episode(world["c1"])
    sw = world["sw1_user"]
    member = f.add_member(person, sw, "community")
    test = duty(person, "drug_test", today + timedelta(days=3))

    def readable(user):
        return set(selectors.visible_obligations(fresh(user), per_row=True).values_list("pk", flat=True))

    assert test.pk in readable(sw)
    # The membership ends (yesterday): the grant row stays until the next sync, and the door
    # compares its end with today in the statement.
    TeamMember.objects.filter(pk=member.pk).update(end_date=today - timedelta(days=1))
    sync_person_grants([person.pk])
    assert test.pk not in readable(sw)

    # A township supervisor reads drug tests by the matrix: take the type out, and they no longer do.
    supervisor = world["sup1_user"]
    assert test.pk in readable(supervisor)
    RecordAccessRule.objects.filter(party=Party.SUPERVISOR, record_type=RecordType.DRUGTEST).delete()
    assert test.pk not in readable(supervisor)


def test_a_pages_readable_due_items_and_talks_are_the_doors_for_every_party(world):
    """The person list's figures read only the page's persons' due items and talks; of persons
    the door lets through they must be exactly what the door's own obligations and talks give,
    for every party and for supervisors reading by region alone (rules.md §2, the matrix)."""
    from casework.models import ObligationKind, Talk

    today = timezone.localdate()
    persons = []
    for community in ("c1", "c2"):
        person = f.person_with_episode(world[community])
        episode = person.episodes.get()
        f.add_member(person, world[f"sw{community[1]}_user"], "community")
        f.add_member(person, world[f"police{community[1]}_user"], "police")
        for n, kind in enumerate(ObligationKind.values, start=1):
            duty(person, kind, today + timedelta(days=n))
        Talk.objects.create(
            episode=episode,
            person=person,
            staff=world[f"work_station{community[1]}_user"],
            held_on=today,
            kind=Talk.Kind.TALK,
            summary="近况",
        )
        persons.append(person)
    users = [value for key, value in world.items() if key.endswith("_user")]
    for user in users:
        ids = list(selectors.visible_persons(fresh(user)).values_list("pk", flat=True))
        due = set(selectors.page_obligations_readable(fresh(user), ids).values_list("pk", flat=True))
        door = set(
            selectors.visible_obligations(fresh(user)).filter(person_id__in=ids).values_list("pk", flat=True)
        )
        assert due == door, user.username
        talks = set(selectors.page_talks_readable(fresh(user), ids).values_list("pk", flat=True))
        assert talks == set(selectors.visible_talks(fresh(user)).values_list("pk", flat=True)), user.username
    # Not vacuous: some party reads the talks, and some a kind beyond the file's.
    ids = [p.pk for p in persons]
    assert any(selectors.page_talks_readable(fresh(u), ids).exists() for u in users)
    assert any(
        selectors.page_obligations_readable(fresh(u), ids).filter(kind="drug_test").exists() for u in users
    )
