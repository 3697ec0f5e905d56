"""The schedule table, recording what fulfils a duty, and the daily overdue scan."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.deadlines import add_months
from casework.errors import RecordRefused
from casework.models import DrugTest, Episode, Obligation, ObligationRule
from obligations.models import Reminder
from obligations.schedule import intervals_for, plan_dates
from obligations.services import obligations_open_first, obligations_scan, talk_record
from tests import factories as f
from workflows.branches.records import drug_test_record

pytestmark = pytest.mark.django_db

START = date(2025, 1, 10)

# rules.md §2.1 (Huaihua practice, S21): 社区戒毒 12 / 6 / 4 tests a year, at least 22.
DETOX_TESTS = (
    [add_months(START, m) for m in range(1, 13)]
    + [add_months(START, m) for m in range(14, 25, 2)]
    + [add_months(START, m) for m in (27, 30, 33)]
    + [date(2028, 1, 9)]  # the 36th month's test falls on the last day of the term
)
# 社区康复, 3-year order: 6 / 4 / 2 a year, at least 12.
REHAB_TESTS = (
    [add_months(START, m) for m in range(2, 13, 2)]
    + [add_months(START, m) for m in (15, 18, 21, 24)]
    + [add_months(START, 30), date(2028, 1, 9)]
)


@pytest.mark.parametrize(
    ("kind", "expected", "total"), [("detox", DETOX_TESTS, 22), ("rehab", REHAB_TESTS, 12)]
)
def test_seeded_drug_test_schedule_over_the_whole_term(world, kind, expected, total):
    """rules.md §2.1 and §8 rule 4: 社区戒毒 monthly/2-monthly/quarterly (≥22); 社区康复 2-monthly/quarterly/half-yearly (≥12)."""
    intervals = intervals_for(world["t1"], kind)["drug_test"]
    dates = plan_dates(START, add_months(START, 36), intervals)
    assert dates == expected
    assert len(dates) == total


def test_talks_are_monthly_for_the_whole_term(world):
    dates = plan_dates(START, add_months(START, 36), intervals_for(world["t1"], "detox")["talk"])
    assert len(dates) == 36
    assert dates[0] == date(2025, 2, 10) and dates[-1] == date(2028, 1, 9)


def test_a_region_rule_overrides_the_default_for_its_subtree(world):
    ObligationRule.objects.create(
        region=world["t2"],
        episode_kind="detox",
        programme_year=1,
        obligation_kind="drug_test",
        interval_months=2,
    )
    assert intervals_for(world["t2"], "detox")["drug_test"] == {1: 2, 2: 2, 3: 3}
    assert intervals_for(world["t1"], "detox")["drug_test"] == {1: 1, 2: 2, 3: 3}


def active_person(world, start):
    person = f.person_with_episode(world["c1"], served_on=start - timedelta(days=5))
    episode = person.episodes.get()
    Episode.objects.filter(pk=episode.pk).update(start_date=start, reported_on=start)
    episode.refresh_from_db()
    obligations_open_first(episode)
    return person, episode


def test_recording_a_test_closes_the_obligation_and_schedules_from_the_real_date(world):
    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    due = Obligation.objects.get(episode=episode, kind="drug_test")
    assert due.due_by == add_months(start, 1)
    tested_on = timezone.localdate() - timedelta(days=2)
    drug_test_record(
        actor=world["work_station1_user"],
        episode=episode,
        tested_on=tested_on,
        place="工作站",
        result="negative",
        collector_1="甲",
        collector_1_sex="F",
        collector_2="乙",
        collector_2_sex="F",
    )
    due.refresh_from_db()
    assert (due.status, due.done_on) == ("done", tested_on)
    nxt = Obligation.objects.get(episode=episode, kind="drug_test", status="pending")
    assert (nxt.sequence, nxt.due_by) == (2, add_months(tested_on, 1))


def test_refused_test_keeps_the_obligation_open_and_opens_a_follow_up(world):
    from viewflow.workflow.models import Task

    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    drug_test_record(
        actor=world["work_station1_user"],
        episode=episode,
        tested_on=timezone.localdate(),
        place="工作站",
        result="refused",
        collector_1="甲",
        collector_1_sex="F",
        collector_2="乙",
        collector_2_sex="F",
    )
    assert Obligation.objects.get(episode=episode, kind="drug_test").status == "pending"
    follow_ups = [
        t for t in Task.objects.filter(process__artifact_object_id=episode.pk) if t.flow_task.name == "review"
    ]
    assert len(follow_ups) == 1 and follow_ups[0].status == "NEW"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tested_on": date(2099, 1, 1)}, "不能晚于今天"),
        ({"tested_on": date(2000, 1, 1)}, "不能早于执行起始日期"),
        ({"result": "positive", "substances": ""}, "阳性结果须填写检出物质"),
    ],
)
def test_bad_test_records_change_nothing(world, changes, message):
    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    data = {
        "tested_on": timezone.localdate(),
        "place": "站",
        "result": "negative",
        "collector_1": "甲",
        "collector_1_sex": "F",
        "collector_2": "乙",
        "collector_2_sex": "F",
    }
    data.update(changes)
    with pytest.raises(RecordRefused, match=message):
        drug_test_record(actor=world["work_station1_user"], episode=episode, **data)
    assert DrugTest.objects.count() == 0
    assert Obligation.objects.filter(episode=episode, status="done").count() == 0


def test_a_closed_obligation_cannot_be_recorded_twice(world):
    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    talk = Obligation.objects.get(episode=episode, kind="talk")
    talk_record(
        actor=world["work_station1_user"],
        episode=episode,
        obligation_id=talk.pk,
        held_on=timezone.localdate(),
        kind="talk",
        summary="谈话",
    )
    with pytest.raises(RecordRefused, match="不能重复登记"):
        talk_record(
            actor=world["work_station1_user"],
            episode=episode,
            obligation_id=talk.pk,
            held_on=timezone.localdate(),
            kind="talk",
            summary="再谈",
        )
    assert episode.talks.count() == 1


def test_female_urine_sample_needs_female_collectors_on_the_form(client, world):
    """吸毒检测程序规定 art 8: a woman's urine sample is collected by female staff, by two staff."""
    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    person.sex = "F"
    person.save()
    client.force_login(world["work_station1_user"])
    response = client.post(
        reverse("drug_test_new", args=[person.pk]),
        {
            "tested_on": timezone.localdate().isoformat(),
            "place": "站",
            "sample_type": "urine",
            "method": "on_site",
            "result": "negative",
            "collector_1": "甲",
            "collector_1_sex": "M",
            "collector_2": "乙",
            "collector_2_sex": "F",
        },
    )
    assert response.status_code == 200
    assert "女性工作人员采集" in response.content.decode()
    assert DrugTest.objects.count() == 0


