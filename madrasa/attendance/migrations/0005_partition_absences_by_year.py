"""On PostgreSQL, attendance_mark becomes a table partitioned by LIST (year_id): one partition
per school year (attendance_mark_y2025_2026, ...) and a DEFAULT partition, like marks_mark
(marks 0006, which also installed the trigger giving each new school year its partitions in
every table partitioned by year). The Django state does not change; SQLite keeps the plain
table. The rebuild copies the rows once under an exclusive lock: on a large table, run it in a
maintenance window."""

import re

from django.db import migrations

from madrasa.core.partitions import partition_by_list, unpartition

TABLE = "attendance_mark"


def year_partitions(apps, alias, table):
    """(year id, partition name) for every school year, named as marks 0006's SQL function
    names them."""
    SchoolYear = apps.get_model("registry", "SchoolYear")
    out, taken = [], set()
    for pk, code in SchoolYear.objects.using(alias).order_by("starts_on").values_list("pk", "code"):
        name = f"{table}_y{re.sub('[^a-z0-9]+', '_', code.lower())}"
        if name in taken:
            name = f"{name}_{pk}"
        taken.add(name)
        out.append((pk, name))
    return out


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        partition_by_list(
            cursor,
            table=TABLE,
            key="year_id",
            partitions=year_partitions(apps, connection.alias, TABLE),
            default=f"{TABLE}_default",
        )


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        unpartition(cursor, table=TABLE, key="year_id")


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0004_mark_year_required"),
        ("marks", "0006_partition_marks_by_year"),
    ]
    operations = [migrations.RunPython(forward, backward)]
