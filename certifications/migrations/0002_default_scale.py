"""The default scale: the 4 levels of fiche RNCP35609, with their labels as registered."""

from django.db import migrations

LEVELS = [
    (1, "Compétence validée au-delà des attentes", "", "acquired", False),
    (2, "Compétence validée au niveau des attentes", "", "acquired", False),
    (3, "Compétence en voie de validation", "Écarts mineurs constatés : un travail "
        "complémentaire est demandé sur cette compétence.", "complement", True),
    (4, "Compétence non acquise", "Écarts majeurs constatés : rattrapage requis de "
        "l'épreuve qui évalue cette compétence.", "rattrapage", True),
]


def create_default_scale(apps, schema_editor):
    Scale = apps.get_model("certifications", "Scale")
    Level = apps.get_model("certifications", "Level")
    scale, _ = Scale.objects.get_or_create(
        code="rncp-4-niveaux", defaults={"name": "Échelle à 4 niveaux (RNCP35609)"}
    )
    for number, label, description, outcome, comment_required in LEVELS:
        Level.objects.get_or_create(
            scale=scale,
            number=number,
            defaults={
                "label": label,
                "description": description,
                "outcome": outcome,
                "comment_required": comment_required,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("certifications", "0001_initial")]

    operations = [migrations.RunPython(create_default_scale, migrations.RunPython.noop)]
