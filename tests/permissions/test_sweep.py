"""Sweep: every URL pattern about a person, and every list, as every party, in every state a person
can be in, compared with the oracle (tests/permissions/oracle.py, written from the rules).

A leak is an answer other than 404 where the rules give nothing; a wrong refusal is a 404 where
they give the page. Both must be zero. Each POST runs inside a savepoint that is rolled back, so
the world stays as built for every cell.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.models import (
    Absence,
    Agency,
    Agreement,
    Certification,
    DrugTest,
    Episode,
    HandOver,
    Obligation,
    Plan,
    Referral,
    Staff,
    Suspension,
    Talk,
)
from obligations.services import obligations_open_first
from permissions.kinds import FILE, OBLIGATION_RECORD_TYPE
from permissions.models import RecordType
from tests import factories as f
from workflows.branches.referrals import referral_accept, referral_close, referral_create
from workflows.branches.suspensions import suspension_start
from workflows.branches.transfers import transfer_request
from workflows.flows import IntakeFlow

from .oracle import ACT_POLICE, ACT_STATION, current_episode, rights

pytestmark = pytest.mark.django_db

S = Episode.Status
STATES = (
    "on_team",
    "decided",
    "transfer_pending",
    "referral_open",
    "referral_closed",
    "handed_over",
    "suspended",
    "completed",
)
# Where the person lives and is registered: the police of both hold the person (双向管控). Every
# state is built at each of the three places: about 23,000 cells.
PLACES = (("c1", "c1"), ("c2", "c1"), ("c1", "c2b"))
MIN_CELLS = 20_000
POST_ONLY = {"task_claim", "task_release", "referral_decide", "referral_close", "notifications_read_all"}
CONFIRMABLE = (
    S.ACTIVE,
    S.OUT_OF_COUNTY,
    S.MISSING,
    S.VIOLATION_REPORTED,
    S.TRANSFER_PENDING,
)  # 戒毒条例 art 20
UNREPORTED = (S.ACTIVE, S.MISSING, S.VIOLATION_REPORTED, S.TRANSFER_PENDING)  # art 19(3), 20
RECORDING = (S.ACTIVE, S.OUT_OF_COUNTY)  # tests and talks are recorded while the measure runs


def build_world(w):
    """Persons in every state at every place, with the records and open steps each state has."""
    today = timezone.localdate()
    ws1 = w["work_station1_user"]
    ended = f.staff_user(w["work_station1"], username="sw_ended", role=Staff.Role.SOCIAL_WORKER)
    head = f.staff_user(w["work_station1"], username="ws1_head", role=Staff.Role.HEAD)
    persons = []
    for state in STATES:
        for residence, household in PLACES:
            status = {
                "decided": S.DECIDED,
                "handed_over": S.VIOLATION_REPORTED,
                "completed": S.COMPLETED,
            }.get(state, S.ACTIVE)
            person = f.person_with_episode(
                w["c1"],
                residence=w[residence],
                household=w[household],
                status=status,
                served_on=today - timedelta(days=400),
            )
            episode = person.episodes.get()
            person.state = state
            persons.append(person)
            if state == "decided":
                IntakeFlow.start.run(episode=episode)
                continue
            f.add_member(person, w["sw1_user"], "community", start=episode.start_date)
            f.add_member(person, ended, "community", start=episode.start_date, end=today - timedelta(days=1))
            Agreement.objects.create(
                episode=episode,
                signed_on=episode.start_date,
                measures="按期检测",
                rules="遵守协议",
                liability="违反协议的责任",
                period_start=episode.start_date,
                period_end=episode.expected_end_date,
                signed_by=ws1,
            )
            Plan.objects.create(
                episode=episode, written_on=episode.start_date, current_situation="稳定", written_by=ws1
            )
            # A saved test and talk: their correction and void pages are cells too.
            DrugTest.objects.create(
                episode=episode,
                person=person,
                tested_on=episode.start_date,
                place="工作站",
                result="negative",
                collector_1="甲",
                collector_1_sex="M",
                collector_2="乙",
                collector_2_sex="M",
                recorded_by=ws1,
            )
            Talk.objects.create(
                episode=episode,
                person=person,
                held_on=episode.start_date,
                staff=w["sw1_user"],
                summary="谈话",
            )
            if state == "completed":
                Episode.objects.filter(pk=episode.pk).update(closed_on=today - timedelta(days=3))
                Certification.objects.create(
                    episode=episode,
                    summary="执行良好",
                    status=Certification.Status.APPROVED,
                    proposed_by=ws1,
                    proposed_on=today - timedelta(days=30),
                    decided_by=w["sup1_user"],
                    decided_on=today - timedelta(days=20),
                    certificate_number="认定-1",
                )
                continue
            if state == "handed_over":
                HandOver.objects.create(
                    episode=episode,
                    reason=HandOver.Reason.SERIOUS_BREACH,
                    prepared_on=today,
                    documents="严重违反协议证明、移交回执",
                    prepared_by=ws1,
                )
                continue
            obligations_open_first(episode)
            Absence.objects.create(
                episode=episode,
                person=person,
                destination="广州",
                reason="探亲",
                reported_on=today - timedelta(days=2),
                leaves_on=today - timedelta(days=1),
                returns_by=today + timedelta(days=5),
                status=Absence.Status.AWAY,
                recorded_by=ws1,
            )
            if state == "transfer_pending":
                transfer_request(actor=ws1, episode=episode, to_township=w["t2"], reason="迁居", on=today)
            elif state == "referral_open":
                referral_create(actor=ws1, episode=episode, kind=Referral.Kind.EMPLOYMENT, needs="就业培训")
            elif state == "referral_closed":
                referral = referral_create(
                    actor=ws1, episode=episode, kind=Referral.Kind.ASSISTANCE, needs="生活困难"
                )
                referral_accept(actor=w["civil_affairs1_user"], referral=referral, on=today)
                referral_close(actor=w["civil_affairs1_user"], referral=referral, on=today)
            elif state == "suspended":
                suspension_start(
                    actor=ws1,
                    episode=episode,
                    reason=Suspension.Reason.DETENTION,
                    starts_on=today,
                    place="县拘留所",
                )
    users = [
        w[key]
        for key in (
            "sw1_user",
            "work_station1_user",
            "police1_user",
            "judicial1_user",
            "human_resources1_user",
            "civil_affairs1_user",
            "sup1_user",
            "county_sup_user",
            "sw2_user",
            "work_station2_user",
            "police2_user",
            "judicial2_user",
            "human_resources2_user",
            "civil_affairs2_user",
            "sup2_user",
        )
    ] + [ended, head, User.objects.create_superuser("root", "root@example.invalid", "x")]
    return persons, users


@dataclass
class Cell:
    url: str
    name: str
    allowed: bool


def task_actor(task, episode, r, user) -> bool:
    """Who does an open step (flows.py, rules.md §8): the station executing the measure; the police
    of the person; the supervisor over the township; a transfer's request by its new place only."""
    if task.flow_task.name == "accept_or_decline":
        return r.request_only
    if not r.file:
        return False
    if task.owner_permission == f"casework.{ACT_STATION}":
        return ACT_STATION in r.acts and user.staff.agency.region_id == episode.township_id
    if task.owner_permission == f"casework.{ACT_POLICE}":
        return ACT_POLICE in r.acts
    if task.owner_permission == "casework.supervise_region":
        return r.supervisor and episode.township.path.startswith(user.staff.agency.region.path)
    return False


