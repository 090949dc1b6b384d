"""Refuse UPDATE of published result rows, on both engines: a publication is corrected by a new
version, never edited. (Deleting old publications stays possible, for the retention policy.)"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION madrasa_published_result_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'results_publishedresult rows are immutable (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER results_publishedresult_immutable
  BEFORE UPDATE ON results_publishedresult
  FOR EACH ROW EXECUTE FUNCTION madrasa_published_result_immutable();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS results_publishedresult_immutable ON results_publishedresult;
DROP FUNCTION IF EXISTS madrasa_published_result_immutable();
"""
SQLITE_FORWARD = """
CREATE TRIGGER results_publishedresult_immutable
BEFORE UPDATE ON results_publishedresult
BEGIN SELECT RAISE(ABORT, 'results_publishedresult rows are immutable (UPDATE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS results_publishedresult_immutable;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("results", "0001_exam_results")]
    operations = [migrations.RunPython(forward, backward)]
