from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Official documents, their register, verification and exports."""

    name = "reports"
    verbose_name = _("Documents and reports")

    def ready(self) -> None:
        """Subscribe to the deliberation's announcements (``deliberations.signals``): a signature
        issues the documents, an amendment reissues the candidate's, on the ``pdf``
        workers."""
        from deliberations.signals import decision_amended, deliberation_signed
        from reports import receivers

        deliberation_signed.connect(receivers.on_deliberation_signed,
                                    dispatch_uid="reports.issue_on_signature")
        decision_amended.connect(receivers.on_decision_amended,
                                 dispatch_uid="reports.reissue_on_amendment")
