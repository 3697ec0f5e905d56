"""The demo township: every state represented, valid data, and a second run changes nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command

from casework.idnumber import parse_id_number
from casework.models import Episode, Obligation, Person
from permissions import selectors

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    labels = {
        "casework",
        "permissions",
        "obligations",
        "workflows",
        "notifications",
        "oversight",
        "auth",
        "viewflow",
    }
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels}


def test_seed_is_idempotent_and_covers_every_state(capsys):
    call_command("seed_demo", "--persons", "60")
    out = capsys.readouterr().out
    assert "sw_chengguan" in out and "demo-pass-2026" in out
    first = table_counts()
    call_command("seed_demo", "--persons", "60")
    assert "Already seeded" in capsys.readouterr().out
    assert table_counts() == first
    assert Person.objects.count() == 60
    assert set(Episode.objects.values_list("status", flat=True)) == set(Episode.Status.values)
    for number in Person.objects.values_list("id_number", flat=True):
        parse_id_number(number)
    assert Obligation.objects.exists()


def test_demo_users_see_their_own_township_only():
    from django.contrib.auth.models import User

    call_command("seed_demo", "--persons", "60", verbosity=0)
    sw = User.objects.get(username="sw_chengguan")
    county = User.objects.get(username="sup_county")
    township = User.objects.get(username="sup_chengguan")
    admin = User.objects.get(username="admin")
    assert 0 < selectors.visible_persons(sw).count() < 60
    assert selectors.visible_persons(county).count() == 60
    assert 0 < selectors.visible_persons(township).count() < 60
    assert selectors.visible_persons(admin).count() == 0


# --- three years of history per running episode ---------------------------


def _running():
    from devtools.demo_flows import RUNNING

    return Episode.objects.filter(status__in=RUNNING, start_date__isnull=False)


def test_history_is_complete_up_to_the_current_obligation():
    """Every due date of the plan before the current one has a done obligation with its test or talk,
    sequences run 1..n with the open one last, programme years follow the start of execution."""
    from casework.models import DrugTest, Talk
    from obligations.schedule import intervals_for, plan_dates, programme_year, term_bounds

    call_command("seed_demo", "--persons", "60", verbosity=0)
    episodes = list(_running().select_related("township"))
    assert len(episodes) > 20
    checked = 0
    for episode in episodes:
        start, end = term_bounds(episode)
        for kind, intervals in intervals_for(episode.township, episode.kind, episode.term_months).items():
            rows = list(Obligation.objects.filter(episode=episode, kind=kind).order_by("sequence"))
            assert [o.sequence for o in rows] == list(range(1, len(rows) + 1))
            assert rows[-1].status in Obligation.OPEN_STATUSES
            assert all(o.status == Obligation.Status.DONE for o in rows[:-1])
            plan = plan_dates(start, end, intervals)
            assert [o.due_by for o in rows] == plan[: len(rows)]
            for o in rows:
                assert o.programme_year == programme_year(start, o.due_by)
            done = [o.pk for o in rows[:-1]]
            record = DrugTest if kind == "drug_test" else Talk
            assert record.objects.filter(obligation_id__in=done).count() == len(done)
            checked += len(done)
    assert checked > 200


def test_history_proportions_counters_and_rerun_at_2000_persons():
    """Assumed proportions within bounds; the serious-breach counter (戒毒条例 art 20) agrees with
    the statuses; positives only where the episode was handed over; a rerun adds nothing."""
    from casework.models import Absence, Breach, DrugTest, HandOver, ObligationKind, Transfer
    from workflows.branches.breaches import breach_counters

    call_command("seed_demo", "--persons", "2000", verbosity=0)
    running = list(_running())
    n = len(running)
    assert n > 1000
    S = Episode.Status
    status = {e.pk: e.status for e in running}

    def share(episode_ids) -> float:
        return len(set(episode_ids) & status.keys()) / n

    trips = Absence.objects.filter(status=Absence.Status.RETURNED).values_list("episode_id", flat=True)
    assert 0.06 < share(trips) < 0.14
    exits = Breach.objects.filter(kind=Breach.Kind.UNAUTHORISED_EXIT, days__lte=30)
    assert 0.005 < share(exits.values_list("episode_id", flat=True)) < 0.04
    refusals = Breach.objects.filter(kind=Breach.Kind.TEST_REFUSED).exclude(
        episode__status=S.VIOLATION_REPORTED
    )
    assert 0.025 < share(refusals.values_list("episode_id", flat=True)) < 0.08
    assert all(b.drug_test.result == DrugTest.Result.REFUSED for b in refusals.select_related("drug_test"))
    transfers = Transfer.objects.filter(status=Transfer.Status.REPORTED)
    assert 0.01 < share(transfers.values_list("episode_id", flat=True)) < 0.05
    for t in transfers.select_related("from_township", "to_township", "episode"):
        assert t.to_township_id == t.episode.township_id != t.from_township_id
        assert t.from_township.path[: t.from_township.steplen] == t.to_township.path[: t.to_township.steplen]

    away = set(Absence.objects.filter(status=Absence.Status.AWAY).values_list("episode_id", flat=True))
    back = set(
        Obligation.objects.filter(
            kind=ObligationKind.ABSENCE_BACK, status__in=Obligation.OPEN_STATUSES
        ).values_list("episode_id", flat=True)
    )
    out = {pk for pk, s in status.items() if s == S.OUT_OF_COUNTY}
    assert out and away == back == out
    undecided = set(HandOver.objects.filter(received_on__isnull=True).values_list("episode_id", flat=True))
    reported = {pk for pk, s in status.items() if s == S.VIOLATION_REPORTED}
    assert reported and undecided == reported
    positives = set(
        DrugTest.objects.filter(result=DrugTest.Result.POSITIVE).values_list("episode_id", flat=True)
    )
    assert positives and positives <= reported
    serious_breach = set(
        HandOver.objects.filter(reason=HandOver.Reason.SERIOUS_BREACH).values_list("episode_id", flat=True)
    )
    for episode in running:
        counters = breach_counters(episode)
        assert counters.serious == (episode.pk in serious_breach), episode.pk
    assert serious_breach and serious_breach <= reported

    first = table_counts()
    call_command("seed_demo", "--persons", "2000", verbosity=0)
    assert table_counts() == first


def test_every_stored_flow_reference_resolves_on_seeded_data():
    """The flows' classes and nodes are stored as dotted references (viewflow's
    `Process.flow_class`, `Task.flow_task`): after code moves, every row of the demo county must
    still name a flow and a node that exist, or its task page and its timers stop working."""
    from viewflow.workflow.models import Process, Task

    call_command("seed_demo", "--persons", "60", verbosity=0)
    processes = list(Process.objects.all())
    tasks = list(Task.objects.select_related("process"))
    assert len(processes) >= 10 and len(tasks) >= 10
    flows = {p.flow_class for p in processes}
    assert len(flows) >= 2 and {f.__module__ for f in flows} == {"workflows.flows", "drugfree.flows"}
    assert all(hasattr(flow, "instance") for flow in flows)
    nodes = {(t.flow_task.flow_class, t.flow_task.name) for t in tasks}
    assert all(node is not None for node in nodes)
    assert {t.flow_task.flow_class for t in tasks} <= flows
