"""Writes on the document register (DESIGN.md §4.5, §6): create the rows of a signed
deliberation, render each one exactly once, revoke, reissue.

The context given to ``reports.documents.render_pdf(kind, context, language=…)`` — the
PDF templates rely on exactly these keys:

- ``document``: ``kind``, ``number``, ``verification_code``, ``verification_url``,
  ``issued_on`` (date), ``place`` (the session's place), ``language``;
- ``certifier``: ``name``, ``siret``;
- ``certification``: ``code``, ``title``, ``level``, ``eqf_level``, ``nsf_codes``,
  ``registration_date``, ``registration_end_date``;
- ``holder``: ``legal_name``, ``birth_name``, ``usage_name``, ``first_names``,
  ``birth_date``, ``birth_place`` (empty strings for the minutes);
- ``session``: ``name``, ``starts_on``, ``ends_on``;
- ``signatory``: ``name``, ``quality`` (the jury president);
- ``blocs`` (transcript): ``[{"code", "title", "status", "status_label",
  "competences": [{"code", "title", "level", "level_label"}]}]``;
- ``bloc`` (bloc attestation): ``{"code", "title"}``;
- ``outcome``, ``outcome_label`` (the candidate's decision; empty for the minutes);
- ``minutes`` (minutes): ``{"members_present": [...], "checks": {...},
  "decisions": [...], "signed_at", "signed_by"}``, the data frozen at signing.

Everything comes from the signed decisions, never from raw scores.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_issue_documents, require
from accounts.services import audit_log
from candidates.facts import (
    certifier_legal_name,
    day,
    document_gaps,
    issuing_closed,
    printed_name,
)
from candidates.facts import holder_facts as holder_facts_live
from candidates.models import AcquisitionOrigin, Enrolment
from certifications.models import Bloc, Certification, Certifier
from certifications.selectors import scale_levels
from juries.models import (
    Amendment,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    Deliberation,
    Quality,
)
from reports.models import (
    Document,
    DocumentKind,
    DocumentStatus,
    IssuingOverride,
    RegisterCounter,
)
from reports.selectors import deliberation_facts


# -- register -------------------------------------------------------------------------------
def certifier_name(certification: Certification) -> str:
    """The legal name printed and the register's owner (``candidates.facts``)."""
    return certifier_legal_name(certification)


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
                   for b in decision.blocs.all() if b.status == BlocDecisionStatus.VALIDATED]
        if decision.outcome == CandidateOutcome.FULL_SUCCESS:
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
    certifier = certifier_name(certification)
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


def render_on_commit(document_ids: Sequence[int]) -> None:
    """Send the rendering of these documents to the ``pdf`` queue after the commit, in
    batches of ``DOCUMENT_RENDER_BATCH`` (one layout and one font subsetting per batch
    where batching pays, see ``reports.documents.batching_pays``)."""
    from reports.tasks import documents_render_task

    ids = list(document_ids)
    size = settings.DOCUMENT_RENDER_BATCH
    for start in range(0, len(ids), size):
        documents_render_task.delay_on_commit(ids[start:start + size])


def _decisions(deliberation: Deliberation, enrolment_id: int | None = None
               ) -> list[CandidateDecision]:
    rows = (CandidateDecision.objects.filter(deliberation=deliberation)
            .select_related("enrolment__candidate").prefetch_related("blocs"))
    if enrolment_id is not None:
        rows = rows.filter(enrolment_id=enrolment_id)
    return list(rows.order_by("pk"))


