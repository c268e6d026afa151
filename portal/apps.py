from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Pages that gather several apps (the home page per role, the candidate space, the
    session dashboard): the top floor, above every domain app, with no models of its own.
    No app below imports it."""

    name = "portal"
    verbose_name = _("Portal")
