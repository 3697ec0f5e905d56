"""The open human steps of viewflow's task table: a partial index by process, and (PostgreSQL)
statistics over the columns a queue filters on together. Viewflow ships neither.

Every queue (an agency's, a supervisor's) goes from the episodes it may act on to their
processes, then to the open human steps of those processes: the index holds only those steps,
so that hop never reads the finished steps of years of work. Its predicate is the one
`permissions.selectors.actionable_tasks` filters by, literal for literal, which both PostgreSQL
and SQLite need before they use a partial index.

Status, step type, owner permission and owner are far from independent (a finished step is
almost always owned, an open one of an agency almost never): planned as independent, "the open
unclaimed steps of the work stations" came out at a handful of rows instead of hundreds, and the
planner walked every open step of the country instead of starting from the user's grants.
"""

from django.db import migrations

INDEX = "viewflow_task_open_human_process_idx"
STATISTICS = "viewflow_task_queue_stats"


def statistics_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv, dependencies) "
            "ON status, flow_task_type, owner_permission, owner_id FROM viewflow_task"
        )
        schema_editor.execute("ANALYZE viewflow_task")


def statistics_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("workflows", "0008_models_to_their_apps"), ("viewflow", "0015_task_scheduled")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON viewflow_task (process_id) "
            "WHERE flow_task_type = 'HUMAN' AND status IN ('NEW', 'ASSIGNED')",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
        migrations.RunPython(statistics_create, statistics_drop, elidable=False),
    ]
