"""Every mark has a year; the unique constraint leads with it (same rows as before: the year
follows from the assessment), as a partitioned table's unique constraints must."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marks", "0004_fill_mark_year")]

    operations = [
        migrations.AlterField(
            model_name="mark",
            name="year",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.schoolyear",
            ),
        ),
        migrations.RemoveConstraint(model_name="mark", name="mark_unique"),
        migrations.AddConstraint(
            model_name="mark",
            constraint=models.UniqueConstraint(
                fields=("year", "assessment", "enrolment"), name="mark_unique"
            ),
        ),
    ]
