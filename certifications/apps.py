from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationsConfig(AppConfig):
    """RNCP certifications, référentiel versions, import/export formats and rules."""

    name = "certifications"
    verbose_name = _("Certifications")
