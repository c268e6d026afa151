"""The documents' foreign keys now name deliberations.Deliberation (moved from juries in
state only, same table ``juries_deliberation``): nothing is run on the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deliberations', '0001_initial'),
        ('reports', '0004_issuing_override'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.AlterField(
            model_name='document',
            name='deliberation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='deliberations.deliberation', verbose_name='deliberation'),
        ),
        migrations.AlterField(
            model_name='issuingoverride',
            name='deliberation',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='issuing_override', to='deliberations.deliberation', verbose_name='deliberation'),
        ),
    ])]
