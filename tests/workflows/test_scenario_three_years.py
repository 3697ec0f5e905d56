"""One 社区戒毒 episode walked across three years on a fixed calendar.

The decision is served on 1 March 2022; the person reports on day 10, refuses two tests, makes
a reported trip, leaves for 12 days without a report, moves to the other township, is detained
for 40 days, is certified and completes. Every due date, counter and status is asserted against
the tables below, which were worked out by hand from the rules, not read back from the system:

- 戒毒条例 art 14: the term is 3 years from reporting in (11 March 2022 to 10 March 2025);
- the default schedule (rules.md §2.1): tests monthly in year 1, every 2 months in year 2 and
  quarterly in year 3; talks monthly. Each next date counts from the day the duty was done;
- 和平镇 (the township the person moves to) has its own table: tests monthly in year 2;
- 戒毒条例 art 20: refused tests and unreported exits are counted, not yet serious;
- art 22: after the transfer the person reports within 15 days, the clock runs on;
- art 24: 40 days of detention pause the clock (the region's default) and push the end to
  19 April 2025; duties due during custody are excused and restart from the release date;
- arts 23, 40: the release notice is due within 7 days after the end.
"""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from casework.models import (
    Breach,
    DrugTest,
    Episode,
    Obligation,
    ObligationRule,
    Suspension,
    Transfer,
)
from obligations.services import obligations_scan, talk_record
from permissions import selectors
from tests import steps
from tests.workflows.test_intake_flow import finish_intake
from tests.workflows.test_registration import form_data
from workflows.branches import absences, breaches, certification, completion, suspensions, transfers
from workflows.branches.records import drug_test_record

pytestmark = pytest.mark.django_db

S = Episode.Status
d = date

# Drug-test due dates, in order, with the day each was done (a retest closes a refused one).
TESTS = [
    (d(2022, 4, 11), d(2022, 4, 11)),
    (d(2022, 5, 11), d(2022, 5, 13)),  # refused on 11 May, retested on 13 May
    (d(2022, 6, 13), d(2022, 6, 14)),  # refused on 13 June, retested on 14 June
    (d(2022, 7, 14), d(2022, 7, 14)),
    (d(2022, 8, 14), d(2022, 8, 14)),
    (d(2022, 9, 14), d(2022, 9, 14)),
    (d(2022, 10, 14), d(2022, 10, 17)),  # away without a report: overdue, done after the return
    (d(2022, 11, 17), d(2022, 11, 17)),
    (d(2022, 12, 17), d(2022, 12, 17)),
    (d(2023, 1, 17), d(2023, 1, 17)),  # transfer accepted on 9 January: done at 和平镇
    (d(2023, 2, 17), d(2023, 2, 17)),
    (d(2023, 3, 17), d(2023, 3, 17)),  # year 2 from 11 March: 和平镇's table, monthly
    (d(2023, 4, 17), d(2023, 4, 17)),
    (d(2023, 5, 17), d(2023, 5, 17)),
    (d(2023, 6, 17), None),  # excused: detained on 1 June
    (d(2023, 8, 11), d(2023, 8, 11)),  # released 11 July: one month on
    (d(2023, 9, 11), d(2023, 9, 11)),
    (d(2023, 10, 11), d(2023, 10, 11)),
    (d(2023, 11, 11), d(2023, 11, 11)),
    (d(2023, 12, 11), d(2023, 12, 11)),
    (d(2024, 1, 11), d(2024, 1, 11)),
    (d(2024, 2, 11), d(2024, 2, 11)),
    (d(2024, 3, 11), d(2024, 3, 11)),  # year 3: quarterly (no local rule for year 3)
    (d(2024, 6, 11), d(2024, 6, 11)),
    (d(2024, 9, 11), d(2024, 9, 11)),
    (d(2024, 12, 11), d(2024, 12, 11)),
    (d(2025, 3, 11), d(2025, 3, 11)),  # the next (11 June) falls after the term: none
]
# Talk due dates: monthly from the start; the one due while away is done on return.
TALKS = [
    *(d(2022, m, 11) for m in range(4, 11)),  # April to October 2022 (October done on the 17th)
    d(2022, 11, 17),
    d(2022, 12, 17),
    *(d(2023, m, 17) for m in range(1, 7)),  # ... June 2023 excused (custody)
    *(d(2023, m, 11) for m in range(8, 13)),
    *(d(2024, m, 11) for m in range(1, 13)),
    *(d(2025, m, 11) for m in range(1, 5)),  # the next (11 May) falls after the term
]
LATE = {d(2022, 10, 14): d(2022, 10, 17), d(2022, 10, 11): d(2022, 10, 17)}


