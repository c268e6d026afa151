from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    """Open Badges 3.0 credentials beside the PDF certificates and bloc attestations."""

    name = "credentials"
    verbose_name = _("Digital credentials")

    def ready(self) -> None:
        from credentials import receivers
        from reports.signals import documents_rendered

        documents_rendered.connect(receivers.on_documents_rendered,
                                   dispatch_uid="credentials.on_documents_rendered")
