"""Detox certification (脱毒认定, rules.md §3.1) end to end through the test client.

The work station proposes when the region's criteria are met; the 禁毒办 over the township
approves (certificate number, date) or returns it; the approval date is recorded and printed.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.errors import RecordRefused
from casework.models import CaseEvent, Certification, DrugTest, Episode, HandOver, Obligation, Staff
from permissions.models import AccessLog
from tests import factories as f
from tests.steps import certification_decide, certified_on
from workflows.branches.certification import certification_check, certification_propose, months_under_measure
from workflows.flows import CertificationFlow

pytestmark = pytest.mark.django_db


def certifiable(world, *, months=13, results=("negative",) * 6, community="c1"):
    """Return (person, episode): under measure for `months`, with scheduled tests of `results`
    (oldest first), one a month up to last week."""
    today = timezone.localdate()
    start = today - timedelta(days=round(months * 30.5))
    person = f.person_with_episode(world[community], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(start_date=start, reported_on=start)
    episode.refresh_from_db()
    for i, result in enumerate(results):
        tested_on = today - timedelta(days=7 + 30 * (len(results) - 1 - i))
        obligation = Obligation.objects.create(
            episode=episode,
            person=person,
            kind="drug_test",
            sequence=i + 1,
            programme_year=1,
            due_from=tested_on - timedelta(days=10),
            due_by=tested_on,
            township=episode.township,
            status="done",
            done_on=tested_on,
        )
        DrugTest.objects.create(
            episode=episode,
            person=person,
            obligation=obligation,
            tested_on=tested_on,
            place="工作站",
            result=result,
            substances="甲基苯丙胺" if result == "positive" else "",
            collector_1="甲",
            collector_1_sex="M",
            collector_2="乙",
            collector_2_sex="M",
            recorded_by=world["work_station1_user"],
        )
    return person, episode


def approve_task(certification):
    tasks = [
        t
        for t in Task.objects.filter(status__in=["NEW", "ASSIGNED"])
        if t.flow_task == CertificationFlow.approve
        and t.process.data.get("certification_id") == certification.pk
    ]
    assert len(tasks) == 1
    return tasks[0]


def propose(client, world, episode, summary="执行期间表现良好，按时接受检测。"):
    client.force_login(world["work_station1_user"])
    return client.post(
        reverse("certification", args=[episode.pk]),
        {"proposed_on": timezone.localdate().isoformat(), "summary": summary},
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_certification_approved_prints_the_certificate_and_starts_the_three_year_count(client, world):
    """Criteria met (12 months, last 6 scheduled tests negative, no open breach) -> proposal by the
    work station -> approval by the township 禁毒办; the certificate is an A4 page with the person's
    data and the approval date (rules.md §3.1)."""
    person, episode = certifiable(world)
    today = timezone.localdate()
    client.force_login(world["work_station1_user"])
    page = client.get(reverse("certification", args=[episode.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("符合") >= 3 and "不符合" not in page.content.decode()

    assert propose(client, world, episode).status_code == 302
    certification = Certification.objects.get(episode=episode)
    assert certification.status == Certification.Status.PROPOSED
    assert certification.proposed_on == today
    assert certification.criteria["met"] is True
    assert [c["code"] for c in certification.criteria["criteria"]] == ["months", "tests", "no_open_breach"]
    assert certification.criteria["criteria"][1]["negative"] == 6

    # The supervisor holds no grant, yet finds the step in "my tasks" by region.
    supervisor = world["sup1_user"]
    client.force_login(supervisor)
    tasks_page = client.get(reverse("my_tasks")).content.decode()
    task = approve_task(certification)
    assert reverse("task_page", args=[task.pk]) in tasks_page
    assert "审批脱毒认定" in client.get(reverse("person_support", args=[person.pk])).content.decode()
    form = client.get(reverse("task_page", args=[task.pk]))
    assert form.status_code == 200
    assert "执行期间表现良好" in form.content.decode()
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "approve", "decided_on": today.isoformat(), "certificate_number": "城脱认〔2026〕1号"},
    )
    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.status == Certification.Status.APPROVED
    assert certification.decided_by == supervisor
    assert certification.decided_on == today
    assert certification.certificate_number == "城脱认〔2026〕1号"
    assert certified_on(episode) == today
    task.refresh_from_db()
    assert task.status == "DONE"
    assert list(
        CaseEvent.objects.filter(episode=episode, kind__startswith="certification").values_list(
            "kind", flat=True
        )
    ) == ["certification_approved", "certification_proposed"]
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE  # certification changes no status

    client.force_login(world["work_station1_user"])
    detail = client.get(reverse("person_support", args=[person.pk])).content.decode()
    assert reverse("certificate_print", args=[certification.pk]) in detail
    sheet = client.get(reverse("certificate_print", args=[certification.pk]))
    assert sheet.status_code == 200
    html = sheet.content.decode()
    for text in (
        person.name,
        person.id_number_masked,
        "城脱认〔2026〕1号",
        "脱毒认定证明",
        episode.decision_number,
    ):
        assert text in html
    assert person.id_number not in html
    # The print is access-logged (architecture.md: every read of a person's record writes a row).
    log = AccessLog.objects.filter(person_id=person.pk, action=AccessLog.Action.PRINT).get()
    assert (log.user, log.record_types) == (world["work_station1_user"], "certification")

    # A party that does not see the person gets 404; so does a supervisor of another township.
    for outsider in ("police2_user", "sup2_user", "work_station2_user"):
        client.force_login(world[outsider])
        assert client.get(reverse("certificate_print", args=[certification.pk])).status_code == 404
        assert client.get(reverse("certification", args=[episode.pk])).status_code == 404


def test_supervisor_returns_the_proposal_with_a_reason_and_the_station_may_propose_again(client, world):
    """The supervisor returns a proposal with a reason: nothing is certified, and a new proposal
    may follow (rules.md §3.1)."""
    _person, episode = certifiable(world)
    today = timezone.localdate()
    propose(client, world, episode)
    certification = Certification.objects.get(episode=episode)
    task = approve_task(certification)
    client.force_login(world["county_sup_user"])  # the county office covers the township too
    missing_reason = client.post(
        reverse("task_page", args=[task.pk]), {"decision": "return", "decided_on": today.isoformat()}
    )
    assert missing_reason.status_code == 200
    certification.refresh_from_db()
    assert certification.status == Certification.Status.PROPOSED
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "return", "decided_on": today.isoformat(), "note": "小结过于简单，请补充帮扶情况"},
    )
    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.status == Certification.Status.RETURNED
    assert certification.decision_note == "小结过于简单，请补充帮扶情况"
    assert certification.decided_on == today
    assert certified_on(episode) is None
    assert CaseEvent.objects.filter(episode=episode, kind="certification_returned").count() == 1
    client.force_login(world["work_station1_user"])
    assert client.get(reverse("certificate_print", args=[certification.pk])).status_code == 404
    assert propose(client, world, episode, "补充：参加职业培训一期。").status_code == 302
    assert Certification.objects.filter(episode=episode, status="proposed").count() == 1


def test_criteria_not_met_are_refused_with_the_reason_and_nothing_saved(client, world):
    """Fewer than 12 months under measure, fewer than 6 scheduled tests, a positive test in the
    window, or an open hand-over to the police: no proposal (rules.md §3.1; 戒毒条例 arts 20-21)."""
    today = timezone.localdate()
    young = certifiable(world, months=8)[1]
    response = propose(client, world, young)
    assert response.status_code == 200
    assert any("不符合脱毒认定条件" in m and "执行满12个月" in m for m in messages_of(response))

    positive = certifiable(
        world, results=("negative", "negative", "positive", "negative", "negative", "negative")
    )[1]
    response = propose(client, world, positive)
    assert response.status_code == 200
    assert "认定期间内有阳性检测结果，不能认定脱毒。" in messages_of(response)
    check = certification_check(positive, today)
    assert not check.met and check.positive_in_window
    assert check.criteria[1].figures["negative"] == 5

    few = certifiable(world, results=("negative",) * 4)[1]
    check = certification_check(few, today)
    assert [c.met for c in check.criteria] == [True, False, True]

    handed_over = certifiable(world)[1]
    HandOver.objects.create(
        episode=handed_over,
        reason=HandOver.Reason.SERIOUS_BREACH,
        prepared_on=today - timedelta(days=2),
        documents="严重违反协议证明",
        prepared_by=world["work_station1_user"],
    )
    response = propose(client, world, handed_over)
    assert any("无未处理的违反协议情形" in m for m in messages_of(response))

    assert not Certification.objects.exists()
    assert not CaseEvent.objects.filter(kind__startswith="certification").exists()
    assert not Task.objects.filter(process__flow_class=CertificationFlow).exists()


def test_regional_settings_change_the_criteria(world):
    """A region sets its own criteria (certification_min_months, certification_negative_tests)."""
    _person, episode = certifiable(world, months=7, results=("negative",) * 3)
    today = timezone.localdate()
    assert not certification_check(episode, today).met
    world["t1"].certification_min_months = 6
    world["t1"].certification_negative_tests = 3
    world["t1"].save()
    episode.refresh_from_db()
    assert certification_check(episode, today).met


def test_paused_days_do_not_count_as_time_under_measure():
    """Days suspended (中止, 戒毒条例 art 24) are taken off the time under measure."""
    episode = Episode(start_date=date(2025, 1, 10), paused_days=0)
    assert months_under_measure(episode, date(2026, 1, 9)) == 11
    assert months_under_measure(episode, date(2026, 1, 10)) == 12
    episode.paused_days = 40
    assert months_under_measure(episode, date(2026, 1, 10)) == 10
    assert months_under_measure(episode, date(2026, 2, 19)) == 12


def test_certifying_twice_and_deciding_twice_are_refused(client, world):
    """One live certification per episode: a second proposal and a second decision change nothing."""
    _person, episode = certifiable(world)
    today = timezone.localdate()
    certification = certification_propose(
        actor=world["work_station1_user"], episode=episode, summary="小结", on=today
    )
    response = propose(client, world, episode)
    assert "该人员已有待审批或已认定的脱毒认定，不能重复提请。" in messages_of(response)
    certification_decide(world["sup1_user"], certification, True, today, number="N-1")
    with pytest.raises(RecordRefused):
        certification_decide(world["county_sup_user"], certification, False, today, note="再审")
    with pytest.raises(RecordRefused, match="不能重复提请"):
        certification_propose(actor=world["work_station1_user"], episode=episode, summary="再次", on=today)
    certification.refresh_from_db()
    assert certification.status == "approved" and certification.decided_by == world["sup1_user"]
    assert Certification.objects.filter(episode=episode).count() == 1


def test_the_proposer_cannot_approve_their_own_proposal(client, world):
    """Approving one's own proposal is refused with a clear message and nothing changes (four eyes)."""
    _person, episode = certifiable(world)
    proposer = world["work_station1_user"]
    propose(client, world, episode)
    certification = Certification.objects.get(episode=episode)
    task = approve_task(certification)
    # The proposer moves to the township's 禁毒办 and opens the approval.
    Staff.objects.filter(user=proposer).update(agency=world["sup1"], role=Staff.Role.HEAD)
    proposer.refresh_from_db()
    client.force_login(proposer)
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {"decision": "approve", "decided_on": timezone.localdate().isoformat(), "certificate_number": "N-9"},
    )
    assert response.status_code == 200
    assert "不能审批本人提请的脱毒认定。" in messages_of(response)
    certification.refresh_from_db()
    task.refresh_from_db()
    assert certification.status == "proposed" and certification.certificate_number == ""
    assert task.status == "NEW" and task.owner_id is None
    assert not CaseEvent.objects.filter(kind="certification_approved").exists()


