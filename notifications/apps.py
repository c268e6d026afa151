from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """E-mails to jury members and candidates, kept as messages an administrator reads
    and sends again."""

    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        """Subscribe to the announcements of the apps below (DESIGN.md §3): an assignment,
        a publication, rendered documents each queue their messages; an erasure scrubs
        the messages that name the person."""
        from candidates.signals import candidate_erased
        from deliberations.signals import results_published
        from juries.signals import assignment_created
        from notifications import receivers
        from reports.signals import documents_rendered

        assignment_created.connect(receivers.on_assignment_created,
                                   dispatch_uid="notifications.jury_assignment")
        results_published.connect(receivers.on_results_published,
                                  dispatch_uid="notifications.results_published")
        documents_rendered.connect(receivers.on_documents_rendered,
                                   dispatch_uid="notifications.documents_available")
        candidate_erased.connect(receivers.on_candidate_erased,
                                 dispatch_uid="notifications.candidate_erased")
