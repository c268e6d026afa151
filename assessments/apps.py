from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Épreuves held for a session and their results (scores, criteria checks)."""

    name = "assessments"
    verbose_name = _("Assessments")