@transaction.atomic
def documents_issue_for_deliberation(*, deliberation: Deliberation) -> list[Document]:
    """Create the missing rows of a signed deliberation — the minutes, and per candidate
    a transcript, an attestation per validated bloc, a certificate if certified — and
    render them after the commit. Running it again creates nothing (nor any number)."""
    deliberation = (Deliberation.objects.select_for_update(of=("self",))
                    .select_related("session__referentiel__certification")
                    .get(pk=deliberation.pk))
    if not deliberation.is_signed:
        raise ValidationError(_("Only a signed deliberation issues documents."),
                              code="not_signed")
    existing = _current(deliberation)
    created = _documents_create(
        deliberation, [w for w in _wanted(_decisions(deliberation)) if w not in existing])
    if created:
        audit_log(actor=None, action="documents.created", obj=deliberation,
                  new={"documents": [d.number for d in created]},
                  context={"session": str(deliberation.session.public_id)})
    render_on_commit([d.pk for d in created if d.status == DocumentStatus.PENDING])
    return created


# -- rendering ------------------------------------------------------------------------------
def _claimable(now: datetime.datetime) -> Q:
    """Rows a worker may take: pending, failed, or claimed by a dead worker (a claim older
    than ``DOCUMENT_RENDER_STALE_AFTER`` seconds, past the task hard time limit)."""
    stale = now - datetime.timedelta(seconds=settings.DOCUMENT_RENDER_STALE_AFTER)
    return Q(status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED]) | Q(
        status=DocumentStatus.RENDERING, rendering_started_at__lt=stale)


def _claim(document_id: int) -> bool:
    """Exactly-once effect with at-least-once delivery: only one worker moves the row to
    rendering (conditional update)."""
    now = timezone.now()
    return Document.objects.filter(_claimable(now), pk=document_id).update(
        status=DocumentStatus.RENDERING, rendering_started_at=now, failure_reason="") == 1


def _claim_many(document_ids: Sequence[int]) -> list[int]:
    """``_claim`` for a batch in one update: the rows this call moved to rendering are
    those stamped with its own instant."""
    now = timezone.now()
    Document.objects.filter(_claimable(now), pk__in=document_ids).update(
        status=DocumentStatus.RENDERING, rendering_started_at=now, failure_reason="")
    return list(Document.objects.filter(pk__in=document_ids, status=DocumentStatus.RENDERING,
                                        rendering_started_at=now).values_list("pk", flat=True))


def _look_again_when_stale(document: Document) -> None:
    """Claimed by another worker, alive or dead: a pool process killed mid-render gives
    its task back at once (reject on worker lost), before the claim is stale. Look
    again when it is, or the row would stay "rendering" for ever."""
    from reports.tasks import document_render_task

    started = document.rendering_started_at or timezone.now()
    left = settings.DOCUMENT_RENDER_STALE_AFTER - (timezone.now() - started).total_seconds()
    document_render_task.apply_async(args=[document.pk], countdown=max(1, left + 1))


def _rendering_rows() -> QuerySet[Document]:
    return Document.objects.select_related(
        "session__referentiel__certification", "session__jury__president__user",
        "enrolment__candidate", "bloc", "deliberation")


def _failed(document: Document, error: Exception) -> None:
    """A legal document's failure is a recorded status with its reason."""
    if isinstance(error, ValidationError):  # a missing mention: said in words
        reason = " ".join(error.messages)[:2000]
    else:
        reason = f"{type(error).__name__}: {error}"[:2000]
    Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).update(
        status=DocumentStatus.FAILED, failure_reason=reason)
    audit_log(actor=None, action="document.failed", obj=document,
              new={"reason": reason}, context=_audit_context(document))


