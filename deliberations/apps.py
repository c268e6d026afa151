from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationsConfig(AppConfig):
    """The jury's deliberation: proposal, decisions, signature, amendments."""

    name = "deliberations"
    verbose_name = _("Deliberations")
