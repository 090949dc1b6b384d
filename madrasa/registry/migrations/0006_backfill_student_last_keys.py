"""Fill Student.last_key_latn and last_key_ar for existing rows, in batches (re-runnable)."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    from madrasa.registry.rules import normalise_name

    student_model = apps.get_model("registry", "Student")
    last = 0
    while True:
        batch = list(student_model.objects.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        for student in batch:
            student.last_key_latn = normalise_name(student.last_name_latn)[:100]
            student.last_key_ar = normalise_name(student.last_name_ar)[:100]
        student_model.objects.bulk_update(batch, ["last_key_latn", "last_key_ar"])
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_structure_guardians_duplicates")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