def documents_render(*, document_ids: Sequence[int]) -> list[Document]:
    """Bulk rendering: claim each document, lay the claimed ones out in batches
    (``reports.documents.render_pdfs``: where it pays, one layout and one font subsetting
    per batch, split into standalone PDFs), store each PDF. A batch that fails is rendered again one
    by one, so each failure is recorded on its own document; an ``OSError`` is raised
    again at the end so the task retries (issued documents are not claimed again)."""
    from reports.documents import render_pdfs

    claimed = _claim_many(document_ids)
    for document in Document.objects.filter(pk__in=set(document_ids) - set(claimed),
                                            status=DocumentStatus.RENDERING):
        _look_again_when_stale(document)
    documents = list(_rendering_rows().filter(pk__in=claimed).order_by("number"))
    retry: OSError | None = None
    for language in sorted({d.language for d in documents}):
        batch = [d for d in documents if d.language == language]
        issued_at = timezone.now()
        try:
            with translation.override(language):
                contexts = [document_context(document=d, issued_on=timezone.localdate(issued_at))
                            for d in batch]
                pdfs = render_pdfs([(d.kind, c) for d, c in zip(batch, contexts, strict=True)],
                                   language=language)
        except Exception:  # one bad document must not fail its neighbours: one by one
            for document in batch:
                retry = _render_claimed(document) or retry
            continue
        for document, pdf in zip(batch, pdfs, strict=True):
            try:
                _store(document, pdf, issued_at)
            except Exception as error:
                _failed(document, error)
                retry = error if isinstance(error, OSError) else retry
    if retry is not None:
        raise retry
    return list(Document.objects.filter(pk__in=document_ids).order_by("number"))


def _render_claimed(document: Document) -> OSError | None:
    """Render one claimed document; a failure is recorded (an ``OSError`` returned)."""
    try:
        _render_and_store(document)
    except Exception as error:
        _failed(document, error)
        if isinstance(error, OSError):
            return error
    return None


def document_render(*, document_id: int) -> Document:
    """Render a claimed document, store the PDF and its hash, mark it issued. A failure
    is recorded as the failed status with its reason; an ``OSError`` (storage, network)
    is raised again after that so the task retries. Run again on an issued document, it
    does nothing."""
    if not _claim(document_id):
        document = Document.objects.get(pk=document_id)
        if document.status == DocumentStatus.RENDERING:
            _look_again_when_stale(document)
        return document
    document = _rendering_rows().get(pk=document_id)
    error = _render_claimed(document)
    if error is not None:
        raise error
    document.refresh_from_db()
    return document


def _render_and_store(document: Document) -> None:
    from reports.documents import render_pdf

    issued_at = timezone.now()
    with translation.override(document.language):
        context = document_context(document=document, issued_on=timezone.localdate(issued_at))
        pdf = render_pdf(document.kind, context, language=document.language)
    _store(document, pdf, issued_at)


def _store(document: Document, pdf: bytes, issued_at: datetime.datetime) -> None:
    """Save the PDF under the row's own name and mark the claimed row issued.

    The same name on every run (the row's public id under its creation year, the row
    being unissued here): a file a killed worker wrote but did not record is replaced,
    never left beside a copy with a suffix (``get_available_name``)."""
    name = document.file.field.generate_filename(document, "document.pdf")
    storage = document.file.storage
    if storage.exists(name):
        storage.delete(name)
    name = storage.save(name, ContentFile(pdf))
    sha256 = hashlib.sha256(pdf).hexdigest()
    document.file.name, document.issued_at = name, issued_at
    # Only the claimed row is filled: a revocation in between wins.
    updated = Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).update(
        status=DocumentStatus.ISSUED, file=name, issued_at=issued_at, sha256=sha256,
        failure_reason="")
    if updated:
        audit_log(actor=None, action="document.issued", obj=document,
                  new={"number": document.number, "sha256": sha256},
                  context=_audit_context(document))
    elif not Document.objects.filter(pk=document.pk, file=name).exists():
        storage.delete(name)  # revoked meanwhile: no file without its row


def _audit_context(document: Document) -> dict[str, str]:
    context = {"session": str(document.session.public_id), "document": str(document.public_id)}
    if document.enrolment_id is not None:
        context["candidate"] = str(document.enrolment.candidate.public_id)
    return context


# -- the context of the templates -----------------------------------------------------------
class MissingMentionsError(ValidationError):
    """A mandatory mention (DESIGN.md §6) is missing: the document is not issued."""


def verification_url(code: str) -> str:
    return settings.SITE_URL + reverse("reports:verify", args=[code])


