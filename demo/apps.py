from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data and the demo commands (``load_demo``, ``demo_session``): the top floor,
    above every domain app, with no models of its own."""

    name = "demo"
    verbose_name = _("Demo")
