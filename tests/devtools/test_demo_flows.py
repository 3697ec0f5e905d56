"""The demo's intake and hand-over flows: written in bulk as copies of one real start, row for
row what the flow's API writes for each episode, and worked on afterwards like any other."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from casework.models import Breach, DrugTest, Episode, HandOver, Obligation, ObligationKind, Staff
from devtools.demo_flows import _at, seed_handover_flows, seed_intake_flows
from permissions.selectors import actionable_tasks
from workflows.engine import step_run
from workflows.flows import BreachHandOverFlow, IntakeFlow

pytestmark = pytest.mark.django_db

FLOWS = (IntakeFlow, BreachHandOverFlow)


@pytest.fixture
def demo():
    call_command("seed_demo", "--persons", "60", verbosity=0)


def flows_delete() -> None:
    Process.objects.filter(flow_class__in=FLOWS).delete()


def flow_rows(flow_class) -> dict[int, dict]:
    """Each episode's process of the flow: its row, its tasks' rows by node name and each task's
    previous tasks by node name, without ids."""

    def plain(row: dict) -> dict:
        return {
            k: str(v) if k in ("flow_class", "flow_task", "token") else v
            for k, v in row.items()
            if k not in ("id", "process_id")
        }

    rows = {}
    for process in Process.objects.filter(flow_class=flow_class).values():
        tasks = Task.objects.filter(process_id=process["id"])
        previous = {}
        for node, before in Task.previous.through.objects.filter(from_task__in=tasks).values_list(
            "from_task__flow_task", "to_task__flow_task"
        ):
            previous.setdefault(node.name, []).append(before.name)
        rows[process["artifact_object_id"]] = {
            "process": plain(process),
            "tasks": {t["flow_task"].name: plain(t) for t in tasks.values()},
            "previous": {node: sorted(before) for node, before in previous.items()},
        }
    return rows


def intake_flows_one_by_one() -> None:
    """What the seeder did before it wrote the flows in bulk: one real start per episode."""
    for episode in Episode.objects.filter(status=Episode.Status.DECIDED).order_by("pk"):
        IntakeFlow.start.run(episode=episode)


def handover_flows_one_by_one() -> None:
    """What the seeder did before it wrote the flows in bulk: per waiting hand-over, the start
    as handover_open makes it, the package step done by its clerk, backdated."""
    waiting = (
        HandOver.objects.filter(
            received_on__isnull=True,
            reason__in=(HandOver.Reason.RELAPSE, HandOver.Reason.SERIOUS_BREACH),
            episode__status=Episode.Status.VIOLATION_REPORTED,
        )
        .select_related("episode", "prepared_by")
        .order_by("episode_id", "-prepared_on", "-pk")
    )
    seen = set()
    for handover in waiting:
        episode = handover.episode
        if episode.pk in seen:
            continue
        seen.add(episode.pk)
        drug_test_id = breach_id = None
        if handover.reason == HandOver.Reason.RELAPSE:
            drug_test_id = (
                DrugTest.objects.filter(episode=episode, result=DrugTest.Result.POSITIVE)
                .order_by("-tested_on", "-pk")
                .values_list("pk", flat=True)
                .first()
            )
        else:
            breach_id = (
                Breach.objects.filter(episode=episode, response=Breach.Response.HANDOVER)
                .order_by("-occurred_on", "-pk")
                .values_list("pk", flat=True)
                .first()
            )
        due_from = (
            Obligation.objects.filter(episode=episode, kind=ObligationKind.HANDOVER)
            .order_by("-due_by", "-pk")
            .values_list("due_from", flat=True)
            .first()
        ) or handover.prepared_on
        process = BreachHandOverFlow.start.run(
            episode=episode, reason=handover.reason, drug_test_id=drug_test_id, breach_id=breach_id
        )
        prepare = Task.objects.get(process=process, flow_task=BreachHandOverFlow.prepare)
        with BreachHandOverFlow.lock(process.pk):
            activation = prepare.flow_task.activation_class(prepare)
            activation.assign(handover.prepared_by)
            activation.start(None)
            activation.execute()
        opened, prepared = _at(due_from), _at(handover.prepared_on)
        Process.objects.filter(pk=process.pk).update(created=opened)
        Task.objects.filter(process=process, flow_task_type="START").update(created=opened, finished=opened)
        Task.objects.filter(pk=prepare.pk).update(
            created=opened, assigned=prepared, started=prepared, finished=prepared
        )
        Task.objects.filter(process=process, flow_task=BreachHandOverFlow.receive).update(created=prepared)


def test_bulk_flows_are_the_rows_the_flow_api_writes(demo):
    """Process, tasks (node, type, status, token, permission and its object, owner, the timer's
    moment, every date) and the links between tasks are those of one real start per episode."""
    moment = timezone.now()  # frozen, so the undated moments of both runs agree
    flows_delete()
    with time_machine.travel(moment, tick=False):
        started = (seed_intake_flows(), seed_handover_flows())
    bulk = {flow: flow_rows(flow) for flow in FLOWS}
    flows_delete()
    with time_machine.travel(moment, tick=False):
        intake_flows_one_by_one()
        handover_flows_one_by_one()
    one_by_one = {flow: flow_rows(flow) for flow in FLOWS}

    assert started == (len(one_by_one[IntakeFlow]), len(one_by_one[BreachHandOverFlow]))
    assert min(started) >= 3  # a template and copies of each
    for flow in FLOWS:
        assert bulk[flow].keys() == one_by_one[flow].keys()
        for episode_id, rows in one_by_one[flow].items():
            assert bulk[flow][episode_id] == rows, (flow, episode_id)
    # The per-episode values did vary, so the copies did not just repeat the template.
    timers = {r["tasks"]["report_in__timeout"]["scheduled"] for r in bulk[IntakeFlow].values()}
    assert len(timers) > 1
    assert len({r["process"]["data"]["reason"] for r in bulk[BreachHandOverFlow].values()}) == 2


def test_only_the_given_persons_and_only_once(demo):
    """Given persons, only their episodes get the flows; a second call starts none."""
    flows_delete()
    decided = list(Episode.objects.filter(status=Episode.Status.DECIDED).order_by("pk"))
    handed_over = list(
        Episode.objects.filter(status=Episode.Status.VIOLATION_REPORTED, handovers__received_on__isnull=True)
        .distinct()
        .order_by("pk")
    )
    some = {decided[0].person_id, decided[1].person_id, handed_over[0].person_id}
    assert (seed_intake_flows(person_ids=some), seed_handover_flows(person_ids=some)) == (2, 1)
    assert set(Process.objects.filter(flow_class__in=FLOWS).values_list("artifact_object_id", flat=True)) == {
        decided[0].pk,
        decided[1].pk,
        handed_over[0].pk,
    }
    assert (seed_intake_flows(person_ids=some), seed_handover_flows(person_ids=some)) == (0, 0)
    assert (seed_intake_flows(), seed_handover_flows()) == (len(decided) - 2, len(handed_over) - 1)
    assert (seed_intake_flows(), seed_handover_flows()) == (0, 0)


def open_step(flow_class, node, episode) -> Task:
    return Task.objects.get(
        process__flow_class=flow_class,
        process__artifact_object_id=episode.pk,
        flow_task=getattr(flow_class, node),
        status="NEW",
    )


def test_bulk_flows_are_worked_on_as_the_app_leaves_them(client, demo):
    """The work station of the township sees and does a copied intake's reporting in (its
    timer then cancelled, the agreement next); the police station sees a copied hand-over's
    step and decides on its page; neither sees the other's steps."""
    ws, police = (
        Staff.objects.select_related("agency").get(user__username=name)
        for name in ("ws_chengguan", "police_chengguan")
    )
    township = ws.agency.region_id
    report_in = Task.objects.filter(flow_task=IntakeFlow.report_in, status="NEW")
    receive = Task.objects.filter(flow_task=BreachHandOverFlow.receive, status="NEW")
    episodes_here = Episode.objects.filter(township_id=township).values("pk")
    here = {
        "report_in": set(report_in.filter(process__artifact_object_id__in=episodes_here)),
        "receive": set(receive.filter(process__artifact_object_id__in=episodes_here)),
    }
    assert len(here["report_in"]) >= 2 and here["receive"]
    assert set(actionable_tasks(ws.user).filter(flow_task=IntakeFlow.report_in)) == here["report_in"]
    assert not actionable_tasks(ws.user).filter(flow_task=BreachHandOverFlow.receive).exists()
    assert set(actionable_tasks(police.user).filter(flow_task=BreachHandOverFlow.receive)) == here["receive"]
    assert not actionable_tasks(police.user).filter(flow_task=IntakeFlow.report_in).exists()

    # The last of the township's intakes: a copy (the template is the first decided episode).
    episode = Episode.objects.get(pk=max(t.process.artifact_object_id for t in here["report_in"]))
    assert episode.pk != Episode.objects.filter(status=Episode.Status.DECIDED).order_by("pk").first().pk
    today = timezone.localdate()
    step_run(ws.user, IntakeFlow, "report_in", episode, {"reported_on": today, "documents": "决定书"})
    episode.refresh_from_db()
    assert episode.status == Episode.Status.REPORTED
    process = Process.objects.get(flow_class=IntakeFlow, artifact_object_id=episode.pk)
    assert dict(Task.objects.filter(process=process).values_list("flow_task", "status")) == {
        IntakeFlow.start: "DONE",
        IntakeFlow.report_in: "DONE",
        IntakeFlow.report_in__timeout: "CANCELED",
        IntakeFlow.agreement: "NEW",
    }

    task = max(here["receive"], key=lambda t: t.process.artifact_object_id)
    handed_over = Episode.objects.get(pk=task.process.artifact_object_id)
    prepared_on = HandOver.objects.filter(episode=handed_over).order_by("-prepared_on").first().prepared_on
    received_on = max(prepared_on, today - timedelta(days=1))
    client.force_login(police.user)
    response = client.post(
        reverse("task_page", args=[task.pk]),
        {
            "received_on": received_on.isoformat(),
            "receipt_number": "回执2026-009",
            "decision": "compulsory",
            "decided_on": today.isoformat(),
            "decision_number": "城公(禁)强戒字〔2026〕9号",
            "decision_reason": "严重违反社区戒毒协议",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    handed_over.refresh_from_db()
    assert handed_over.status == Episode.Status.COMPULSORY
    task.refresh_from_db()
    assert (task.status, task.owner_id) == ("DONE", police.user_id)
    assert not actionable_tasks(police.user).filter(pk=task.pk).exists()