def _image_uri(field: FieldFile | None) -> str:
    """A stored image as a ``data:`` URI (the renderer fetches nothing else)."""
    if not field:
        return ""
    try:
        with field.open("rb") as handle:
            data = handle.read(2 * 1024 * 1024)
    except OSError:
        return ""
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def _certifier(facts: dict) -> dict:
    certifier = facts["certification"]["certifier"]
    profile = (Certifier.objects.filter(public_id=certifier["profile"]).first()
               if certifier.get("profile") else None)
    return {"name": certifier["legal_name"], "siret": certifier.get("siret", ""),
            "logo": _image_uri(profile.logo if profile else None),
            "signature": _image_uri(profile.signature if profile else None),
            "representative_name": certifier.get("representative_name", ""),
            "representative_quality": certifier.get("representative_quality", "")}


def _certification(facts: dict) -> dict:
    certification = facts["certification"]
    return {
        "code": certification.get("code", ""), "title": certification.get("title", ""),
        "level": certification.get("level"), "eqf_level": certification.get("eqf_level"),
        "nsf_codes": list(certification.get("nsf_codes") or []),
        "registration_date": day(certification.get("registration_date")),
        "registration_end_date": day(certification.get("registration_end_date")),
    }


def _decided_on(deliberation: Deliberation) -> datetime.date:
    """The decision date: the day the deliberation was signed (DESIGN.md §6)."""
    return timezone.localdate(deliberation.signed_at)


def document_context(*, document: Document, issued_on: datetime.date) -> dict:
    """What ``render_pdf`` receives (keys in the module docstring), from the facts frozen
    at signing. Raises ``MissingMentionsError`` when a mandatory mention is missing, or
    for a certificate decided after the last issuing date without an override."""
    deliberation = document.deliberation
    facts = deliberation_facts(deliberation)
    session = facts.get("session", {})
    holder_facts = None
    if document.enrolment_id is not None:
        key = str(document.enrolment.candidate.public_id)
        holder_facts = (facts.get("holders", {}).get(key)
                        or holder_facts_live(document.enrolment.candidate))
    _check(document, deliberation, facts, holder_facts)
    certifier = _certifier(facts)
    signatory = {"name": certifier["representative_name"],
                 "quality": certifier["representative_quality"],
                 "image": certifier["signature"]}
    if document.kind == DocumentKind.MINUTES:
        president = next((m for m in facts.get("members_present", []) if m.get("president")),
                         None)
        signatory = {"name": president["name"] if president else "",
                     "quality": _("President of the jury"), "image": ""}
    context: dict = {
        "document": {
            "kind": document.kind, "number": document.number,
            "verification_code": document.verification_code,
            "verification_url": verification_url(document.verification_code),
            "issued_on": issued_on, "place": session.get("place") or document.session.place,
            "language": document.language, "decided_on": _decided_on(deliberation),
        },
        "certifier": certifier,
        "certification": _certification(facts),
        "holder": _holder(holder_facts),
        "session": {"name": session.get("name") or document.session.name,
                    "starts_on": day(session.get("starts_on")) or document.session.starts_on,
                    "ends_on": day(session.get("ends_on")) or document.session.ends_on},
        "signatory": signatory,
        "blocs": [], "bloc": {}, "outcome": "", "outcome_label": "", "minutes": {},
    }
    if document.kind == DocumentKind.MINUTES:
        context["minutes"] = _minutes(deliberation, facts)
        return context
    decisions = CandidateDecision.objects.filter(deliberation=deliberation,
                                                 enrolment=document.enrolment)
    if document.kind == DocumentKind.TRANSCRIPT:  # only the transcript lists every level
        decisions = decisions.prefetch_related("blocs", "competences",
                                               "enrolment__acquired_blocs")
    decision = decisions.get()
    context["outcome"] = decision.outcome
    context["outcome_label"] = CandidateOutcome(decision.outcome).label
    context["absent"] = decision.outcome in (CandidateOutcome.ABSENT, CandidateOutcome.EXCUSED)
    if document.bloc is not None:
        bloc = _referentiel_blocs(facts, deliberation).get(document.bloc_id, {})
        context["bloc"] = {"code": bloc.get("code", document.bloc.code),
                           "title": bloc.get("title", document.bloc.title)}
    if document.kind == DocumentKind.TRANSCRIPT:
        context["blocs"] = _transcript_blocs(decision, facts, deliberation)
    return context