def person_cells(user, person, today) -> list[Cell]:
    """Every URL about this person, with whether the rules let this user have it."""
    r = rights(user, person, today)
    staff = getattr(user, "staff", None)
    kind = staff.agency.kind if staff else None
    head = staff is not None and staff.role == Staff.Role.HEAD
    station = kind == Agency.Kind.WORK_STATION
    episode = current_episode(person)
    status = episode.status
    acts = r.file and bool(r.acts)
    station_acts = station and ACT_STATION in r.acts
    types = r.types if r.file else frozenset()
    open_suspension = Suspension.objects.filter(episode=episode, ends_on__isnull=True).exists()
    pk = person.pk
    rules = {
        "person_detail": r.file or r.request_only,
        "person_records": r.file,
        "person_reveal": RecordType.IDENTIFIERS in types,
        "person_access": r.file and r.supervisor,
        "person_edit": station and RecordType.IDENTITY in types,
        "episode_add": station and RecordType.IDENTITY in types,
        "drug_test_new": kind in (Agency.Kind.WORK_STATION, Agency.Kind.POLICE)
        and RecordType.DRUGTEST in types
        and status in RECORDING,
        "talk_new": station and RecordType.TALK in types and status in RECORDING,
        "referral_new": station_acts and status not in Episode.CLOSED_STATUSES,
        "person_support": r.file,
        "person_breaches": bool({RecordType.VIOLATION, RecordType.ABSENCE} & types),
        "breach_confirm": station and RecordType.VIOLATION in types and status in CONFIRMABLE,
        "absence_report": station and RecordType.ABSENCE in types and status in RECORDING,
        "absence_unreported": station and RecordType.ABSENCE in types and status in UNREPORTED,
        "transfer_new": station_acts and episode.township_id == staff.agency.region_id,
        "suspension_new": acts,
        "episode_terminate": acts,
        "suspension_end": acts and open_suspension,
        "follow_up_relapse": acts and status == S.COMPLETED,
    }
    cells = [Cell(reverse(name, args=[pk]), name, allowed) for name, allowed in rules.items()]
    cells += [
        Cell(
            reverse("agreement_print", args=[episode.pk]),
            "agreement_print",
            r.file and episode.agreements.exists(),
        ),
        Cell(reverse("plan_print", args=[episode.pk]), "plan_print", r.file and episode.plans.exists()),
        Cell(reverse("certification", args=[episode.pk]), "certification", station_acts),
    ]
    for obligation in Obligation.objects.filter(episode=episode):
        readable = OBLIGATION_RECORD_TYPE[obligation.kind] in (FILE, *types) and r.file
        may = head and kind in (Agency.Kind.WORK_STATION, Agency.Kind.DRUG_CONTROL) and readable
        if station:
            may = may and ACT_STATION in r.acts
        cells.append(Cell(reverse("obligation_excuse", args=[obligation.pk]), "obligation_excuse", may))
    # Correcting and voiding a saved record: the parties that record it, readers of its type.
    for test in DrugTest.objects.filter(episode=episode):
        may = kind in (Agency.Kind.WORK_STATION, Agency.Kind.POLICE) and RecordType.DRUGTEST in types
        for name in ("record_correct", "record_void"):
            cells.append(Cell(reverse(name, args=["drug-tests", test.pk]), name, may))
    for talk in Talk.objects.filter(episode=episode):
        for name in ("record_correct", "record_void"):
            cells.append(
                Cell(reverse(name, args=["talks", talk.pk]), name, station and RecordType.TALK in types)
            )
    for absence in Absence.objects.filter(episode=episode):
        for name in ("absence_return", "absence_extend"):
            cells.append(
                Cell(reverse(name, args=[absence.pk]), name, station and RecordType.ABSENCE in types)
            )
    for handover in HandOver.objects.filter(episode=episode):
        cells.append(
            Cell(
                reverse("handover_print", args=[handover.pk]), "handover_print", RecordType.VIOLATION in types
            )
        )
    for certification in Certification.objects.filter(episode=episode, status=Certification.Status.APPROVED):
        cells.append(Cell(reverse("certificate_print", args=[certification.pk]), "certificate_print", r.file))
    for referral in Referral.objects.filter(episode=episode):
        mine = r.agency_id == referral.agency_id
        record_type = (
            RecordType.TRAINING if referral.kind == Referral.Kind.EMPLOYMENT else RecordType.ASSISTANCE
        )
        cells.append(
            Cell(
                reverse("referral_detail", args=[referral.pk]),
                "referral_detail",
                mine or record_type in types,
            )
        )
        for name in ("referral_decide", "referral_outcome_new", "referral_close"):
            cells.append(Cell(reverse(name, args=[referral.pk]), name, mine))
    for task in Task.objects.filter(
        process__artifact_object_id=episode.pk, flow_task_type="HUMAN", status="NEW"
    ):
        cells.append(
            Cell(reverse("task_page", args=[task.pk]), "task_page", task_actor(task, episode, r, user))
        )
        # Claiming and releasing answer with a message on the task list to anyone who sees the person.
        for name in ("task_claim", "task_release"):
            cells.append(Cell(reverse(name, args=[task.pk]), name, r.file or r.request_only))
    return cells


