"""Waves made before organisations existed join the organisation named "Default" (created if
there is any such wave), the one ``collabstate wave create`` uses when given none. Staff move
them to their own organisation in the admin."""

from django.db import migrations

DEFAULT = {"name": "Default", "slug": "default"}


def forwards(apps, schema_editor):
    Wave = apps.get_model("surveys", "Wave")
    Organisation = apps.get_model("workspace", "Organisation")
    orphans = Wave.objects.filter(organisation__isnull=True)
    if orphans.exists():
        default = Organisation.objects.filter(name=DEFAULT["name"]).first() or Organisation.objects.create(**DEFAULT)
        orphans.update(organisation=default)


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0002_wave_organisation_retention_imported'),
    ]

    operations = [
        # Backwards: nothing to undo (0002's reversal drops the column).
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
