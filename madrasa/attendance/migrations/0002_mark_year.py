"""Attendance marks carry their school year (nullable until 0003 fills it), the key of the
partitioning."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0001_initial"),
        ("registry", "0006_backfill_student_last_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="mark",
            name="year",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.schoolyear",
            ),
        ),
    ]
