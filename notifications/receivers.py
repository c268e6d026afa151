"""The notifications app's answers to the announcements of the apps below it (connected in
``NotificationsConfig.ready()``): thin, they call the services, which queue the messages."""

from __future__ import annotations

from typing import Any

from notifications import services


def on_assignment_created(*, assignment_id: int, **_kwargs: Any) -> None:
    services.jury_assignment_notify(assignment_id=assignment_id)


def on_results_published(*, session_id: int, **_kwargs: Any) -> None:
    from notifications.tasks import notify_results_published

    notify_results_published.delay(session_id)


def on_documents_rendered(*, document_ids: list[int], **_kwargs: Any) -> None:
    services.documents_available_notify(document_ids=document_ids)


def on_candidate_erased(*, user_id: int | None, email: str, enrolment_ids: list[int],
                        **_kwargs: Any) -> None:
    services.messages_scrub_for_erasure(user_id=user_id, email=email,
                                        enrolment_ids=enrolment_ids)
