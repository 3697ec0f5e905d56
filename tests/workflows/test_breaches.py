"""Breaches, the serious-breach counter and the hand-over to the police, end to end through the client."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from casework.errors import RecordRefused
from casework.models import Breach, DrugTest, Episode, HandOver, Obligation
from obligations.services import obligations_open_first, obligations_scan
from oversight.audit import overdue_rows, with_days
from permissions.models import AccessLog
from tests import factories as f
from workflows.branches.breaches import breach_confirm, breach_counters
from workflows.branches.records import drug_test_record

pytestmark = pytest.mark.django_db


def active_person(world, days_ago=60):
    """A person whose 社区戒毒 started `days_ago` days ago, with the first obligations open."""
    start = timezone.localdate() - timedelta(days=days_ago)
    person = f.person_with_episode(world["c1"], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(start_date=start, reported_on=start)
    episode.refresh_from_db()
    obligations_open_first(episode)
    return person, episode


def record_test(world, episode, result, days_ago=0, **extra):
    fields = {
        "tested_on": timezone.localdate() - timedelta(days=days_ago),
        "place": "派出所",
        "result": result,
        "collector_1": "甲",
        "collector_1_sex": "F",
        "collector_2": "乙",
        "collector_2_sex": "F",
        **extra,
    }
    return drug_test_record(actor=world["police1_user"], episode=episode, **fields)


def open_task(episode, name):
    tasks = [
        t
        for t in Task.objects.filter(process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED"])
        if t.flow_task.name == name
    ]
    assert len(tasks) == 1, [(t.flow_task.name, t.status) for t in Task.objects.all()]
    return tasks[0]


def post(client, user, url, data, status=302):
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def confirm_test(client, world, person, test, status=302, **data):
    return post(
        client,
        world["work_station1_user"],
        reverse("breach_confirm", args=[person.pk]),
        {
            "kind": Breach.Kind.TEST_REFUSED if test.result == "refused" else Breach.Kind.TEST_EVADED,
            "drug_test": test.pk,
            "response": "education",
            "description": "经核实，无正当理由",
            **data,
        },
        status=status,
    )


def snapshot(episode):
    episode.refresh_from_db()
    return (
        episode.status,
        Breach.objects.count(),
        HandOver.objects.count(),
        Obligation.objects.filter(episode=episode).count(),
        episode.events.count(),
    )


def test_an_ordinary_breach_is_counted_only_when_confirmed_and_gets_education(client, world):
    """禁毒法 art 35 para 2: an ordinary breach gets criticism and education; 戒毒条例 art 20 counts
    evaded or refused tests only as staff confirm them, never from a missed due date alone."""
    person, episode = active_person(world)
    due = Obligation.objects.get(episode=episode, kind="drug_test")
    Obligation.objects.filter(pk=due.pk).update(due_by=timezone.localdate() - timedelta(days=3))
    obligations_scan(timezone.localdate())
    assert breach_counters(episode).tests == 0  # overdue is not a breach
    refused = record_test(world, episode, "refused")
    review = open_task(episode, "review")  # the follow-up of the abnormal test
    post(
        client,
        world["work_station1_user"],
        reverse("task_page", args=[review.pk]),
        {"action": "confirm_breach", "note": "拒绝采样，已批评教育"},
    )
    breach = Breach.objects.get()
    assert (breach.kind, breach.drug_test, breach.occurred_on, breach.response, breach.days) == (
        "test_refused",
        refused,
        refused.tested_on,
        "education",
        0,
    )
    counters = breach_counters(episode)
    assert (counters.tests, counters.exits, counters.exit_days, counters.serious) == (1, 0, 0, False)
    episode.refresh_from_db()
    assert episode.status == Episode.Status.ACTIVE
    assert not Obligation.objects.filter(kind="handover").exists()
    assert list(
        episode.events.filter(kind__in=["breach_confirmed", "follow_up"])
        .order_by("id")
        .values_list("kind", flat=True)
    ) == [
        "breach_confirmed",
        "follow_up",
    ]
    # The same test cannot be confirmed twice: refused by the service, not offered by the form.
    before = snapshot(episode)
    with pytest.raises(RecordRefused, match="不能重复确认"):
        breach_confirm(
            actor=world["work_station1_user"],
            episode=episode,
            kind="test_refused",
            drug_test=refused,
            description="再次确认",
        )
    response = confirm_test(client, world, person, refused, status=200)
    assert "drug_test" in response.context["form"].errors
    assert snapshot(episode) == before
    # The counter shows on the person's page for parties that read violations.
    client.force_login(world["judicial1_user"])
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "违反协议计数" in page
    # Parties without the right: a township they do not serve, or a party that may not write.
    for username in ("work_station2_user", "human_resources1_user"):
        client.force_login(world[username])
        assert client.get(reverse("person_breaches", args=[person.pk])).status_code == 404
    for username in ("police1_user", "judicial1_user", "work_station2_user"):
        client.force_login(world[username])
        url = reverse("breach_confirm", args=[person.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"kind": "agreement", "occurred_on": timezone.localdate()}).status_code == 404
    assert snapshot(episode) == before


def test_a_warning_needs_its_number_and_the_form_says_so(client, world):
    """A 告诫书 is local practice (rules.md §2.3): when it is given, its number is recorded."""
    person, episode = active_person(world)
    test = record_test(world, episode, "evaded")
    before = snapshot(episode)
    response = confirm_test(client, world, person, test, response="warning", status=200)
    assert "告诫书编号" in str(response.context["form"].errors)
    assert snapshot(episode) == before
    confirm_test(client, world, person, test, response="warning", warning_number="告字〔2026〕7号")
    breach = Breach.objects.get()
    assert (breach.kind, breach.response, breach.warning_number) == (
        "test_evaded",
        "warning",
        "告字〔2026〕7号",
    )


def test_third_refused_test_is_a_serious_breach_handed_over_and_police_decide_compulsory(client, world):
    """戒毒条例 art 20: tests evaded or refused 3 times is a serious breach; art 21: the work station
    reports it the same day; 禁毒法 art 38 para 1(3): the police decide 强制隔离戒毒, which ends the episode."""
    person, episode = active_person(world)
    tests = [record_test(world, episode, "refused", days_ago=d) for d in (20, 10, 0)]
    confirm_test(client, world, person, tests[0])
    confirm_test(client, world, person, tests[1])
    assert not Obligation.objects.filter(kind="handover").exists()
    response = confirm_test(client, world, person, tests[2])
    client.get(response.url)
    third = Breach.objects.get(drug_test=tests[2])
    assert third.response == Breach.Response.HANDOVER
    counters = breach_counters(episode)
    assert (counters.tests, counters.criteria) == (3, ("tests",))
    today = timezone.localdate()
    deadline = Obligation.objects.get(episode=episode, kind="handover")
    assert (deadline.status, deadline.due_from, deadline.due_by) == ("pending", today, today)
    kinds = list(episode.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-3:] == ["breach_confirmed", "serious_breach", "handover_due"]

    prepare = open_task(episode, "prepare")
    # The 违规与外出 tab offers the hand-over step to the station, not to the police (yet).
    step_link = reverse("task_page", args=[prepare.pk])
    assert step_link in client.get(reverse("person_breaches", args=[person.pk])).content.decode()
    client.force_login(world["police1_user"])
    assert step_link not in client.get(reverse("person_breaches", args=[person.pk])).content.decode()
    for username in ("police1_user", "judicial1_user", "work_station2_user"):
        client.force_login(world[username])
        assert client.get(reverse("task_page", args=[prepare.pk])).status_code == 404
    before = snapshot(episode)
    # Bad input: the package lacks the certificate of serious breach.
    post(
        client,
        world["work_station1_user"],
        reverse("task_page", args=[prepare.pk]),
        {"prepared_on": today.isoformat(), "documents": ["移交回执"]},
        status=200,
    )
    assert snapshot(episode) == before
    post(
        client,
        world["work_station1_user"],
        reverse("task_page", args=[prepare.pk]),
        {"prepared_on": today.isoformat(), "documents": ["严重违反协议证明", "告诫书", "移交回执"]},
    )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.VIOLATION_REPORTED
    handover = HandOver.objects.get()
    assert (handover.reason, handover.prepared_on, handover.documents) == (
        "serious_breach",
        today,
        "严重违反协议证明、告诫书、移交回执",
    )
    deadline.refresh_from_db()
    assert (deadline.status, deadline.done_on) == ("done", today)

    receive = open_task(episode, "receive")
    client.force_login(world["work_station1_user"])
    assert client.get(reverse("task_page", args=[receive.pk])).status_code == 404
    decision = {
        "received_on": today.isoformat(),
        "receipt_number": "回执2026-001",
        "decision": "compulsory",
        "decided_on": today.isoformat(),
        "decision_number": "城公(禁)强戒字〔2026〕3号",
        "decision_reason": "严重违反社区戒毒协议",
    }
    post(client, world["police1_user"], reverse("task_page", args=[receive.pk]), decision)
    episode.refresh_from_db()
    assert (episode.status, episode.closed_on, episode.closed_reason, episode.closed_documents) == (
        "compulsory",
        today,
        "compulsory",
        "城公(禁)强戒字〔2026〕3号",
    )
    handover.refresh_from_db()
    assert (handover.received_on, handover.receipt_number, handover.decision, handover.received_by) == (
        today,
        "回执2026-001",
        "compulsory",
        world["police1_user"],
    )
    assert not Obligation.objects.filter(episode=episode, status__in=["pending", "overdue"]).exists()
    assert not Task.objects.filter(
        process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED"]
    ).exists()
    # A decision recorded twice: the step is done; nothing changes.
    before = snapshot(episode)
    client.force_login(world["police1_user"])
    response = client.post(
        reverse("task_page", args=[receive.pk]), {**decision, "decision": "continue"}, follow=True
    )
    assert "已经办结" in response.content.decode()
    assert snapshot(episode) == before
    handover.refresh_from_db()
    assert handover.decision == "compulsory"


def test_handover_print_shows_the_package_masked_as_the_viewer_may_read(client, world):
    """The hand-over package (严重违反协议证明 and 移交回执, rules.md §1.7) prints as an A4 page."""
    person, episode = active_person(world)
    for d in (20, 10, 0):
        breach_confirm(
            actor=world["work_station1_user"],
            episode=episode,
            kind="test_refused",
            drug_test=record_test(world, episode, "refused", days_ago=d),
            description="拒绝检测",
        )
    from workflows.engine import step_run
    from workflows.flows import BreachHandOverFlow

    step_run(
        world["work_station1_user"],
        BreachHandOverFlow,
        "prepare",
        episode,
        {"prepared_on": timezone.localdate(), "documents": ["严重违反协议证明", "移交回执"]},
    )
    handover = HandOver.objects.get()
    url = reverse("handover_print", args=[handover.pk])
    client.force_login(world["police1_user"])  # the police read identifiers
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    # session, user, staff post, hand-over (with episode, regions, users), person, grants on the
    # person, access-log insert, counter, breaches (the positive test is read for a relapse only)
    assert len(ctx.captured_queries) == 9
    # The print is access-logged with what it showed: masked numbers until a reason is given.
    log = AccessLog.objects.filter(person=person, action=AccessLog.Action.PRINT).latest("id")
    assert (log.user, log.record_types, log.reason, log.path) == (
        world["police1_user"],
        "identity,violation",
        "",
        url,
    )
    text = page.content.decode()
    assert "严重违反社区戒毒协议证明" in text and "移交回执" in text and "逃避或者拒绝接受检测3次" in text
    assert person.id_number not in text and person.id_number_masked in text and "打印完整号码" in text
    # The police read identifiers: with a reason the package prints them in full, logged with it.
    text = client.post(url, {"reason": "移交派出所办理强戒"}).content.decode()
    assert person.id_number in text and person.phone in text and "打印完整号码" not in text
    log = AccessLog.objects.filter(person=person, action=AccessLog.Action.PRINT).latest("id")
    assert (log.record_types, log.reason) == ("identifiers,identity,violation", "移交派出所办理强戒")
    client.force_login(world["judicial1_user"])  # violations, but not identifiers
    text = client.get(url).content.decode()
    assert person.id_number not in text and person.id_number_masked in text
    log = AccessLog.objects.filter(person=person, action=AccessLog.Action.PRINT).latest("id")
    assert (log.user, log.record_types) == (world["judicial1_user"], "identity,violation")
    printed = AccessLog.objects.filter(action=AccessLog.Action.PRINT).count()
    for username in ("human_resources1_user", "work_station2_user"):
        client.force_login(world[username])
        assert client.get(url).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.PRINT).count() == printed  # a 404 logs nothing


def test_a_positive_test_is_a_relapse_handed_over_and_police_let_the_measure_continue(client, world):
    """戒毒条例 art 21 and 禁毒法 art 35: drug use during the measure is reported to the police at once;
    the police may let it continue with the reason instead of deciding 强制隔离戒毒 (禁毒法 art 38)."""
    person, episode = active_person(world)
    today = timezone.localdate()
    client.force_login(world["police1_user"])
    response = client.post(
        reverse("drug_test_new", args=[person.pk]),
        {
            "tested_on": today.isoformat(),
            "place": "派出所",
            "sample_type": "urine",
            "method": "lab",
            "result": "positive",
            "substances": "甲基苯丙胺",
            "collector_1": "甲",
            "collector_1_sex": "F",
            "collector_2": "乙",
            "collector_2_sex": "F",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DrugTest.objects.get().result == "positive"
    names = [t.flow_task.name for t in Task.objects.filter(process__artifact_object_id=episode.pk)]
    assert "review" not in names  # no follow-up: a relapse goes straight to the hand-over
    deadline = Obligation.objects.get(episode=episode, kind="handover")
    assert deadline.due_by == today
    prepare = open_task(episode, "prepare")
    before = snapshot(episode)
    post(
        client,
        world["work_station1_user"],
        reverse("task_page", args=[prepare.pk]),
        {"prepared_on": today.isoformat(), "documents": ["严重违反协议证明", "移交回执"]},
        status=200,
    )  # a relapse needs the test report (or a statement of use)
    assert snapshot(episode) == before
    post(
        client,
        world["work_station1_user"],
        reverse("task_page", args=[prepare.pk]),
        {"prepared_on": today.isoformat(), "documents": ["检测报告", "移交回执"]},
    )
    episode.refresh_from_db()
    assert episode.status == Episode.Status.VIOLATION_REPORTED
    receive = open_task(episode, "receive")
    # Bad input: continuing needs no decision number, but the decision cannot precede receipt.
    post(
        client,
        world["police1_user"],
        reverse("task_page", args=[receive.pk]),
        {
            "received_on": today.isoformat(),
            "receipt_number": "回执-9",
            "decision": "continue",
            "decided_on": (today - timedelta(days=1)).isoformat(),
            "decision_reason": "初次复吸，主动承认",
        },
        status=200,
    )
    post(
        client,
        world["police1_user"],
        reverse("task_page", args=[receive.pk]),
        {
            "received_on": today.isoformat(),
            "receipt_number": "回执-9",
            "decision": "continue",
            "decided_on": today.isoformat(),
            "decision_reason": "初次复吸，主动承认",
        },
    )
    episode.refresh_from_db()
    assert (episode.status, episode.closed_on, episode.closed_reason) == ("active", None, "")
    handover = HandOver.objects.get()
    assert (handover.reason, handover.decision, handover.decision_reason) == (
        "relapse",
        "continue",
        "初次复吸，主动承认",
    )
    messages = list(episode.events.order_by("id").values_list("kind", flat=True))
    assert messages[-6:] == [
        "drug_test",
        "handover_due",
        "status_changed",
        "handover",
        "status_changed",
        "police_continue",
    ]
    assert "继续执行" in episode.events.order_by("-id").first().message
    # The printed package for a relapse carries the test.
    client.force_login(world["work_station1_user"])
    text = client.get(reverse("handover_print", args=[handover.pk])).content.decode()
    assert "期间吸毒情况报告" in text and "甲基苯丙胺" in text


def test_a_late_handover_shows_on_the_supervisors_overdue_list(world):
    """戒毒条例 art 21 / rules.md §8 rule 5: the package is due the same day; a day later it is overdue."""
    person, episode = active_person(world)
    record_test(world, episode, "positive", days_ago=1, substances="海洛因", method="lab")
    deadline = Obligation.objects.get(episode=episode, kind="handover")
    Obligation.objects.filter(pk=deadline.pk).update(
        due_from=deadline.due_by - timedelta(days=1), due_by=deadline.due_by - timedelta(days=1)
    )
    obligations_scan(timezone.localdate())
    deadline.refresh_from_db()
    assert deadline.status == "overdue"
    rows = with_days(overdue_rows(world["sup1_user"], timezone.localdate()), timezone.localdate())
    handover_rows = [r for r in rows if r["person_id"] == person.pk and r["kind"] == "handover_due"]
    assert len(handover_rows) == 1
    assert (handover_rows[0]["kind_label"], handover_rows[0]["days"]) == ("移交公安逾期", 1)
    assert overdue_rows(world["sup2_user"], timezone.localdate()).count() == 0


def test_region_sets_the_handover_period(world):
    """The hand-over period is configurable per region (handover_days; default the same day)."""
    world["t1"].handover_days = 2
    world["t1"].save()
    person, episode = active_person(world)
    record_test(world, episode, "positive", substances="海洛因", method="lab")
    deadline = Obligation.objects.get(episode=episode, kind="handover")
    assert deadline.due_by == timezone.localdate() + timedelta(days=2)


def test_breach_page_query_count_is_flat(client, world):
    person, episode = active_person(world)

    def count():
        client.get(reverse("person_breaches", args=[person.pk]))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("person_breaches", args=[person.pk]))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.force_login(world["work_station1_user"])
    small = count()
    for d in range(6):
        breach_confirm(
            actor=world["work_station1_user"],
            episode=episode,
            kind="agreement",
            occurred_on=timezone.localdate() - timedelta(days=d),
            description="未按约定参加辅导",
        )
    large = count()
    # session, user, staff post, person, grants on the person, access-log insert,
    # episodes with counters, open hand-over steps, breaches, hand-overs, absences
    assert small == large == 11


def test_confirmed_use_without_a_test_is_a_relapse_and_a_fourth_refusal_opens_no_second_handover(world):
    """禁毒法 art 35 para 2 / 戒毒条例 art 21: confirmed drug use is reported like a positive test;
    while a hand-over is under way a further breach is counted but does not open another."""
    person, episode = active_person(world)
    ws = world["work_station1_user"]
    relapse = breach_confirm(
        actor=ws,
        episode=episode,
        kind="relapse",
        occurred_on=timezone.localdate() - timedelta(days=1),
        description="本人承认吸食冰毒",
    )
    assert (relapse.response, relapse.days) == ("handover", 0)
    assert Obligation.objects.get(episode=episode, kind="handover").status == "pending"
    from viewflow.workflow.models import Process

    process = Process.objects.get(artifact_object_id=episode.pk, flow_class__endswith="BreachHandOverFlow")
    assert process.data == {"reason": "relapse", "drug_test_id": None, "breach_id": relapse.pk}
    for d in (30, 20, 10, 0):
        breach = breach_confirm(
            actor=ws,
            episode=episode,
            kind="test_evaded",
            drug_test=record_test(world, episode, "evaded", days_ago=d),
            description="未到场",
        )
        assert breach.response == "education"
    assert breach_counters(episode).tests == 4
    assert Obligation.objects.filter(episode=episode, kind="handover").count() == 1
    assert (
        Process.objects.filter(
            artifact_object_id=episode.pk, flow_class__endswith="BreachHandOverFlow"
        ).count()
        == 1
    )
    # Bad input: a breach dated before the start of execution, or in the future.
    for when in (episode.start_date - timedelta(days=1), timezone.localdate() + timedelta(days=1)):
        with pytest.raises(RecordRefused):
            breach_confirm(actor=ws, episode=episode, kind="agreement", occurred_on=when, description="x")
    assert Breach.objects.count() == 5


def test_breach_and_absence_pages_read_in_english(client, world):
    """Chinese first, English second: the pages and their messages are translated."""
    person, episode = active_person(world)
    client.force_login(world["work_station1_user"])
    client.cookies["django_language"] = "en"
    assert (
        "Breaches of the agreement"
        in client.get(reverse("person_breaches", args=[person.pk])).content.decode()
    )
    assert "Kind of breach" in client.get(reverse("breach_confirm", args=[person.pk])).content.decode()
    response = client.post(
        reverse("absence_report", args=[person.pk]),
        {
            "reported_on": timezone.localdate().isoformat(),
            "leaves_on": timezone.localdate().isoformat(),
            "returns_by": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "destination": "Kunming",
            "reason": "visit",
            "contact_phone": "139",
        },
    )
    assert "needs no written report" in response.content.decode()


def test_confirming_a_refused_test_on_the_tab_settles_its_follow_up_step(client, world):
    """禁毒法 art 35: a refusal confirmed from the 违规与外出 tab leaves no follow-up step open."""
    person, episode = active_person(world)
    test = record_test(world, episode, "refused", days_ago=1)
    assert open_task(episode, "review")  # FollowUpFlow opened by the refusal
    breach_confirm(
        actor=world["work_station1_user"],
        episode=episode,
        kind="test_refused",
        drug_test=test,
        description="拒检",
    )
    assert not [
        t
        for t in Task.objects.filter(process__artifact_object_id=episode.pk, status__in=["NEW", "ASSIGNED"])
        if t.flow_task.name == "review"
    ]
    # Confirmed from the step itself, the step completes as before (no cancel of its own flow).
    second = record_test(world, episode, "evaded", days_ago=0)
    task = open_task(episode, "review")
    client.force_login(world["work_station1_user"])
    response = client.post(
        reverse("task_page", args=[task.pk]), {"action": "confirm_breach", "note": "逃避检测"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "DONE" and second.breach.kind == "test_evaded"
