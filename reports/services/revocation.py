"""Revoke and reissue documents (by hand, or after an amendment), and the
certifier's override to issue certificates decided after the last issuing date."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_issue_documents, require
from accounts.services import audit_log
from deliberations.models import Amendment, CandidateDecision, Deliberation
from reports.models import Document, DocumentKind, DocumentStatus, IssuingOverride
from reports.services.issuing import render_on_commit
from reports.services.register import _current, _decisions, _document_create, _Wanted, _wanted
from reports.services.rendering import _audit_context


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
