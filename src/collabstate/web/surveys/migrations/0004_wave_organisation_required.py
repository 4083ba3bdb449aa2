# Every wave has an organisation from here on (0003 gave the earlier ones the "Default" one).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0003_waves_join_the_default_organisation'),
        ('workspace', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='wave',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='waves', to='workspace.organisation'),
        ),
    ]
