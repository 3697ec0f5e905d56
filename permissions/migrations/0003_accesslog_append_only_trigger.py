"""On PostgreSQL the database itself refuses UPDATE and DELETE on the access log."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION permissions_accesslog_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'permissions_accesslog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER permissions_accesslog_append_only
  BEFORE UPDATE OR DELETE ON permissions_accesslog
  FOR EACH ROW EXECUTE FUNCTION permissions_accesslog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS permissions_accesslog_append_only ON permissions_accesslog;
DROP FUNCTION IF EXISTS permissions_accesslog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("permissions", "0002_seed_default_matrix")]
    operations = [migrations.RunPython(forwards, backwards)]
