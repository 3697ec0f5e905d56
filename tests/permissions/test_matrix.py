"""Who sees what: every role x relationship x action, checked against the plain-Python oracle."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import Agency, Episode, Person
from permissions import selectors
from permissions.models import AccessLog, RecordType
from tests import factories as f

from .oracle import expected_types

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    """Persons in every relationship to the users of township 1."""
    w = world
    today = timezone.localdate()
    on_team = f.person_with_episode(w["c1"])  # township 1's own person
    f.add_member(on_team, w["civil_affairs1_user"], "civil_affairs")
    f.add_member(on_team, w["human_resources1_user"], "human_resources")
    f.add_member(
        on_team, w["work_station2_user"], "community", end=today - timedelta(days=1)
    )  # former member
    f.add_member(on_team, None, "family", name="母亲")
    household_here = f.person_with_episode(w["c2"], household=w["c1b"])  # 双向管控: police 1 sees it too
    beside = f.person_with_episode(w["c2b"])  # township 2 only
    f.add_member(beside, w["civil_affairs2_user"], "civil_affairs")
    closed = f.person_with_episode(w["c1b"], status=Episode.Status.COMPLETED)
    future_member = f.person_with_episode(w["c2"])
    f.add_member(
        future_member, w["human_resources1_user"], "human_resources", start=today + timedelta(days=3)
    )
    return {"persons": [on_team, household_here, beside, closed, future_member], "today": today}


def users(w):
    names = [k for k in w if k.endswith("_user")]
    return [w[k] for k in names]


def test_selectors_agree_with_the_oracle_for_every_user_person_and_record_type(world, scene):
    cells = 0
    for user in users(world):
        visible = set(selectors.visible_persons(user).values_list("pk", flat=True))
        for person in scene["persons"]:
            expected = expected_types(user, person, scene["today"])
            assert (person.pk in visible) == (expected is not None), (user.username, person.name)
            cells += 1
            if expected is None:
                continue
            assert selectors.record_types_for(user, person) == expected, (user.username, person.name)
            for record_type in RecordType.values:
                in_list = selectors.visible_persons(user, record_type).filter(pk=person.pk).exists()
                assert in_list == (record_type in expected), (user.username, person.name, record_type)
                cells += 1
    print(f"\npermission matrix: {cells} cells checked")
    assert cells > 250


def test_anonymous_and_staffless_users_see_nothing(world, scene, django_user_model):
    assert not selectors.visible_persons(AnonymousUser()).exists()
    admin = django_user_model.objects.create_superuser("root", password="x" * 12)
    assert not selectors.visible_persons(admin).exists()


def test_http_detail_and_records_answer_200_or_404_as_the_oracle_says(client, world, scene):
    for user in users(world):
        client.force_login(user)
        for person in scene["persons"]:
            expected = expected_types(user, person, scene["today"])
            detail = client.get(reverse("person_detail", args=[person.pk]))
            reveal = client.get(reverse("person_reveal", args=[person.pk]))
            access = client.get(reverse("person_access", args=[person.pk]))
            assert detail.status_code == (200 if expected is not None else 404), (user.username, person.name)
            can_reveal = expected is not None and RecordType.IDENTIFIERS in expected
            assert reveal.status_code == (200 if can_reveal else 404)
            is_supervisor = user.staff.agency.kind == Agency.Kind.DRUG_CONTROL
            assert access.status_code == (200 if expected is not None and is_supervisor else 404)
        client.logout()


def test_missing_person_is_the_same_404(client, world):
    client.force_login(world["work_station1_user"])
    assert client.get(reverse("person_detail", args=[999999])).status_code == 404


def test_reveal_needs_a_reason_and_is_logged(client, world, scene):
    person = scene["persons"][0]
    client.force_login(world["police1_user"])
    page = client.get(reverse("person_reveal", args=[person.pk]))
    assert person.id_number not in page.content.decode()
    short = client.post(reverse("person_reveal", args=[person.pk]), {"reason": "查"})
    assert person.id_number not in short.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.REVEAL).exists()
    shown = client.post(reverse("person_reveal", args=[person.pk]), {"reason": "核对身份信息"})
    assert person.id_number in shown.content.decode()
    log = AccessLog.objects.get(action=AccessLog.Action.REVEAL)
    assert (log.user, log.person_id, log.reason) == (world["police1_user"], person.pk, "核对身份信息")


def test_detail_page_masks_numbers_and_logs_one_read(client, world, scene):
    person = scene["persons"][0]
    client.force_login(world["work_station1_user"])
    body = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert person.id_number not in body
    assert person.id_number_masked in body
    assert person.phone not in body
    rows = AccessLog.objects.filter(person_id=person.pk, action=AccessLog.Action.DETAIL)
    assert rows.count() == 1
    assert rows.get().record_types == "identity"


@pytest.mark.parametrize(
    ("username", "logged"),
    [("work_station1_user", "drugtest,talk"), ("police1_user", "drugtest"), ("judicial1_user", "")],
)
def test_records_tab_shows_and_logs_only_the_matrix_types(client, world, scene, username, logged):
    person = scene["persons"][0]
    client.force_login(world[username])
    response = client.get(reverse("person_records", args=[person.pk]))
    assert response.status_code == 200
    assert (response.context["talks"] is not None) == ("talk" in logged)
    assert (response.context["drug_tests"] is not None) == ("drugtest" in logged)
    assert AccessLog.objects.get(person_id=person.pk, user=world[username]).record_types == logged


def test_judicial_office_cannot_read_talks_but_community_can(world, scene):
    person = scene["persons"][0]
    assert RecordType.TALK not in selectors.record_types_for(world["judicial1_user"], person)
    assert RecordType.TALK in selectors.record_types_for(world["work_station1_user"], person)


def test_access_log_is_append_only(world, scene):
    row = AccessLog.objects.create(user=world["police1_user"], person=scene["persons"][0], action="detail")
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    assert AccessLog.objects.count() == 1


def test_moving_residence_moves_police_access(world, scene):
    """双向管控 follows the person: the old residence's police lose access, the new one's gain it."""
    from permissions.services import sync_person_grants

    person = scene["persons"][2]  # township 2 only
    assert not selectors.visible_persons(world["police1_user"]).filter(pk=person.pk).exists()
    Person.objects.filter(pk=person.pk).update(residence_region=world["c1"])
    sync_person_grants([person.pk])
    assert selectors.visible_persons(world["police1_user"]).filter(pk=person.pk).exists()


def test_rebuild_is_idempotent_and_repairs_drift(world, scene):
    from permissions.models import PersonGroupObjectPermission
    from permissions.services import rebuild_all_grants

    assert rebuild_all_grants(dry_run=True).added == 0
    PersonGroupObjectPermission.objects.filter(content_object=scene["persons"][0]).delete()
    drift = rebuild_all_grants(dry_run=True)
    assert drift.added > 0 and drift.removed == 0
    rebuild_all_grants()
    again = rebuild_all_grants()
    assert (again.added, again.removed) == (0, 0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 3),  # community index for the execution place
            st.integers(0, 3),  # residence community
            st.integers(0, 3),  # household community
            st.sampled_from([Episode.Status.ACTIVE, Episode.Status.DECIDED, Episode.Status.COMPLETED]),
            st.lists(
                st.tuples(
                    st.integers(0, 11),
                    st.sampled_from(["community", "police", "civil_affairs", "human_resources", "judicial"]),
                    st.integers(-5, 5),
                ),
                max_size=3,
            ),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_random_worlds_agree_with_the_oracle(world, data):
    communities = [world["c1"], world["c1b"], world["c2"], world["c2b"]]
    staff = users(world)
    today = timezone.localdate()
    persons = []
    for execution, residence, household, status, members in data:
        person = f.person_with_episode(
            communities[execution],
            residence=communities[residence],
            household=communities[household],
            status=status,
        )
        for user_index, role, offset in members:
            f.add_member(person, staff[user_index], role, end=today + timedelta(days=offset))
        persons.append(person)
    from django.contrib.auth.models import User

    for user in User.objects.filter(pk__in=[u.pk for u in staff]):  # fresh objects: no cached post
        visible = set(
            selectors.visible_persons(user)
            .filter(pk__in=[p.pk for p in persons])
            .values_list("pk", flat=True)
        )
        for person in persons:
            expected = expected_types(user, person, today)
            assert (person.pk in visible) == (expected is not None)
            if expected is not None:
                assert selectors.record_types_for(user, person) == expected


@pytest.mark.postgres
def test_database_refuses_to_change_the_access_log(world, scene):
    from django.db import ProgrammingError, transaction

    row = AccessLog.objects.create(user=world["police1_user"], person=scene["persons"][0], action="detail")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(reason="x")
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    assert AccessLog.objects.get(pk=row.pk).reason == ""


def test_access_log_page_shows_supervisors_only_their_regions_reads(client, world, scene):
    mine, other = scene["persons"][0], scene["persons"][2]  # township 1, township 2
    for person in (mine, other):
        AccessLog.objects.create(user=world["police1_user"], person=person, action="detail")
    client.force_login(world["police1_user"])
    assert client.get(reverse("access_log")).status_code == 404
    client.force_login(world["sup1_user"])
    rows = client.get(reverse("access_log")).context["page"].object_list
    assert [r.person_id for r in rows] == [mine.pk]
    filtered = client.get(reverse("access_log") + f"?person={other.pk}").context["page"].object_list
    assert list(filtered) == []
    bad_date = client.get(reverse("access_log") + "?date=2025-02-30")
    assert bad_date.status_code == 200 and "YYYY-MM-DD" in bad_date.content.decode()
    client.force_login(world["county_sup_user"])
    assert client.get(reverse("access_log")).context["page"].paginator.count == 2