def test_a_positive_test_after_the_proposal_refuses_approval(world):
    """A positive test between proposal and decision: the supervisor cannot certify (rules.md §3.1)."""
    person, episode = certifiable(world)
    today = timezone.localdate()
    certification = certification_propose(
        actor=world["work_station1_user"], episode=episode, summary="小结", on=today - timedelta(days=3)
    )
    DrugTest.objects.create(
        episode=episode,
        person=person,
        tested_on=today - timedelta(days=1),
        place="派出所",
        result="positive",
        substances="海洛因",
        ad_hoc=True,
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
        recorded_by=world["police1_user"],
    )
    with pytest.raises(RecordRefused, match="阳性"):
        certification_decide(world["sup1_user"], certification, True, today, number="N-2")
    certification.refresh_from_db()
    assert certification.status == "proposed"


def test_parties_without_the_right_get_404(client, world):
    """Only the work station proposes; only the 禁毒办 over the township decides; others get 404."""
    _person, episode = certifiable(world)
    propose(client, world, episode)
    task = approve_task(Certification.objects.get(episode=episode))
    for username in ("police1_user", "civil_affairs1_user", "sup1_user"):
        client.force_login(world[username])
        assert client.get(reverse("certification", args=[episode.pk])).status_code == 404
    for username in ("police1_user", "work_station1_user", "sup2_user", "police2_user"):
        client.force_login(world[username])
        assert client.get(reverse("task_page", args=[task.pk])).status_code == 404
    task.refresh_from_db()
    assert task.status == "NEW"


def test_supervisor_my_tasks_query_count_does_not_grow_with_proposals(client, world):
    """My tasks for a supervisor costs the same for 1 and for 6 proposals awaiting approval."""
    client.force_login(world["sup1_user"])

    def measure():
        client.get(reverse("my_tasks"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("my_tasks"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["rows"])

    today = timezone.localdate()
    certification_propose(
        actor=world["work_station1_user"], episode=certifiable(world)[1], summary="小结", on=today
    )
    small, rows_small = measure()
    for _ in range(5):
        certification_propose(
            actor=world["work_station1_user"], episode=certifiable(world)[1], summary="小结", on=today
        )
    large, rows_large = measure()
    assert (rows_small, rows_large) == (1, 6)
    assert small == large, (small, large)
