"""Fill each mark's year from its assessment's semester, in one set-based UPDATE (re-runnable:
only rows still without a year are touched)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forward(apps, schema_editor):
    Mark = apps.get_model("marks", "Mark")
    Assessment = apps.get_model("marks", "Assessment")
    year = Assessment.objects.filter(pk=OuterRef("assessment_id")).values("semester__year_id")
    Mark.objects.using(schema_editor.connection.alias).filter(year__isnull=True).update(
        year_id=Subquery(year[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("marks", "0003_mark_year")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
