from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Official documents, their register, verification and exports."""

    name = "reports"
    verbose_name = _("Documents and reports")