def list_cells(user) -> list[Cell]:
    staff = getattr(user, "staff", None)
    kind = staff.agency.kind if staff else None
    supervisor = kind == Agency.Kind.DRUG_CONTROL
    agency_staff = staff is not None and staff.role != Staff.Role.SOCIAL_WORKER
    rules = {
        "home": True,
        "person_list": staff is not None,
        "person_register": kind == Agency.Kind.WORK_STATION,
        "person_export": staff is not None,
        "person_id_check": kind == Agency.Kind.WORK_STATION,
        "my_tasks": staff is not None,
        "follow_up_list": staff is not None,
        "notifications": staff is not None,
        "notifications_read_all": True,
        "session_alive": True,
        "overdue_audit": supervisor,
        "overdue_export": supervisor,
        "rates": supervisor,
        "drugfree_assessment": supervisor,
        "drugfree_titles": supervisor,
        "drugfree_named": supervisor,
        "rates_persons": supervisor,
        "access_log": supervisor,
        "monthly_report": supervisor,
        "referral_list": kind in (Agency.Kind.HUMAN_RESOURCES, Agency.Kind.CIVIL_AFFAIRS),
        "transfer_history": agency_staff and kind in (Agency.Kind.WORK_STATION, Agency.Kind.DRUG_CONTROL),
    }
    return [Cell(reverse(name), name, allowed) for name, allowed in rules.items()]


