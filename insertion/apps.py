from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsertionConfig(AppConfig):
    """The insertion survey of holders, 6 and 24 months after the jury's decision
    (docs/renewal.md): the surveys, their questionnaire page and the counts the renewal
    file reads. The e-mails are sent by the notifications app, above."""

    name = "insertion"
    verbose_name = _("Insertion survey")

    def ready(self) -> None:
        """An erased candidate's surveys leave only anonymous counts (docs/rgpd.md)."""
        from candidates.services import EXPORT_SECTIONS
        from candidates.signals import candidate_erased
        from insertion import receivers

        candidate_erased.connect(receivers.on_candidate_erased,
                                 dispatch_uid="insertion.candidate_erased")
        if receivers.export_section not in EXPORT_SECTIONS:
            EXPORT_SECTIONS.append(receivers.export_section)
