"""The document register: its numbers (one locked counter per certifier and year),
its rows, and the documents a signed deliberation wants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from candidates.models import Enrolment
from deliberations.models import (
    CandidateDecision,
    Deliberation,
)
from reports.models import Document, DocumentKind, RegisterCounter


def register_numbers_next(*, certifier: str, year: int, count: int) -> list[str]:
    """The next ``count`` numbers of the certifier's register for the year, consecutive,
    from one locked counter row; call inside the transaction that creates the
    documents, so a rollback gives the numbers back."""
    counter, _created = RegisterCounter.objects.select_for_update().get_or_create(
        certifier=certifier, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{year}-{number:06d}" for number in range(first, first + count)]


def register_number_next(*, certifier: str, year: int) -> str:
    """The next number of the certifier's register for the year (see above)."""
    return register_numbers_next(certifier=certifier, year=year, count=1)[0]


@dataclass(frozen=True)
class _Wanted:
    kind: str
    enrolment_id: int | None
    bloc_id: int | None
    # The holder's language when already known (not part of what makes a document due).
    language: str | None = field(default=None, compare=False)


def _wanted(decisions: list[CandidateDecision]) -> list[_Wanted]:
    wanted = [_Wanted(DocumentKind.MINUTES, None, None)]
    for decision in decisions:
        holder = decision.enrolment_id
        language = decision.enrolment.candidate.language
        wanted.append(_Wanted(DocumentKind.TRANSCRIPT, holder, None, language))
        wanted += [_Wanted(DocumentKind.BLOC_ATTESTATION, holder, b.bloc_id, language)
                   for b in decision.validated_blocs()]
        if decision.earns_certificate:
            wanted.append(_Wanted(DocumentKind.CERTIFICATE, holder, None, language))
    return wanted


def _current(deliberation: Deliberation, enrolment_id: int | None = None
             ) -> dict[_Wanted, Document]:
    """The head of each reissue chain: the documents no later row replaces."""
    rows = Document.objects.filter(deliberation=deliberation, replaced_by__isnull=True)
    if enrolment_id is not None:
        rows = rows.filter(enrolment_id=enrolment_id)
    return {_Wanted(d.kind, d.enrolment_id, d.bloc_id): d for d in rows}


def _language(wanted: _Wanted) -> str:
    """A holder's documents speak the holder's language (as it is now: a reissue follows
    a changed preference); the minutes, the certifier's."""
    if wanted.enrolment_id is None:
        return settings.LANGUAGE_CODE
    if wanted.language:
        return wanted.language
    return (Enrolment.objects.filter(pk=wanted.enrolment_id)
            .values_list("candidate__language", flat=True).get())


def _documents_create(deliberation: Deliberation, wanted: Sequence[_Wanted],
                      replaces: Document | None = None) -> list[Document]:
    """The register rows, numbered in order, in one locked counter update and one insert
    (a session's thousands of documents do not cost a query each)."""
    if not wanted:
        return []
    certification = deliberation.session.referentiel.certification
    certifier = certification.certifier_legal_name
    numbers = register_numbers_next(certifier=certifier, year=timezone.localdate().year,
                                    count=len(wanted))
    return Document.objects.bulk_create([
        Document(kind=w.kind, enrolment_id=w.enrolment_id, bloc_id=w.bloc_id,
                 session=deliberation.session, deliberation=deliberation,
                 certifier=certifier, number=number, language=_language(w),
                 replaces=replaces)
        for w, number in zip(wanted, numbers, strict=True)
    ], batch_size=1000)


def _document_create(deliberation: Deliberation, wanted: _Wanted,
                     replaces: Document | None = None) -> Document:
    return _documents_create(deliberation, [wanted], replaces=replaces)[0]


def _decisions(deliberation: Deliberation, enrolment_id: int | None = None
               ) -> list[CandidateDecision]:
    rows = (CandidateDecision.objects.filter(deliberation=deliberation)
            .select_related("enrolment__candidate").prefetch_related("blocs"))
    if enrolment_id is not None:
        rows = rows.filter(enrolment_id=enrolment_id)
    return list(rows.order_by("pk"))
