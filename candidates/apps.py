from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    """Candidates, sessions, enrolments and the candidate space."""

    name = "candidates"
    verbose_name = _("Candidates")
