"""The responsible department per sub-criterion (issue 17): a criterion such as "Văn hóa, giáo dục, y tế"
spans several departments. Every sub-criterion starts with its criterion's department."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_the_criteria_departments(apps, schema_editor):
    Criterion = apps.get_model("criteria", "Criterion")
    Indicator = apps.get_model("criteria", "Indicator")
    department = Criterion.objects.filter(pk=OuterRef("criterion_id")).values("responsible_department")[:1]
    Indicator.objects.update(responsible_department=Subquery(department))


class Migration(migrations.Migration):

    dependencies = [
        ('criteria', '0002_enrolment_starts_on'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalindicator',
            name='responsible_department',
            field=models.CharField(blank=True, max_length=200, verbose_name='phòng, ngành phụ trách'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='responsible_department',
            field=models.CharField(blank=True, max_length=200, verbose_name='phòng, ngành phụ trách'),
        ),
        migrations.RunPython(copy_the_criteria_departments, migrations.RunPython.noop),
    ]
