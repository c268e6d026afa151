"""A signed deliberation's session carries its signature (``Session.signed_at``): the
lock every service checks inside its transaction (candidates.services.session_row_lock)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Session = apps.get_model("candidates", "Session")
    Deliberation = apps.get_model("juries", "Deliberation")
    signed = Deliberation.objects.filter(session=OuterRef("pk"), status="signed")
    Session.objects.filter(deliberation__status="signed").update(
        signed_at=Subquery(signed.values("signed_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [("juries", "0003_deliberation_lock"),
                    ("candidates", "0006_session_signed_at")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