@pytest.mark.timeout(3600)
def test_every_url_as_every_party_in_every_state_answers_as_the_rules_say(client, world):
    """architecture §4 rules 1-2, rules.md §4 and §7 (戒毒条例 arts 7, 22; 个人信息保护法 arts 28, 34):
    the page answers 200 (a POST: its form or its redirect) exactly where the rules give it, and
    404 everywhere else — on the team, same agency, other agency, region above and beside,
    membership ended yesterday, transfer pending as sender and receiver, referral open and closed,
    handed over, suspended, completed."""
    started = time.monotonic()
    persons, users = build_world(world)
    today = timezone.localdate()
    leaks, refusals, wrong = [], [], []
    cells = 0
    for user in users:
        client.force_login(user)
        plan = [cell for person in persons for cell in person_cells(user, person, today)] + list_cells(user)
        for cell in plan:
            for method in ("get", "post"):
                if method == "get" and cell.name in POST_ONLY:
                    code = client.get(cell.url).status_code
                    expected_ok = code == 405
                else:
                    with transaction.atomic():
                        code = getattr(client, method)(cell.url).status_code
                        transaction.set_rollback(True)
                    if cell.allowed:
                        expected_ok = code == 200 if method == "get" else code in (200, 302)
                    else:
                        expected_ok = code == 404
                cells += 1
                if expected_ok:
                    continue
                entry = (user.username, method, cell.name, cell.url, code)
                if not cell.allowed and code != 404:
                    leaks.append(entry)
                elif cell.allowed and code == 404:
                    refusals.append(entry)
                else:
                    wrong.append(entry)
    print(f"\nsweep: {cells} cells, {len(leaks)} leaks ({time.monotonic() - started:.0f} s)")
    assert leaks == []
    assert refusals == []
    assert wrong == []
    assert cells >= MIN_CELLS, "the sweep no longer covers every party, state and place"