def _check(document: Document, deliberation: Deliberation, facts: dict,
           holder: dict | None) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        gaps = document_gaps(document.kind, facts["certification"], holder)
        if gaps:
            raise MissingMentionsError(
                _("Missing mandatory mentions: %(gaps)s.")
                % {"gaps": "; ".join(str(gap) for gap in gaps)}, code="mentions")
        closed = issuing_closed(facts["certification"], _decided_on(deliberation))
        if (document.kind == DocumentKind.CERTIFICATE and closed
                and not IssuingOverride.objects.filter(deliberation=deliberation).exists()):
            raise MissingMentionsError(
                _("The certification could be awarded until %(date)s only: a certificate "
                  "decided later needs the certifier's explicit override, with a reason, "
                  "on the session's documents page.")
                % {"date": date_format(closed, "j F Y")}, code="issuing_closed")


def _holder(facts: dict | None) -> dict:
    if facts is None:
        return {"printed_name": "", "birth_name": "", "usage_name": "", "first_names": "",
                "sex": "", "birth_date": None, "birth_place": ""}
    return {"printed_name": printed_name(facts), "birth_name": facts.get("birth_name", ""),
            "sex": facts.get("sex", ""),
            "usage_name": facts.get("usage_name", ""),
            "first_names": facts.get("first_names", ""),
            "birth_date": day(facts.get("birth_date")),
            "birth_place": facts.get("birth_place", "")}


def _referentiel_blocs(facts: dict, deliberation: Deliberation) -> dict[int, dict]:
    """The blocs and their compétences as frozen at signing (live for a deliberation
    signed before the facts were frozen)."""
    frozen = facts.get("referentiel")
    if frozen:
        blocs = {b["id"]: {**b, "competences": []} for b in frozen["blocs"]}
        for competence in frozen["competences"]:
            blocs[competence["bloc"]]["competences"].append(competence)
        return blocs
    referentiel = deliberation.session.referentiel
    return {b.pk: {"id": b.pk, "code": b.code, "title": b.title,
                   "competences": [{"id": c.pk, "code": c.code, "title": c.title}
                                   for c in sorted(b.competences.all(),
                                                   key=lambda c: (c.position, c.pk))]}
            for b in Bloc.objects.filter(referentiel=referentiel)
            .prefetch_related("competences").order_by("position", "pk")}


def _scale_labels(facts: dict, deliberation: Deliberation) -> dict[int, str]:
    frozen = facts.get("referentiel", {}).get("scale")
    if frozen:
        return {int(number): label for number, label in frozen.items()}
    referentiel = deliberation.session.referentiel
    return {level.number: level.label for level in scale_levels(referentiel=referentiel)}


def _transcript_blocs(decision: CandidateDecision, facts: dict,
                      deliberation: Deliberation) -> list[dict]:
    labels = _scale_labels(facts, deliberation)
    finals: dict[int, int | None] = {c.competence_id: c.final_level
                                     for c in decision.competences.all()}
    statuses = {b.bloc_id: b for b in decision.blocs.all()}
    acquired = {a.bloc_id: a for a in decision.enrolment.acquired_blocs.all()}
    rows = []
    for bloc in _referentiel_blocs(facts, deliberation).values():
        status = statuses.get(bloc["id"])
        before = acquired.get(bloc["id"])
        if before is not None:
            status_label = _("Acquired before (%(origin)s, %(date)s)") % {
                "origin": AcquisitionOrigin(before.origin).label,
                "date": date_format(before.acquired_on, "j F Y")}
        else:
            status_label = BlocDecisionStatus(status.status).label if status else _("not assessed")
        rows.append({
            "code": bloc["code"], "title": bloc["title"],
            "status": ("acquired_before" if before is not None
                       else status.status if status else ""),
            "status_label": status_label,
            "acquired": before is not None,
            "competences": [
                {"code": c["code"], "title": c["title"], "level": finals.get(c["id"]),
                 "level_label": labels.get(finals.get(c["id"]) or 0, "")}
                for c in bloc["competences"]
            ],
        })
    return rows


