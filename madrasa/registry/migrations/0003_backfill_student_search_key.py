"""Fill Student.search_key for existing rows, in batches (re-runnable: it recomputes)."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    from madrasa.registry.rules import student_search_key

    student_model = apps.get_model("registry", "Student")
    last = 0
    while True:
        batch = list(student_model.objects.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        for student in batch:
            student.search_key = student_search_key(
                student.first_name_ar,
                student.last_name_ar,
                student.first_name_latn,
                student.last_name_latn,
            )
        student_model.objects.bulk_update(batch, ["search_key"])
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_student_search_key")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
