"""Documents speak their holder's language: the candidate's choice (French by default)
for transcripts, attestations and certificates; the certifier's for the minutes."""

from __future__ import annotations

from reports import services
from reports.models import Document, DocumentKind
from reports.tests.test_documents_render import pdf_text


def test_a_holder_who_chose_english_gets_english_documents(signed, rendered, enqueued):
    candidate = signed.charlie.candidate
    candidate.language = "en"
    candidate.save(update_fields=["language"])

    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    for document_id in enqueued:
        services.document_render(document_id=document_id)

    languages = {(d.enrolment_id, d.kind): d.language for d in Document.objects.all()}
    assert languages[(signed.charlie.pk, DocumentKind.CERTIFICATE)] == "en"
    assert languages[(signed.charlie.pk, DocumentKind.TRANSCRIPT)] == "en"
    assert languages[(signed.dave.pk, DocumentKind.TRANSCRIPT)] == "fr"
    assert languages[(None, DocumentKind.MINUTES)] == "fr"
    by_kind = {(context["holder"].get("printed_name"), kind): language
               for kind, context, language in rendered if kind != DocumentKind.MINUTES}
    assert set(by_kind.values()) == {"en", "fr"}


def test_a_reissue_follows_a_changed_preference(alice, signed, rendered, enqueued):
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    transcript = Document.objects.get(enrolment=signed.charlie, kind=DocumentKind.TRANSCRIPT)
    assert transcript.language == "fr"
    candidate = signed.charlie.candidate
    candidate.language = "en"
    candidate.save(update_fields=["language"])

    new = services.document_reissue(document=transcript, by=alice,
                                    reason="Version anglaise demandée.")
    assert new.language == "en"
    assert new.replaces == transcript


def test_the_english_certificate_reads_in_english(signed, enqueued, tmp_path):
    """The real renderer: mandatory mentions come out in English."""
    candidate = signed.charlie.candidate
    candidate.language = "en"
    candidate.save(update_fields=["language"])
    services.documents_issue_for_deliberation(deliberation=signed.deliberation)
    certificate = Document.objects.get(enrolment=signed.charlie, kind=DocumentKind.CERTIFICATE)
    services.document_render(document_id=certificate.pk)
    certificate.refresh_from_db()
    with certificate.file.open("rb") as pdf:
        text = pdf_text(pdf.read(), tmp_path)
    assert "Certificate" in text or "CERTIFICATE" in text
    assert "Certificat " not in text
