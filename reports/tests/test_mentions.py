"""No document with a hole (DESIGN.md §6): a missing mandatory mention blocks the document
with a message naming what is missing and where to fill it in; a certificate decided after
the last issuing date needs the certifier's recorded override; signed documents keep the
facts of the day they were signed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from candidates.tests.factories import certifier_ensure
from certifications.models import Bloc, Certifier, Level
from certifications.services import referentiel_lock
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services import deliberation_propose, deliberation_sign, requirement_tick
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from reports import selectors, services
from reports.models import Document, DocumentKind, DocumentStatus, IssuingOverride
from reports.selectors import document_for_verification

pytestmark = pytest.mark.django_db


def _signed(alice, change=None):
    """A signed deliberation of one certified candidate; ``change(setup)`` runs before
    the signature."""
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 1)
    deliberation_propose(session=setup.session, by=alice)
    deliberation = Deliberation.objects.get(session=setup.session)
    for requirement in setup.session.referentiel.certification.requirements.all():
        requirement_tick(decision=CandidateDecision.objects.get(enrolment=enrolment),
                         requirement=requirement, met=True, justification="Attesté.",
                         by=setup.president.user)
    if change is not None:
        change(setup)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    return setup, enrolment, Deliberation.objects.get(pk=deliberation.pk)


def _issue(deliberation, enqueued):
    services.documents_issue_for_deliberation(deliberation=deliberation)
    for document_id in list(enqueued):
        services.document_render(document_id=document_id)
    enqueued.clear()
    return {d.kind: d for d in Document.objects.filter(deliberation=deliberation)
            .exclude(kind=DocumentKind.BLOC_ATTESTATION)} | {
        "attestations": list(Document.objects.filter(deliberation=deliberation,
                                                     kind=DocumentKind.BLOC_ATTESTATION))}


def test_a_missing_registration_date_blocks_what_states_it_until_filled_in(
        alice, rendered, enqueued):
    def no_date(setup):
        certification = setup.session.referentiel.certification
        certification.registration_date = None
        certification.save(update_fields=["registration_date"])

    setup, _enrolment, deliberation = _signed(alice, no_date)
    documents = _issue(deliberation, enqueued)
    certificate = documents[DocumentKind.CERTIFICATE]
    assert certificate.status == DocumentStatus.FAILED
    assert certificate.failure_reason == (
        "Mentions obligatoires manquantes : date de la décision d'enregistrement au RNCP "
        "(les mentions légales de la certification, page Référentiels).")
    assert certificate.file.name in ("", None)
    assert all(a.status == DocumentStatus.FAILED for a in documents["attestations"])
    # The transcript and the minutes do not state the registration: issued.
    assert documents[DocumentKind.TRANSCRIPT].status == DocumentStatus.ISSUED
    assert documents[DocumentKind.MINUTES].status == DocumentStatus.ISSUED

    # Filled in afterwards, the frozen facts are completed, not rewritten: issued.
    certification = setup.session.referentiel.certification
    certification.registration_date = datetime.date(2024, 5, 19)
    certification.save(update_fields=["registration_date"])
    services.document_render(document_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == DocumentStatus.ISSUED
    context = next(c for kind, c, _lang in rendered if kind == DocumentKind.CERTIFICATE)
    assert context["certification"]["registration_date"] == datetime.date(2024, 5, 19)


def test_without_a_signatory_no_holder_document_is_issued(alice, rendered, enqueued):
    def nobody_signs(setup):
        Certifier.objects.update(representative_name="", representative_quality="")

    _setup, _enrolment, deliberation = _signed(alice, nobody_signs)
    documents = _issue(deliberation, enqueued)
    for kind in (DocumentKind.TRANSCRIPT, DocumentKind.CERTIFICATE):
        assert documents[kind].status == DocumentStatus.FAILED
        assert "nom du signataire (la page du certificateur, Référentiels → Certificateurs)" \
            in documents[kind].failure_reason
    # The minutes are signed by the president of the jury.
    assert documents[DocumentKind.MINUTES].status == DocumentStatus.ISSUED
    assert rendered[0][1]["signatory"]["quality"] == "Président du jury"


def test_a_certificate_after_the_last_issuing_date_needs_the_recorded_override(
        alice, bob, rendered, enqueued):
    def ended(setup):
        certification = setup.session.referentiel.certification
        certification.registration_end_date = datetime.date(2024, 5, 19)
        certification.save(update_fields=["registration_end_date"])

    _setup, _enrolment, deliberation = _signed(alice, ended)
    documents = _issue(deliberation, enqueued)
    certificate = documents[DocumentKind.CERTIFICATE]
    assert certificate.status == DocumentStatus.FAILED
    assert certificate.failure_reason.startswith(
        "La certification ne pouvait être délivrée que jusqu'au 19 mai 2024")
    assert all(a.status == DocumentStatus.ISSUED for a in documents["attestations"])
    assert selectors.issuing_closed_on(deliberation) == datetime.date(2024, 5, 19)

    with pytest.raises(PermissionDenied):
        services.issuing_override_record(deliberation=deliberation, by=bob, reason="Non.")
    services.issuing_override_record(deliberation=deliberation, by=alice,
                                     reason="Renouvellement en cours d'instruction.")
    assert enqueued == [certificate.pk]
    services.document_render(document_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == DocumentStatus.ISSUED
    assert IssuingOverride.objects.get().reason == "Renouvellement en cours d'instruction."
    assert AuditEvent.objects.filter(action="documents.issuing_override", actor=alice).exists()
    assert selectors.issuing_closed_on(deliberation) is None


def test_signed_documents_keep_what_was_true_on_the_day(alice, rendered, enqueued):
    setup, enrolment, deliberation = _signed(alice)
    candidate = enrolment.candidate
    printed = candidate.legal_name
    certification = setup.session.referentiel.certification
    title = certification.title
    # After the signature: a rename, an usage name, a bloc and a scale label changed.
    certification.title = "RENAMED after signing"
    certification.save(update_fields=["title"])
    candidate.usage_name = "IMPOSTOR"
    candidate.save(update_fields=["usage_name"])
    bloc = Bloc.objects.filter(referentiel=setup.session.referentiel).order_by("position").first()
    bloc_title = bloc.title
    Bloc.objects.filter(pk=bloc.pk).update(title="Bloc renommé")
    Level.objects.filter(scale=setup.session.referentiel.scale, number=1).update(label="Changé")

    documents = _issue(deliberation, enqueued)
    contexts = {(kind, c["bloc"].get("code")): c for kind, c, _lang in rendered}
    transcript = contexts[(DocumentKind.TRANSCRIPT, None)]
    assert transcript["holder"]["printed_name"] == printed
    assert transcript["certification"]["title"] == title
    assert transcript["blocs"][0]["title"] == bloc_title
    assert transcript["blocs"][0]["competences"][0]["level_label"] != "Changé"
    attestation = contexts[(DocumentKind.BLOC_ATTESTATION, bloc.code)]
    assert attestation["bloc"]["title"] == bloc_title

    verified = document_for_verification(
        code=documents[DocumentKind.CERTIFICATE].verification_code)
    assert verified.statement["holder"] == printed
    assert verified.statement["certification_title"] == title
    page = Client().get(reverse("reports:verify",
                                args=[documents[DocumentKind.CERTIFICATE].verification_code]))
    assert "IMPOSTOR" not in page.content.decode()
    assert "RENAMED" not in page.content.decode()


def test_the_deliberation_page_says_what_documents_would_lack_before_signing(alice):
    setup = jury_setup()
    enrolment = enrol(setup, candidate__birth_commune="", candidate__birth_insee_code="")
    score_all(setup, enrolment, 1)
    deliberation_propose(session=setup.session, by=alice)
    Certifier.objects.update(representative_name="")
    client = Client()
    client.force_login(setup.president.user)
    page = client.get(reverse("deliberations:deliberation", args=[setup.session.public_id]))
    text = page.content.decode()
    assert "Documents qui ne seraient pas délivrés en l'état" in text
    assert "nom du signataire (la page du certificateur, Référentiels → Certificateurs)" in text
    assert f"{enrolment.candidate.legal_name} : lieu de naissance du titulaire" in text


def test_an_administrator_names_the_signatory_on_the_certifier_page(alice):
    certifier = certifier_ensure()
    client = Client()
    client.force_login(alice)
    listing = client.get(reverse("certifications:certifier_list")).content.decode()
    assert certifier.legal_name in listing
    url = reverse("certifications:certifier_edit", args=[certifier.public_id])
    assert url in listing
    response = client.post(url, {"representative_name": "Jean Dupuis",
                                  "representative_quality": "Président", "siret": ""})
    assert response.status_code == 302
    certifier.refresh_from_db()
    assert (certifier.representative_name, certifier.representative_quality) == (
        "Jean Dupuis", "Président")
    event = AuditEvent.objects.get(action="certifier.changed")
    assert event.new == {"representative_name": "Jean Dupuis",
                         "representative_quality": "Président"}

    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("signature.png", b"<svg onload=alert(1)>", "image/png")
    response = client.post(url, {"representative_name": "Jean Dupuis",
                                  "representative_quality": "Président", "signature": fake})
    assert response.status_code == 200
    assert "Seules les images PNG ou JPEG sont acceptées." in response.content.decode()


def test_a_settled_certification_code_cannot_change(alice):
    setup, _enrolment, _deliberation = _signed(alice)
    referentiel_lock(referentiel=setup.session.referentiel)  # as the first score does
    certification = setup.session.referentiel.certification
    client = Client()
    client.force_login(alice)
    url = reverse("certifications:certification_mentions", args=[certification.public_id])
    form = {"code": "RNCP11111", "title": certification.title, "level": "7",
            "eqf_level": "7", "nsf_codes": "326", "registration_date": "2024-05-19",
            "registration_end_date": "2029-05-19", "last_issuing_date": "",
            "certifier_name": "", "certifier_siret": ""}
    response = client.post(url, form)
    assert response.status_code == 200
    assert "figure sur des documents signés" in response.content.decode()
    certification.refresh_from_db()
    assert certification.code != "RNCP11111"
    response = client.post(url, {**form, "code": certification.code, "nsf_codes": "326, 326n"})
    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.nsf_codes == ["326", "326n"]
    assert AuditEvent.objects.filter(action="certification.mentions_changed").count() == 1


def test_a_later_import_does_not_change_what_an_amendment_recomputes(alice, rendered,
                                                                      enqueued):
    """A new requirement (a later version's import replaces them) does not flip a signed
    full success when a harmless amendment recomputes the decision."""
    from certifications.models import Requirement
    from deliberations.models import CandidateOutcome, CompetenceDecision
    from deliberations.services import FinalLevelAmended, amendment_record

    setup, enrolment, _deliberation = _signed(alice)
    decision = CandidateDecision.objects.get(enrolment=enrolment)
    assert decision.outcome == CandidateOutcome.FULL_SUCCESS
    Requirement.objects.create(certification=setup.session.referentiel.certification,
                               label="Nouvelle exigence", position=99)
    competence = CompetenceDecision.objects.filter(candidate_decision=decision).first()
    amendment_record(target=FinalLevelAmended(competence), new_value=2,
                     reason="Erreur de report.", by=setup.president.user)
    decision.refresh_from_db()
    assert decision.outcome == CandidateOutcome.FULL_SUCCESS
    assert "Nouvelle exigence" not in decision.outcome_reason
