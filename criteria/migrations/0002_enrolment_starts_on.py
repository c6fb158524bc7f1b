"""Enrolments with a first month instead of an "active" flag.

A commune with a single enrolment keeps it from the beginning (starts_on empty). Where a commune has
several, the active one starts in the month it last became active (read from its history; without
history, this month) and the others stay open-ended before it: their reports keep their sets.
"""

from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone


def date_the_active_enrolments(apps, schema_editor):
    Enrolment = apps.get_model("criteria", "Enrolment")
    HistoricalEnrolment = apps.get_model("criteria", "HistoricalEnrolment")
    several = (
        Enrolment.objects.values("commune_id").annotate(n=Count("id")).filter(n__gt=1).values_list("commune_id", flat=True)
    )
    for enrolment in Enrolment.objects.filter(active=True, commune_id__in=list(several)):
        since = None
        for record in HistoricalEnrolment.objects.filter(id=enrolment.pk).order_by("history_date", "history_id"):
            if record.active and since is None:
                since = record.history_date
            elif not record.active:
                since = None
        day = timezone.localtime(since).date() if since else timezone.localdate()
        enrolment.starts_on = day.replace(day=1)
        enrolment.save(update_fields=["starts_on"])


class Migration(migrations.Migration):

    dependencies = [
        ('communes', '0002_profile'),
        ('criteria', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrolment',
            name='starts_on',
            field=models.DateField(blank=True, help_text='Ngày đầu tiên của tháng báo cáo đầu tiên theo đăng ký này; để trống: từ đầu.', null=True, verbose_name='áp dụng từ tháng'),
        ),
        migrations.AddField(
            model_name='historicalenrolment',
            name='starts_on',
            field=models.DateField(blank=True, help_text='Ngày đầu tiên của tháng báo cáo đầu tiên theo đăng ký này; để trống: từ đầu.', null=True, verbose_name='áp dụng từ tháng'),
        ),
        migrations.RunPython(date_the_active_enrolments, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='enrolment',
            name='enrolment_one_active',
        ),
        migrations.RemoveField(
            model_name='enrolment',
            name='active',
        ),
        migrations.RemoveField(
            model_name='historicalenrolment',
            name='active',
        ),
        migrations.AddConstraint(
            model_name='enrolment',
            constraint=models.UniqueConstraint(fields=('commune', 'starts_on'), name='enrolment_unique_start'),
        ),
    ]
