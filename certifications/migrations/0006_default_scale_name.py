"""The default scale is no certification's own: its stored name says so (issue 17)."""

from django.db import migrations

OLD = "Échelle à 4 niveaux (RNCP35609)"
NEW = "Échelle à 4 niveaux (par défaut)"


def rename(apps, schema_editor):
    Scale = apps.get_model("certifications", "Scale")
    Scale.objects.filter(code="rncp-4-niveaux", name=OLD).update(name=NEW)


def rename_back(apps, schema_editor):
    Scale = apps.get_model("certifications", "Scale")
    Scale.objects.filter(code="rncp-4-niveaux", name=NEW).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [("certifications", "0005_certifier")]

    operations = [migrations.RunPython(rename, rename_back)]