def collectors():
    return {
        "place": "派出所",
        "collector_1": "甲",
        "collector_1_sex": "F",
        "collector_2": "乙",
        "collector_2_sex": "F",
    }


class Calendar:
    """Does every open test and talk on its due date (or its LATE date) up to a day."""

    def __init__(self, world, episode):
        self.w = world
        self.episode = episode
        self.station = world["work_station1_user"]

    def record(self, obligation, on, result="negative"):
        if obligation.kind == "drug_test":
            return drug_test_record(
                actor=self.station,
                episode=self.episode,
                obligation_id=obligation.pk,
                tested_on=on,
                result=result,
                **collectors(),
            )
        return talk_record(
            actor=self.station,
            episode=self.episode,
            obligation_id=obligation.pk,
            held_on=on,
            summary="谈话",
        )

    def until(self, day):
        while True:
            due = (
                Obligation.objects.filter(
                    episode=self.episode, kind__in=["drug_test", "talk"], status__in=["pending", "overdue"]
                )
                .order_by("due_by", "kind")
                .first()
            )
            if due is None or due.due_by > day:
                return
            self.record(due, LATE.get(due.due_by, due.due_by))


def test_one_detox_episode_across_three_years(world):
    """戒毒条例 arts 14, 19-24, 40; 禁毒法 art 35: every due date, counter and status of one episode."""
    w = world
    client = Client()
    # 和平镇's own schedule: tests monthly in programme year 2 (a local rule, rules.md §2.1).
    ObligationRule.objects.create(
        region=w["t2"], episode_kind="detox", programme_year=2, obligation_kind="drug_test", interval_months=1
    )

    # --- decision, reporting in on day 10 (art 14), agreement, plan, team -------------------
    client.force_login(w["work_station1_user"])
    data = form_data(
        w,
        **{
            "episode-decision_number": "城公(禁)决字〔2022〕031号",
            "episode-decision_date": "2022-02-28",
            "episode-served_on": "2022-03-01",
        },
    )
    assert client.post(reverse("person_register"), data).status_code == 302
    episode = Episode.objects.get()
    assert (episode.status, episode.report_deadline) == (S.DECIDED, d(2022, 3, 16))
    finish_intake(client, w, episode, d(2022, 3, 11))
    episode.refresh_from_db()
    assert (episode.status, episode.start_date, episode.expected_end_date) == (
        S.ACTIVE,
        d(2022, 3, 11),
        d(2025, 3, 10),
    )
    assert episode.reporting_in.on_time
    cal = Calendar(w, episode)
    station1 = w["work_station1_user"]

    # --- two refused tests, each confirmed and answered with criticism and education (art 20) --
    cal.until(d(2022, 5, 10))
    for due, refused_on, retest_on in (
        (d(2022, 5, 11), d(2022, 5, 11), d(2022, 5, 13)),
        (d(2022, 6, 13), d(2022, 6, 13), d(2022, 6, 14)),
    ):
        cal.until(due.replace(day=1))  # the talks due before the test
        obligation = Obligation.objects.get(episode=episode, kind="drug_test", status="pending")
        assert obligation.due_by == due
        test = cal.record(obligation, refused_on, result=DrugTest.Result.REFUSED)
        breaches.breach_confirm(
            actor=station1,
            episode=episode,
            kind=Breach.Kind.TEST_REFUSED,
            occurred_on=refused_on,
            drug_test=test,
            response=Breach.Response.EDUCATION,
            description="拒绝接受尿检，已批评教育",
        )
        obligation.refresh_from_db()
        assert obligation.status == "pending"  # the refusal does not fulfil the duty
        cal.record(obligation, retest_on)
    counters = breaches.breach_counters(episode)
    assert (counters.tests, counters.exits, counters.exit_days, counters.serious) == (2, 0, 0, False)

    # --- a reported trip of 9 days (art 19(3)) ---------------------------------------------
    cal.until(d(2022, 7, 31))
    trip = absences.absence_report(
        actor=station1,
        episode=episode,
        leaves_on=d(2022, 8, 1),
        returns_by=d(2022, 8, 10),
        destination="广州市",
        reason="探亲",
        reported_on=d(2022, 7, 29),
    )
    episode.refresh_from_db()
    assert episode.status == S.OUT_OF_COUNTY
    back = Obligation.objects.get(episode=episode, kind="absence_back")
    assert (back.status, back.due_by) == ("pending", d(2022, 8, 10))
    absences.absence_return(actor=station1, absence=trip, returned_on=d(2022, 8, 9))
    episode.refresh_from_db()
    back.refresh_from_db()
    assert (episode.status, back.status, back.done_on) == (S.ACTIVE, "done", d(2022, 8, 9))

    # --- 12 days away without a report: the scan marks what fell due, staff confirm the exit --
    cal.until(d(2022, 10, 2))
    assert obligations_scan(d(2022, 10, 15)) == (2, 2)  # the talk of 11 and the test of 14 October
    away = absences.absence_unreported_record(
        actor=station1,
        episode=episode,
        leaves_on=d(2022, 10, 3),
        returned_on=d(2022, 10, 15),
        destination="不详",
    )
    breaches.breach_confirm(
        actor=station1,
        episode=episode,
        kind=Breach.Kind.UNAUTHORISED_EXIT,
        occurred_on=d(2022, 10, 3),
        days=12,
        absence=away,
        response=Breach.Response.WARNING,
        warning_number="城戒告〔2022〕07号",
        description="未书面报告离开县境12日",
    )
    counters = breaches.breach_counters(episode)
    assert (counters.tests, counters.exits, counters.exit_days, counters.serious) == (2, 1, 12, False)
    assert not episode.handovers.exists()  # not serious: no hand-over to the police

    # --- transfer to 和平镇 (art 22) ----------------------------------------------------------
    cal.until(d(2023, 1, 4))
    transfer = transfers.transfer_request(
        actor=station1, episode=episode, to_township=w["t2"], reason="搬至和平镇居住", on=d(2023, 1, 5)
    )
    assert transfer.status == Transfer.Status.REQUESTED
    station2 = w["work_station2_user"]
    steps.transfer_accept(station2, transfer, w["c2"], d(2023, 1, 9))
    episode.refresh_from_db()
    transfer.refresh_from_db()
    assert (episode.status, episode.township_id, episode.community_id) == (
        S.TRANSFER_PENDING,
        w["t2"].pk,
        w["c2"].pk,
    )
    assert transfer.report_deadline == d(2023, 1, 24)
    report_due = Obligation.objects.get(episode=episode, kind="transfer_in")
    assert (report_due.status, report_due.due_by) == ("pending", d(2023, 1, 24))
    # The grants follow the file: the old station no longer sees the person, the new one does;
    # the transfer stays in both stations' history.
    assert not selectors.visible_persons(station1).filter(pk=episode.person_id).exists()
    assert selectors.visible_persons(station2).filter(pk=episode.person_id).exists()
    assert transfer in transfers.transfers_of_township(station1)
    assert transfer in transfers.transfers_of_township(station2)
    cal.station = station2
    cal.until(d(2023, 1, 19))
    steps.transfer_report(station2, transfer, d(2023, 1, 20))
    steps.transfer_agreement(station2, transfer, d(2023, 1, 20))
    episode.refresh_from_db()
    report_due.refresh_from_db()
    assert (episode.status, report_due.status, episode.agreements.count()) == (S.ACTIVE, "done", 2)
    assert (episode.start_date, episode.expected_end_date) == (d(2022, 3, 11), d(2025, 3, 10))  # runs on
    assert set(
        Obligation.objects.filter(episode=episode, status="pending").values_list("township_id", flat=True)
    ) == {w["t2"].pk}
    # The new help team (the old agencies' members ended the day before acceptance; the family stays).
    steps.transfer_team(station2, transfer, d(2023, 1, 20), community=w["sw2_user"], police=w["police2_user"])
    team = {
        (m.role.code, m.user_id, m.start_date, m.end_date)
        for m in episode.team.select_related("role").exclude(role__code="family")
    }
    assert (("community", w["sw2_user"].pk, d(2023, 1, 20), None) in team) and (
        ("police", w["police2_user"].pk, d(2023, 1, 20), None) in team
    )
    assert all(end == d(2023, 1, 8) for code, user, start, end in team if start < d(2023, 1, 9))
    assert episode.team.filter(role__code="family", end_date__isnull=True).count() == 1
    assert selectors.visible_persons(w["sw2_user"]).filter(pk=episode.person_id).exists()
    assert not selectors.visible_persons(w["sw1_user"]).filter(pk=episode.person_id).exists()

    # --- detained for 40 days (art 24): the clock pauses -------------------------------------
    cal.until(d(2023, 5, 31))
    suspension = suspensions.suspension_start(
        actor=station2,
        episode=episode,
        reason=Suspension.Reason.DETENTION,
        starts_on=d(2023, 6, 1),
        place="和平县拘留所",
    )
    episode.refresh_from_db()
    assert episode.status == S.SUSPENDED and suspension.pauses_clock
    assert obligations_scan(d(2023, 7, 10)) == (0, 0)  # nothing of a suspended episode falls overdue
    suspensions.suspension_end(actor=station2, suspension=suspension, ends_on=d(2023, 7, 11))
    episode.refresh_from_db()
    assert (episode.status, episode.paused_days, episode.expected_end_date) == (S.ACTIVE, 40, d(2025, 4, 19))

    # --- detox certification after a year of negative tests (rules.md §3.1) ------------------
    cal.until(d(2024, 6, 2))
    check = certification.certification_check(episode, d(2024, 6, 3))
    assert check.met
    proposal = certification.certification_propose(
        actor=station2, episode=episode, summary="近十二个月检测均为阴性", on=d(2024, 6, 3)
    )
    steps.certification_decide(w["sup2_user"], proposal, True, d(2024, 6, 5), number="和禁认〔2024〕3号")
    assert steps.certified_on(episode) == d(2024, 6, 5)

    # --- completion: the file 30 days before the end, the police's notice after it (art 23) ---
    cal.until(d(2025, 3, 19))
    assert completion.completions_open(d(2025, 3, 19)) == 0  # 31 days before the end: not yet
    assert completion.completions_open(d(2025, 3, 20)) == 1
    assert completion.completions_open(d(2025, 3, 21)) == 0  # never twice
    closing = Obligation.objects.get(episode=episode, kind="closing_file")
    release = Obligation.objects.get(episode=episode, kind="release")
    assert (closing.due_by, release.due_by) == (d(2025, 4, 19), d(2025, 4, 26))
    cal.until(d(2025, 4, 19))
    steps.completion_prepare(station2, episode, d(2025, 4, 1))
    steps.completion_notice(
        w["police2_user"],
        episode,
        number="和公(禁)解字〔2025〕12号",
        issued_on=d(2025, 4, 21),
        served_person_on=d(2025, 4, 21),
        served_family_on=d(2025, 4, 22),
        township_notified_on=d(2025, 4, 23),
    )
    episode.refresh_from_db()
    release.refresh_from_db()
    assert (episode.status, episode.closed_on, episode.closed_reason) == (
        S.COMPLETED,
        d(2025, 4, 19),
        "completed",
    )
    assert release.status == "done"

    # --- the tables ------------------------------------------------------------------------
    tests = list(
        Obligation.objects.filter(episode=episode, kind="drug_test")
        .order_by("sequence")
        .values_list("due_by", "done_on")
    )
    assert tests == TESTS
    talks = list(
        Obligation.objects.filter(episode=episode, kind="talk")
        .order_by("sequence")
        .values_list("due_by", flat=True)
    )
    assert talks == TALKS
    statuses = {
        kind: sorted(
            set(Obligation.objects.filter(episode=episode, kind=kind).values_list("status", flat=True))
        )
        for kind in ("drug_test", "talk")
    }
    assert statuses == {"drug_test": ["done", "excused"], "talk": ["done", "excused"]}
    assert not Obligation.objects.filter(episode=episode, status__in=["pending", "overdue"]).exists()
    moves = [
        (e.data.get("previous"), e.data.get("status"))
        for e in episode.events.filter(kind="status_changed").order_by("at", "id")
    ]
    assert moves == [
        ("decided", "reported"),
        ("reported", "active"),
        ("active", "out_of_county"),
        ("out_of_county", "active"),
        ("active", "transfer_pending"),
        ("transfer_pending", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "completed"),
    ]
    counters = breaches.breach_counters(episode)
    assert (counters.tests, counters.exits, counters.exit_days, counters.serious) == (2, 1, 12, False)

    # --- follow-up: 3 years from the start of execution, not excluded (rules.md §1.12) -------
    assert completion.three_years_on(episode) == d(2025, 3, 11)
    assert completion.follow_up_status(episode, d(2025, 4, 30)) == "three_years_clean"
