"""The deliberation models come here from the juries app, in Django's state only.

Their tables stay where they are, under their old names (``db_table = "juries_…"``),
with their data and the PostgreSQL triggers of juries/migrations/0003 and 0006: nothing
is run on the database. juries/migrations/0007 takes them out of the juries state.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('candidates', '0006_session_signed_at'),
        ('certifications', '0005_certifier'),
        ('juries', '0006_signed_session_lock'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='Deliberation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('status', models.CharField(choices=[('draft', 'draft'), ('signed', 'signed')], default='draft', max_length=10, verbose_name='status')),
                ('proposed_at', models.DateTimeField(blank=True, null=True, verbose_name='proposed')),
                ('proposal_version', models.CharField(blank=True, max_length=64, verbose_name='proposal version')),
                ('proposal_attendance', models.JSONField(blank=True, default=dict, verbose_name='attendance at the proposal')),
                ('signed_at', models.DateTimeField(blank=True, null=True, verbose_name='signed')),
                ('minutes', models.JSONField(blank=True, default=dict, verbose_name='minutes')),
                ('members_present', models.ManyToManyField(blank=True, related_name='+', to='juries.jurymember', verbose_name='members present')),
                ('session', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='deliberation', to='candidates.session', verbose_name='session')),
                ('signed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signed by')),
            ],
            options={
                'verbose_name': 'deliberation',
                'verbose_name_plural': 'deliberations',
                'db_table': 'juries_deliberation',
            },
        ),
        migrations.CreateModel(
            name='CandidateDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('proposed_outcome', models.CharField(choices=[('full_success', 'full success'), ('partial_success', 'partial success'), ('failure', 'failure'), ('absent', 'absent'), ('excused', 'excused')], max_length=20, verbose_name='proposed outcome')),
                ('outcome', models.CharField(choices=[('full_success', 'full success'), ('partial_success', 'partial success'), ('failure', 'failure'), ('absent', 'absent'), ('excused', 'excused')], max_length=20, verbose_name='outcome')),
                ('outcome_reason', models.TextField(blank=True, verbose_name='reason')),
                ('justification', models.TextField(blank=True, verbose_name='justification')),
                ('requirements_met', models.JSONField(blank=True, default=dict, verbose_name='extra requirements met')),
                ('version', models.PositiveIntegerField(default=1)),
                ('enrolment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='candidates.enrolment', verbose_name='enrolment')),
                ('deliberation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='candidates', to='deliberations.deliberation', verbose_name='deliberation')),
            ],
            options={
                'verbose_name': 'candidate decision',
                'verbose_name_plural': 'candidate decisions',
                'db_table': 'juries_candidatedecision',
            },
        ),
        migrations.CreateModel(
            name='Amendment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('decision_type', models.CharField(choices=[('candidate', 'candidate decision'), ('competence', 'competence decision'), ('bloc', 'bloc decision')], max_length=20, verbose_name='decision type')),
                ('decision_id', models.PositiveBigIntegerField(verbose_name='decision')),
                ('field', models.CharField(max_length=50, verbose_name='field')),
                ('old', models.JSONField(blank=True, null=True, verbose_name='old value')),
                ('new', models.JSONField(blank=True, null=True, verbose_name='new value')),
                ('reason', models.TextField(verbose_name='reason')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('candidate_decision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='amendments', to='deliberations.candidatedecision', verbose_name='candidate decision')),
                ('deliberation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='amendments', to='deliberations.deliberation', verbose_name='deliberation')),
            ],
            options={
                'verbose_name': 'amendment',
                'verbose_name_plural': 'amendments',
                'db_table': 'juries_amendment',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='BlocDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('validated', 'validated'), ('complement', 'complement required'), ('rattrapage', 'rattrapage'), ('incomplete', 'incomplete'), ('acquired_before', 'acquired before')], max_length=20, verbose_name='status')),
                ('reason', models.TextField(blank=True, verbose_name='reason')),
                ('bloc', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='certifications.bloc', verbose_name='skills block')),
                ('candidate_decision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blocs', to='deliberations.candidatedecision', verbose_name='candidate decision')),
            ],
            options={
                'verbose_name': 'bloc decision',
                'verbose_name_plural': 'bloc decisions',
                'db_table': 'juries_blocdecision',
                'constraints': [models.UniqueConstraint(fields=('candidate_decision', 'bloc'), name='bloc_decision_once')],
            },
        ),
        migrations.CreateModel(
            name='CompetenceDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('proposed_level', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='proposed level')),
                ('final_level', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='final level')),
                ('justification', models.TextField(blank=True, verbose_name='justification')),
                ('divergent', models.BooleanField(default=False, verbose_name='members diverge')),
                ('member_levels', models.JSONField(blank=True, default=list, verbose_name="members' levels")),
                ('candidate_decision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='competences', to='deliberations.candidatedecision', verbose_name='candidate decision')),
                ('competence', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='certifications.competence', verbose_name='competence')),
            ],
            options={
                'verbose_name': 'competence decision',
                'verbose_name_plural': 'competence decisions',
                'db_table': 'juries_competencedecision',
                'constraints': [models.UniqueConstraint(fields=('candidate_decision', 'competence'), name='competence_decision_once')],
            },
        ),
        migrations.AddConstraint(
            model_name='candidatedecision',
            constraint=models.UniqueConstraint(fields=('deliberation', 'enrolment'), name='candidate_decision_once'),
        ),
    ])]
