# A report made in the background compares with any number of earlier waves (issue 12): the one
# 'previous' wave becomes the set 'compared', carried over for the jobs there are.

from django.db import migrations, models


def previous_to_compared(apps, schema_editor):
    ExportJob = apps.get_model("workspace", "ExportJob")
    for job in ExportJob.objects.exclude(previous=None):
        job.compared.add(job.previous_id)


def compared_to_previous(apps, schema_editor):
    ExportJob = apps.get_model("workspace", "ExportJob")
    for job in ExportJob.objects.all():
        nearest = job.compared.order_by("-opens_at").first()
        if nearest is not None:
            job.previous = nearest
            job.save(update_fields=["previous"])


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0004_wave_organisation_required"),
        ("workspace", "0003_exportjob_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="compared",
            field=models.ManyToManyField(blank=True, help_text="The earlier waves a report compares with", related_name="+", to="surveys.wave"),
        ),
        migrations.RunPython(previous_to_compared, compared_to_previous),
        migrations.RemoveField(model_name="exportjob", name="previous"),
    ]