def _minutes(deliberation: Deliberation, facts: dict) -> dict:
    """The procès-verbal: members present with their quality in words, the composition
    check as recorded at signing, and every candidate's decision."""
    composition = facts.get("composition", {})
    members = [{**m, "quality_label": Quality(m["quality"]).label if m.get("quality") in
                Quality.values else m.get("quality", "")}
               for m in facts.get("members_present", [])]
    codes = {b["id"]: b["code"] for b in facts.get("referentiel", {}).get("blocs", [])}
    rows = []
    for decision in facts.get("decisions", []):
        holder = facts.get("holders", {}).get(decision["candidate"])
        blocs = decision.get("blocs", [])
        rows.append({
            "holder": printed_name(holder) if holder else decision.get("name", ""),
            "outcome_label": CandidateOutcome(decision["outcome"]).label,
            "validated": [b["code"] or codes.get(b.get("id"), "") for b in blocs
                          if b["status"] == BlocDecisionStatus.VALIDATED],
            "acquired": [a["code"] for a in decision.get("acquired", [])],
            "rattrapage": [b["code"] for b in blocs
                           if b["status"] == BlocDecisionStatus.RATTRAPAGE],
        })
    share = composition.get("external_professional_share")
    return {
        "members_present": members,
        "present": composition.get("present", len(members)),
        "quorum": composition.get("quorum_min_members"),
        "external_professionals": composition.get(
            "external_professionals", sum(1 for m in members if m.get("external_professional"))),
        "external_share_required": round(100 * float(share)) if share else None,
        "women": composition.get("women", sum(1 for m in members if m.get("sex") == "F")),
        "men": composition.get("men", sum(1 for m in members if m.get("sex") == "M")),
        "regular": not composition.get("errors"),
        "warnings": composition.get("warnings", []),
        "decisions": rows,
        "signed_at": deliberation.signed_at,
        "signed_by": facts.get("signature", {}).get("by", ""),
        "president_sex": next((m.get("sex", "") for m in members if m.get("president")), ""),
    }


# -- issuing after the end of registration --------------------------------------------------
@transaction.atomic
def issuing_override_record(*, deliberation: Deliberation, by: User, reason: str
                            ) -> IssuingOverride:
    """The certifier's explicit decision to issue the certificates of a deliberation
    decided after the certification's last issuing date, with its reason (audited); the
    certificates that failed for that reason are rendered again after the commit."""
    require(may_issue_documents(by))
    if not reason.strip():
        raise ValidationError(_("A reason is required."), code="reason")
    if not deliberation.is_signed:
        raise ValidationError(_("Only a signed deliberation issues documents."),
                              code="not_signed")
    override, created = IssuingOverride.objects.get_or_create(
        deliberation=deliberation, defaults={"reason": reason.strip(), "by": by})
    if created:
        audit_log(actor=by, action="documents.issuing_override", obj=deliberation,
                  new={"reason": override.reason},
                  context={"session": str(deliberation.session.public_id)})
        render_on_commit(list(Document.objects.filter(
            deliberation=deliberation, kind=DocumentKind.CERTIFICATE,
            status=DocumentStatus.FAILED).values_list("pk", flat=True)))
    return override


def issuing_closed_on(deliberation: Deliberation) -> datetime.date | None:
    """The certification's last issuing date when this deliberation was signed after it
    and no override is recorded (None otherwise)."""
    if not deliberation.is_signed:
        return None
    facts = deliberation_facts(deliberation)
    closed = issuing_closed(facts["certification"], _decided_on(deliberation))
    if closed and IssuingOverride.objects.filter(deliberation=deliberation).exists():
        return None
    return closed


