"""PostgreSQL: a trigram index so that name search (`search_key LIKE '%word%'`) stays an index
scan at national scale. pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may
create it. SQLite keeps a plain table scan, which is fine for a demo or a single school."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS registry_student_search_trgm "
    "ON registry_student USING gin (search_key gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS registry_student_search_trgm"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_backfill_student_search_key")]
    operations = [migrations.RunPython(forward, backward)]
