"""Indexes viewflow does not ship (viewflow-guardian.md §1.13): our task lists filter on them."""

from django.db import migrations

INDEXES = [
    ("viewflow_task_type_status_idx", "viewflow_task", "(flow_task_type, status)"),
    ("viewflow_task_flow_task_status_idx", "viewflow_task", "(flow_task, status)"),
    ("viewflow_task_owner_status_idx", "viewflow_task", "(owner_id, status)"),
    ("viewflow_process_flow_status_idx", "viewflow_process", "(flow_class, status)"),
]


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial"), ("viewflow", "0015_task_scheduled")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}", f"DROP INDEX IF EXISTS {name}"
        )
        for name, table, columns in INDEXES
    ]