def test_police_can_record_tests_but_not_talks(client, world):
    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    client.force_login(world["police1_user"])
    assert client.get(reverse("drug_test_new", args=[person.pk])).status_code == 200
    assert client.get(reverse("talk_new", args=[person.pk])).status_code == 404
    client.force_login(world["judicial1_user"])
    assert client.get(reverse("drug_test_new", args=[person.pk])).status_code == 404


def test_scan_marks_overdue_once_and_is_idempotent(world):
    start = date(2025, 1, 10)
    person, episode = active_person(world, start)
    as_of = add_months(start, 1) + timedelta(days=1)
    assert obligations_scan(as_of - timedelta(days=1)) == (0, 0)  # due today is not overdue
    assert obligations_scan(as_of) == (2, 2)
    assert obligations_scan(as_of) == (0, 0)
    assert set(Obligation.objects.values_list("status", flat=True)) == {"overdue"}
    assert Reminder.objects.count() == 2


def test_an_obligation_written_overdue_after_a_scan_gets_its_reminder_on_the_next_run_once(world):
    """architecture §4 rule 4: every overdue duty has its reminder, also one that arrives overdue
    (a caseload import writes past duties overdue) after the scan has read its mark."""
    from obligations.models import ScanRun

    start = date(2025, 1, 10)
    active_person(world, start)
    as_of = add_months(start, 1) + timedelta(days=1)
    assert obligations_scan(as_of) == (2, 2)
    first = ScanRun.objects.get()
    assert (first.as_of, first.marked, first.reminders) == (as_of, 2, 2)
    assert first.last_obligation_id == Obligation.objects.order_by("-pk").values_list("pk", flat=True)[0]
    _, imported = active_person(world, start)
    arrived = Obligation.objects.filter(episode=imported)
    assert arrived.update(status=Obligation.Status.OVERDUE) == 2
    assert obligations_scan(as_of) == (0, 2)
    assert Reminder.objects.filter(obligation__episode=imported).count() == 2
    assert obligations_scan(as_of) == (0, 0)
    assert list(ScanRun.objects.order_by("pk").values_list("marked", "reminders")) == [(2, 2), (0, 2)]


