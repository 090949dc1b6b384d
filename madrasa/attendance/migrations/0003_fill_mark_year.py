"""Fill each attendance mark's year from its register's class, in one set-based UPDATE
(re-runnable: only rows still without a year are touched)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forward(apps, schema_editor):
    Mark = apps.get_model("attendance", "Mark")
    Register = apps.get_model("attendance", "Register")
    year = Register.objects.filter(pk=OuterRef("register_id")).values("school_class__year_id")
    Mark.objects.using(schema_editor.connection.alias).filter(year__isnull=True).update(
        year_id=Subquery(year[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("attendance", "0002_mark_year")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
