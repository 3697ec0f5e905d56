"""The agency queue's statement starts from the user's side (grants, episodes, their processes)
or from the open steps, never from every process or every step of the country: PostgreSQL's
plan for it, on the demo data set with the finished flows that years of use leave behind."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from casework.models import Episode
from permissions import selectors

pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.slow]

TASK_TABLES = ("viewflow_task", "viewflow_process")
OPEN_INDEX = "viewflow_task_open_human_process_idx"
FINISHED_FLOWS_PER_EPISODE = 3
STEPS_PER_FINISHED_FLOW = 6


def _finished_history() -> None:
    """Finished intake flows for every episode, each with its finished steps (the demo data set
    holds running flows only; a county in use holds many more finished ones)."""
    episode_type = ContentType.objects.get_for_model(Episode).pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH process AS (
                INSERT INTO viewflow_process
                    (flow_class, status, created, finished, artifact_content_type_id, artifact_object_id, data)
                SELECT 'workflows/flows.IntakeFlow', 'DONE', now() - interval '400 days',
                       now() - interval '390 days', %s, e.id, '{}'
                FROM casework_episode e, generate_series(1, %s)
                RETURNING id
            )
            INSERT INTO viewflow_task
                (flow_task, flow_task_type, status, created, finished, token, owner_permission, process_id, data)
            SELECT 'workflows/flows.IntakeFlow.step' || s, CASE WHEN s = 1 THEN 'START' ELSE 'HUMAN' END, 'DONE',
                   now() - interval '400 days', now() - interval '390 days', 'start',
                   'casework.act_work_station', process.id, '{}'
            FROM process, generate_series(1, %s) s
            """,
            [episode_type, FINISHED_FLOWS_PER_EPISODE, STEPS_PER_FINISHED_FLOW],
        )
        cursor.execute("ANALYZE")


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _plan(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]


def _wide_scans(plan: dict) -> list[str]:
    """The scans of the task tables that read the table rather than look rows up: a sequential
    scan, or an index scan with no condition on an index other than the open steps' one."""
    wide = []
    for node in _nodes(plan):
        if node.get("Relation Name") not in TASK_TABLES:
            continue
        looked_up = "Index Cond" in node or "Recheck Cond" in node or node.get("Index Name") == OPEN_INDEX
        if node["Node Type"] == "Seq Scan" or not looked_up:
            wide.append(f"{node['Node Type']} {node.get('Index Name', '')} on {node['Relation Name']}")
    return wide


def test_queue_plans_read_no_task_table_whole():
    """For a work station, a police station, a county supervisor and a social worker (inbox only)."""
    from viewflow.workflow.models import Task

    call_command("seed_demo", "--persons", "1000", verbosity=0)
    _finished_history()
    steps = Task.objects.count()
    open_steps = Task.objects.filter(flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"]).count()
    assert open_steps * 5 < steps
    for username in ("ws_chengguan", "police_chengguan", "sup_county", "sw_chengguan"):
        user = get_user_model().objects.get(username=username)
        queue = selectors.actionable_tasks(user).select_related("process").order_by("created", "pk")
        plan = _plan(queue)
        assert _wide_scans(plan) == [], (username, json.dumps(plan, indent=1))
        # Every scan of the task table is estimated at no more than the open human steps of the
        # whole data set: nothing is planned over the finished ones.
        for node in _nodes(plan):
            if node.get("Relation Name") == "viewflow_task":
                assert node["Plan Rows"] <= open_steps, (username, node)
        if username == "ws_chengguan":
            assert queue.exists()