# -- revocation and reissue -----------------------------------------------------------------
def _revoke(document: Document, by: User, reason: str, public_reason: str = "") -> Document:
    if not reason.strip():
        raise ValidationError(_("A reason is required to revoke a document."), code="reason")
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status == DocumentStatus.REVOKED:
        raise ValidationError(_("This document is already revoked."), code="revoked")
    old = {"status": document.status}
    document.status = DocumentStatus.REVOKED
    document.revoked_at, document.revoked_by = timezone.now(), by
    document.revocation_reason = reason.strip()
    document.public_revocation_reason = public_reason.strip()
    document.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason",
                                 "public_revocation_reason"])
    audit_log(actor=by, action="document.revoked", obj=document, old=old,
              new={"status": document.status, "reason": document.revocation_reason,
                   "public_reason": document.public_revocation_reason},
              context=_audit_context(document))
    return document


@transaction.atomic
def document_revoke(*, document: Document, by: User, reason: str,
                    public_reason: str = "") -> Document:
    """Revoke: the verification page says so, with the date and the public reason (a
    generic sentence when none is given); ``reason`` stays internal."""
    require(may_issue_documents(by))
    return _revoke(document, by, reason, public_reason)


@transaction.atomic
def document_reissue(*, document: Document, by: User, reason: str,
                     public_reason: str = "") -> Document:
    """Revoke the document and create the one that replaces it (a new number and code),
    rendered after the commit."""
    require(may_issue_documents(by))
    return _reissue(document, by, reason, public_reason)


def _reissue(document: Document, by: User, reason: str, public_reason: str = "") -> Document:
    if Document.objects.filter(replaces=document).exists():
        raise ValidationError(_("This document was already reissued."), code="reissued")
    if document.status != DocumentStatus.REVOKED:
        document = _revoke(document, by, reason, public_reason)
    deliberation = Deliberation.objects.select_related(
        "session__referentiel__certification").get(pk=document.deliberation_id)
    new = _document_create(deliberation, _Wanted(document.kind, document.enrolment_id,
                                                 document.bloc_id), replaces=document)
    audit_log(actor=by, action="document.reissued", obj=new,
              old={"number": document.number}, new={"number": new.number, "reason": reason},
              context=_audit_context(new))
    render_on_commit([new.pk])
    return new


@transaction.atomic
def documents_reissue_for_amendment(*, amendment: Amendment) -> list[Document]:
    """After an amendment, the candidate's documents follow the amended decision: each
    one still due is reissued, one no longer due (a bloc or the certification withdrawn)
    is revoked, a newly due one is created. Running it twice changes nothing more."""
    decision = CandidateDecision.objects.get(pk=amendment.candidate_decision_id)
    deliberation = Deliberation.objects.select_for_update(of=("self",)).select_related(
        "session__referentiel__certification").get(pk=decision.deliberation_id)
    # The amendment's reason is the jury's, internal; the public reads a generic sentence.
    reason = _("Amended decision: %(reason)s") % {"reason": amendment.reason}
    public_reason = _("Decision amended by the jury; a new document replaces this one.")
    current = _current(deliberation, decision.enrolment_id)
    due = [w for w in _wanted(_decisions(deliberation, decision.enrolment_id))
           if w.kind != DocumentKind.MINUTES]
    done_already = Document.objects.filter(
        deliberation=deliberation, enrolment_id=decision.enrolment_id,
        created_at__gte=amendment.at).exists()
    if done_already:
        return []
    created = []
    for wanted in due:
        old = current.pop(wanted, None)
        if old is None:
            created.append(_document_create(deliberation, wanted))
        else:
            created.append(_reissue(old, amendment.by, reason, public_reason))
    for leftover in current.values():
        if leftover.status != DocumentStatus.REVOKED:
            _revoke(leftover, amendment.by, reason,
                    _("Decision amended by the jury; this document is withdrawn."))
    render_on_commit([d.pk for d in created if d.replaces_id is None])
    return created
