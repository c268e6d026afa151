from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JuriesConfig(AppConfig):
    """Jury members, juries, assignments, conflicts of interest, the scoring grid."""

    name = "juries"
    verbose_name = _("Juries")
