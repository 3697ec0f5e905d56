"""The gate at the seams between parties and states: the receiving station of a pending
transfer, the edit page, the prints, the typed kinds and a help-team membership's end date."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.models import CaseEvent, HandOver, Obligation, ObligationKind, Talk
from casework.services import event_record
from obligations.services import obligations_open_first
from permissions import selectors
from permissions.kinds import EVENT_RECORD_TYPE, FILE, OBLIGATION_RECORD_TYPE
from permissions.models import AccessLog, Party, PersonUserObjectPermission, RecordAccessRule, RecordType
from permissions.services import person_permission_ids, sync_person_grants, team_grants_refresh
from tests import factories as f
from workflows.branches.records import drug_test_record
from workflows.branches.transfers import transfer_request
from workflows.engine import step_run
from workflows.flows import BreachHandOverFlow

pytestmark = pytest.mark.django_db


def active_person(w, days_ago=200):
    today = timezone.localdate()
    person = f.person_with_episode(w["c1"], served_on=today - timedelta(days=days_ago))
    person.drug_history = "2019年起吸食甲基苯丙胺"
    person.guarantor_phone = "13911112222"
    person.save()
    episode = person.episodes.get()
    f.add_member(person, w["sw1_user"], "community", start=episode.start_date)
    obligations_open_first(episode)
    return person, episode


def open_task(episode, name):
    tasks = list(Task.objects.filter(process__artifact_object_id=episode.pk, status="NEW"))
    return next(t for t in tasks if t.flow_task.name == name)


def test_receiving_station_sees_the_request_and_acts_on_it_and_nothing_else(client, world):
    """戒毒条例 art 22 and 个人信息保护法 art 34: until the new place accepts, its work station reads
    the request (name, masked identity, the decision's summary) and may accept or decline it; the
    file, the edit page, the certification check and every other step stay closed (404)."""
    person, episode = active_person(world)
    transfer_request(
        actor=world["work_station1_user"],
        episode=episode,
        to_township=world["t2"],
        reason="迁居",
        on=timezone.localdate(),
    )
    ws2 = world["work_station2_user"]
    client.force_login(ws2)
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert person.name in page and person.id_number_masked in page and episode.decision_number in page
    for secret in (person.id_number, person.phone, person.drug_history, "13911112222", "某路2号"):
        assert secret not in page
    log = AccessLog.objects.filter(user=ws2).get()
    assert (log.person_id, log.record_types) == (person.pk, "transfer_request")
    closed = [
        reverse(name, args=[person.pk])
        for name in (
            "person_edit",
            "person_records",
            "person_reveal",
            "person_support",
            "person_breaches",
            "episode_add",
            "referral_new",
            "suspension_new",
            "episode_terminate",
            "transfer_new",
        )
    ] + [reverse(name, args=[episode.pk]) for name in ("certification", "agreement_print", "plan_print")]
    for url in closed:
        assert client.get(url).status_code == 404, url
    accept = open_task(episode, "accept_or_decline")
    # Of the person's open steps the receiving station may do the request alone.
    assert list(selectors.actionable_tasks(ws2).values_list("pk", flat=True)) == [accept.pk]
    assert client.get(reverse("task_page", args=[accept.pk])).status_code == 200
    assert AccessLog.objects.filter(user=ws2).count() == 1  # the 404s logged nothing
    response = client.post(
        reverse("task_page", args=[accept.pk]),
        {"decision": "accept", "community": world["c2"].pk, "decided_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    # Accepted: the station now executes the measure and opens the file.
    assert client.get(reverse("person_edit", args=[person.pk])).status_code == 200
    assert client.get(reverse("certification", args=[episode.pk])).status_code == 200


def _edit_post(person, **changes):
    data = {
        "name": person.name,
        "id_number": person.id_number,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "phone": person.phone,
        "household_address": person.household_address,
        "household_region": person.household_region_id,
        "residence_address": person.residence_address,
        "residence_region": person.residence_region_id,
        "drug_history": person.drug_history,
        "risk_level": person.risk_level,
        "guarantor_phone": person.guarantor_phone,
        **changes,
    }
    return {f"person-{k}": v for k, v in data.items()}


def test_edit_page_masks_numbers_without_reveal_keeps_them_and_logs_each_read(client, world):
    """个人信息保护法 art 51 (least privilege) and architecture §4 rule 6: the edit form is a read
    of the file, logged once per rendering; without the reveal right it shows the numbers masked,
    and a masked number posted back unchanged keeps the stored one."""
    person, _ = active_person(world)
    RecordAccessRule.objects.filter(party=Party.COMMUNITY, record_type=RecordType.IDENTIFIERS).delete()
    sync_person_grants([person.pk])
    sw = world["sw1_user"]  # on the team: identity, but no longer identifiers
    client.force_login(sw)
    url = reverse("person_edit", args=[person.pk])
    page = client.get(url).content.decode()
    assert person.id_number_masked in page and person.phone_masked in page and "139****2222" in page
    assert person.id_number not in page and person.phone not in page and "13911112222" not in page
    log = AccessLog.objects.get(user=sw)
    assert (log.action, log.record_types, log.path) == ("detail", "identity", url)
    stored = (person.id_number, person.phone, person.guarantor_phone)
    response = client.post(
        url,
        _edit_post(
            person,
            name="张改名",
            id_number=person.id_number_masked,
            phone=person.phone_masked,
            guarantor_phone="139****2222",
        ),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number, person.phone, person.guarantor_phone) == ("张改名", *stored)
    assert AccessLog.objects.filter(user=sw).count() == 1  # the saving post rendered nothing
    # The work station holds reveal: the form shows the numbers, and the log says so.
    client.force_login(world["work_station1_user"])
    RecordAccessRule.objects.create(party=Party.COMMUNITY, record_type=RecordType.IDENTIFIERS)
    sync_person_grants([person.pk])
    page = client.get(url).content.decode()
    assert person.id_number in page and "13911112222" in page
    assert (
        AccessLog.objects.filter(user=world["work_station1_user"]).get().record_types
        == "identifiers,identity"
    )
    # Without the identity record type (司法所, 派出所) the page does not exist.
    for key in ("judicial1_user", "police1_user"):
        client.force_login(world[key])
        assert client.get(url).status_code == 404
    assert AccessLog.objects.count() == 2


def test_relapse_print_follows_the_readers_record_types(client, world):
    """戒毒条例 art 21 and the matrix (rules.md §4.3): the relapse report carries the positive test for
    readers of drug tests (the police); the judicial office reads violations, not tests."""
    person, episode = active_person(world)
    today = timezone.localdate()
    drug_test_record(
        actor=world["police1_user"],
        episode=episode,
        tested_on=today,
        place="派出所",
        result="positive",
        substances="甲基苯丙胺",
        seal_a="A-7788",
        collector_1="甲",
        collector_1_sex="F",
        collector_2="乙",
        collector_2_sex="F",
    )
    step_run(
        world["work_station1_user"],
        BreachHandOverFlow,
        "prepare",
        episode,
        {"prepared_on": today, "documents": ["检测报告", "移交回执"]},
    )
    url = reverse("handover_print", args=[HandOver.objects.get().pk])
    client.force_login(world["police1_user"])
    text = client.get(url).content.decode()
    assert "甲基苯丙胺" in text and "A-7788" in text
    assert AccessLog.objects.filter(action="print").latest("id").record_types == "drugtest,identity,violation"
    client.force_login(world["judicial1_user"])
    text = client.get(url).content.decode()
    assert "吸毒情况报告" in text and "甲基苯丙胺" not in text and "A-7788" not in text
    assert "打印完整号码" not in text  # no reveal right: no way to print the numbers in full
    assert client.post(url, {"reason": "司法所存档需要"}).content.decode().count(person.id_number) == 0
    assert AccessLog.objects.filter(action="print").latest("id").record_types == "identity,violation"


def test_every_kind_has_a_record_type_and_an_unknown_kind_is_refused(world):
    """architecture §4 rule 2 (house-style: kinds as an enumeration that says what each reveals):
    every case-event kind and every obligation kind maps to the record type a reader must hold,
    every kind the code writes is one of them, and `event_record` refuses any other."""
    assert set(EVENT_RECORD_TYPE) == set(CaseEvent.Kind.values)
    assert set(OBLIGATION_RECORD_TYPE) == set(ObligationKind.values)
    for record_type in (*EVENT_RECORD_TYPE.values(), *OBLIGATION_RECORD_TYPE.values()):
        assert record_type == FILE or record_type in RecordType.values
    root = Path(__file__).resolve().parents[2]
    written = set()
    apps = (
        "casework",
        "permissions",
        "obligations",
        "workflows",
        "notifications",
        "oversight",
        "persons",
        "devtools",
    )
    for path in [p for app in apps for p in (root / app).rglob("*.py") if "migrations" not in p.parts]:
        text = path.read_text()
        for call in re.finditer(r"(?:event_record|CaseEvent)\((.*?)\)\n", text, re.S):
            written |= set(re.findall(r'\bkind="([a-z_]+)"', call.group(1)))
        written |= set(re.findall(r'\bkind = "([a-z_]+)"', text))
        written |= set(re.findall(r'_(?:event|update)\(\s*user,\s*referral,\s*"([a-z_]+)"', text))
        written |= set(re.findall(r'self\.event\(\s*\w+,\s*"([a-z_]+)"', text))
    assert len(written) >= 40 and written <= set(CaseEvent.Kind.values), written - set(CaseEvent.Kind.values)
    person = f.person_with_episode(world["c1"])
    with pytest.raises(ValueError):
        event_record(person=person, actor=None, kind="absence_new_kind", message="外出")
    assert not CaseEvent.objects.filter(person=person).exists()


def test_timeline_and_to_do_table_show_only_the_kinds_the_reader_may_read(client, world):
    """个人信息保护法 arts 28, 51: 人社 reading a referred person sees neither the drug-test nor the
    absence lines or due items; a stored kind outside the enumeration shows to no one."""
    from workflows.branches.referrals import referral_create

    person, episode = active_person(world)
    referral_create(
        actor=world["work_station1_user"], episode=episode, kind="employment", needs="需要就业培训"
    )
    Obligation.objects.create(
        episode=episode,
        person=person,
        kind=ObligationKind.ABSENCE_BACK,
        sequence=1,
        programme_year=1,
        due_from=timezone.localdate(),
        due_by=timezone.localdate() + timedelta(days=3),
        township=world["t1"],
    )
    event_record(
        person=person, episode=episode, actor=None, kind="absence_reported", message="外出报备：前往广州"
    )
    CaseEvent.objects.create(
        person=person, episode=episode, kind="absence_future_kind", message="未登记类型的外出"
    )
    client.force_login(world["human_resources1_user"])
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert person.name in page
    for text in ("吸毒检测", "外出返回销假", "前往广州", "未登记类型的外出"):
        assert text not in page
    assert "谈心谈话" not in page  # talks are the work station's
    client.force_login(world["work_station1_user"])
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "吸毒检测" in page and "外出返回销假" in page and "前往广州" in page
    assert "未登记类型的外出" not in page


def test_team_membership_ends_on_its_date_without_a_command(client, world):
    """architecture §4 rule 2: a membership whose end date was entered in advance gives nothing the
    day after, and no record created after it, though no one re-synced the grants; the daily scan
    then removes the spent rows, and running it again changes nothing."""
    person, episode = active_person(world)
    sw = f.staff_user(world["work_station1"], username="sw_leaving", role="social_worker")
    today = timezone.localdate()
    member = f.add_member(person, sw, "community", start=episode.start_date, end=today + timedelta(days=1))
    view = person_permission_ids()["view_person"]
    grants = PersonUserObjectPermission.objects.filter(user=sw)
    assert grants.get(permission_id=view).valid_until == member.end_date
    held = grants.count()
    assert held == 1 + len(RecordType.values)  # the person, and every record type of the community party
    url = reverse("person_records", args=[person.pk])
    with time_machine.travel(today + timedelta(days=1, hours=10), tick=False):  # the last day
        client.force_login(sw)
        assert client.get(reverse("person_detail", args=[person.pk])).status_code == 200
    with time_machine.travel(today + timedelta(days=2, hours=10), tick=False):  # the day after
        Talk.objects.create(
            episode=episode,
            person=person,
            held_on=today + timedelta(days=2),
            staff=world["work_station1_user"],
            summary="结束后的谈话",
        )
        client.force_login(sw)
        assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404
        assert client.get(url).status_code == 404
        assert not selectors.visible_persons(sw).exists()
        client.force_login(world["sw1_user"])  # still on the team: reads the new talk
        assert "结束后的谈话" in client.get(url).content.decode()
        result = team_grants_refresh()
        assert (result.added, result.removed) == (0, held)
        assert (
            not grants.exists() and PersonUserObjectPermission.objects.filter(user=world["sw1_user"]).exists()
        )
        again = team_grants_refresh()
        assert (again.added, again.removed) == (0, 0)
