"""On PostgreSQL, refuse UPDATE and DELETE of mark history rows (RELIABILITY T19: the app cannot
rewrite a mark's history). TRUNCATE stays possible for test flushes; SQLite has no such guard."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION madrasa_markevent_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'marks_markevent is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER marks_markevent_append_only
  BEFORE UPDATE OR DELETE ON marks_markevent
  FOR EACH ROW EXECUTE FUNCTION madrasa_markevent_append_only();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS marks_markevent_append_only ON marks_markevent;
DROP FUNCTION IF EXISTS madrasa_markevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("marks", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
