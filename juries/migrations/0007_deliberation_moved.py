"""The deliberation models left the juries state for the deliberations app
(deliberations/migrations/0001): state only, the tables ``juries_…`` stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('juries', '0006_signed_session_lock'),
        ('reports', '0005_deliberation_moved'),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=[
        migrations.RemoveField(
            model_name='amendment',
            name='by',
        ),
        migrations.RemoveField(
            model_name='amendment',
            name='candidate_decision',
        ),
        migrations.RemoveField(
            model_name='amendment',
            name='deliberation',
        ),
        migrations.RemoveConstraint(
            model_name='blocdecision',
            name='bloc_decision_once',
        ),
        migrations.RemoveConstraint(
            model_name='candidatedecision',
            name='candidate_decision_once',
        ),
        migrations.RemoveConstraint(
            model_name='competencedecision',
            name='competence_decision_once',
        ),
        migrations.RemoveField(
            model_name='deliberation',
            name='members_present',
        ),
        migrations.RemoveField(
            model_name='deliberation',
            name='session',
        ),
        migrations.RemoveField(
            model_name='deliberation',
            name='signed_by',
        ),
        migrations.DeleteModel(
            name='Amendment',
        ),
        migrations.RemoveField(
            model_name='candidatedecision',
            name='deliberation',
        ),
        migrations.RemoveField(
            model_name='candidatedecision',
            name='enrolment',
        ),
        migrations.RemoveField(
            model_name='competencedecision',
            name='candidate_decision',
        ),
        migrations.RemoveField(
            model_name='competencedecision',
            name='competence',
        ),
        migrations.DeleteModel(
            name='BlocDecision',
        ),
        migrations.DeleteModel(
            name='Deliberation',
        ),
        migrations.DeleteModel(
            name='CandidateDecision',
        ),
        migrations.DeleteModel(
            name='CompetenceDecision',
        ),
    ])]