def test_scan_command_prints_what_it_did(world, capsys):
    person, episode = active_person(world, date(2025, 1, 10))
    call_command("scan_obligations", "--as-of", "2025-03-01")
    assert "2 obligation(s) marked overdue, 2 reminder(s) opened" in capsys.readouterr().out
    call_command("scan_obligations", "--as-of", "2025-03-01")
    assert "0 obligation(s) marked overdue, 0 reminder(s) opened" in capsys.readouterr().out


def test_my_tasks_lists_due_items_and_costs_the_same_for_more_rows(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measure():
        client.get(reverse("my_tasks"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("my_tasks"))
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    client.force_login(world["work_station1_user"])
    for _ in range(2):
        p, e = active_person(world, timezone.localdate() - timedelta(days=25))
        f.add_member(p, world["work_station1_user"], "community")
    small, _resp = measure()
    for _ in range(20):
        p, e = active_person(world, timezone.localdate() - timedelta(days=25))
        f.add_member(p, world["work_station1_user"], "community")
    large, response = measure()
    # session, user, staff, flow steps (none open: no episode/name lookups), the listed duties
    # (with person and episode joined, and the bucket counts of all of them)
    assert small == large == 5, (small, large)
    assert sum(response.context["counts"].values()) == 44
    assert len(response.context["items"]) == 44


def test_changing_the_schedule_moves_open_obligations_but_never_past_ones(world):
    from obligations.services import obligations_reschedule

    start = timezone.localdate() - timedelta(days=40)
    person, episode = active_person(world, start)
    first = Obligation.objects.get(episode=episode, kind="drug_test")
    done_on = timezone.localdate() - timedelta(days=3)
    drug_test_record(
        actor=world["work_station1_user"],
        episode=episode,
        tested_on=done_on,
        place="站",
        result="negative",
        collector_1="甲",
        collector_1_sex="F",
        collector_2="乙",
        collector_2_sex="F",
    )
    ObligationRule.objects.create(
        region=world["t1"],
        episode_kind="detox",
        programme_year=1,
        obligation_kind="drug_test",
        interval_months=2,
    )
    assert obligations_reschedule(region=world["t1"], episode_kind="detox") == 1
    first.refresh_from_db()
    assert (first.status, first.done_on, first.due_by) == ("done", done_on, add_months(start, 1))
    current = Obligation.objects.get(episode=episode, kind="drug_test", status="pending")
    assert current.due_by == add_months(done_on, 2)
    assert obligations_reschedule(region=world["t1"], episode_kind="detox") == 0


def test_the_timeline_reads_by_the_day_things_happened_and_shows_when_they_were_recorded(client, world):
    """A talk held two days ago and recorded today is a line of the day it was held, below a test
    taken yesterday that was recorded before it; the line also says when it was written down."""
    from casework.models import CaseEvent

    today = timezone.localdate()
    held, tested = today - timedelta(days=2), today - timedelta(days=1)
    person, episode = active_person(world, today - timedelta(days=40))
    actor = world["work_station1_user"]
    drug_test_record(
        actor=actor,
        episode=episode,
        tested_on=tested,
        sample_type="urine",
        place="工作站",
        result="negative",
        collector_1="甲",
        collector_1_sex="M",
        collector_2="乙",
        collector_2_sex="M",
    )
    talk_record(actor=actor, episode=episode, held_on=held, kind="talk", summary="谈话")
    talk = CaseEvent.objects.get(person=person, kind="talk")
    assert (talk.happened_on, timezone.localtime(talk.at).date()) == (held, today)
    assert CaseEvent.objects.get(person=person, kind="drug_test").happened_on == tested

    client.force_login(actor)
    html = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    timeline = html[html.index('<ol class="timeline">') :]
    test_line = timeline.index(f'<time datetime="{tested:%Y-%m-%d}">')
    talk_line = timeline.index(f'<time datetime="{held:%Y-%m-%d}">')
    assert test_line < talk_line
    talk_item = timeline[talk_line : timeline.index("</li>", talk_line)]
    assert f"<span>{episode.talks.get().get_kind_display()}记录</span>" in talk_item
    assert f'记录于 <time datetime="{timezone.localtime(talk.at).isoformat()}"' in talk_item
    # The test, taken yesterday and recorded today, shows its recording time as well.
    test_item = timeline[test_line : timeline.index("</li>", test_line)]
    assert "记录于" in test_item
