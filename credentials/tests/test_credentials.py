"""Open Badges 3.0 credentials (issue 19): signed with each certificate and bloc
attestation, saying what the PDF says; verified by us and by openbadgeslib as any verifier
would; revoked through the status list; another key, an altered byte, a withdrawn key fail;
a rotation keeps old credentials verifiable."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openbadgeslib.ob3 import (
    IdentityObject,
    OB3VerificationError,
    OB3Verifier,
    check_credential_status,
    decode_encoded_list,
    set_indices,
)

from certifications.models import Competence
from credentials.build import issuer_id
from credentials.keys import signing_key
from credentials.models import Credential, IssuerKey
from credentials.services import credential_issue, sign
from credentials.tests.conftest import write_key
from credentials.verify import Verdict, credential_check
from deliberations.services import deliberation_publish
from reports.models import Document, DocumentKind, DocumentStatus
from reports.services import documents_issue_for_deliberation
from reports.services.revocation import document_revoke
from reports.tasks import documents_render_task

SITE = "https://certification.example.org"


@pytest.fixture
def issued(signed, enqueued, rendered) -> list[Document]:
    """The signed deliberation's documents, rendered by the task (as the worker does)."""
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    documents_render_task([d.pk for d in documents])
    return list(Document.objects.filter(pk__in=[d.pk for d in documents]))


def of_kind(documents: list[Document], kind: str, enrolment=None) -> Document:
    return next(d for d in documents if d.kind == kind
                and (enrolment is None or d.enrolment_id == enrolment.pk))


def payload(credential: Credential) -> dict:
    return jwt.decode(credential.token, options={"verify_signature": False})


def status_of(client, url: str) -> bytes:
    return client.get(url.removeprefix(SITE)).content


# --- issuing --------------------------------------------------------------------------------

def test_each_certificate_and_bloc_attestation_gets_one_credential(signing, signed, issued):
    kinds = {d.kind: 0 for d in issued}
    for document in issued:
        has = Credential.objects.filter(document=document).exists()
        assert has == (document.kind in (DocumentKind.CERTIFICATE,
                                          DocumentKind.BLOC_ATTESTATION)), document.kind
        kinds[document.kind] += has
    assert kinds[DocumentKind.CERTIFICATE] == 1  # charlie only is certified
    assert kinds[DocumentKind.BLOC_ATTESTATION] >= 2


def test_the_credential_says_what_the_certificate_says(signing, signed, issued):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    certification = signed.setup.session.referentiel.certification
    claims = payload(certificate.credential)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://www.w3.org/ns/credentials/v2" in claims["@context"]
    assert claims["issuer"]["id"] == f"{SITE}/credentials/issuer"
    assert claims["issuer"]["name"] == certificate.certifier
    assert claims["jti"] == claims["id"] == f"urn:uuid:{certificate.credential.public_id}"
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["name"] == certification.title
    assert achievement["humanCode"] == certification.code
    assert achievement["achievementType"] == "Certification"
    assert achievement["inLanguage"] == "fr"
    targets = {(a["targetType"], a.get("targetCode"), a["targetName"])
               for a in achievement["alignment"]}
    competences = Competence.objects.filter(bloc__referentiel=signed.setup.session.referentiel)
    for competence in competences:
        assert ("ceasn:Competency", competence.code or None, competence.title) in {
            (t, c or None, n) for t, c, n in targets}
    # The holder: a salted fingerprint of the e-mail address, nothing in clear.
    identifier = claims["credentialSubject"]["identifier"][0]
    assert identifier["identityType"] == "emailAddress"
    assert identifier["hashed"] is True
    assert identifier["identityHash"] == IdentityObject.create(
        "charlie@certif.example", salt=identifier["salt"]).identity_hash
    assert "charlie" not in certificate.credential.token
    assert "Charlie" not in json.dumps(claims)
    # The PDF it accompanies, and its place in the revocation list.
    assert claims["evidence"][0]["id"] == \
        f"{SITE}/verify/{certificate.verification_code}/"
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{SITE}/credentials/status/1"
    assert int(status["statusListIndex"]) == certificate.credential.status_index


def test_a_bloc_attestation_names_its_bloc_and_only_its_competences(signing, signed, issued):
    attestation = of_kind(issued, DocumentKind.BLOC_ATTESTATION, signed.charlie)
    achievement = payload(attestation.credential)["credentialSubject"]["achievement"]
    assert achievement["name"] == attestation.bloc.title
    assert achievement["humanCode"] == attestation.bloc.code
    assert achievement["achievementType"] == "Certificate"
    named = {a["targetName"] for a in achievement["alignment"]
             if a["targetType"] == "ceasn:Competency"}
    assert named == {c.title for c in Competence.objects.filter(bloc=attestation.bloc)}


def test_any_openbadgeslib_verifier_accepts_it_with_the_published_key(client, signing, issued):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    keys = client.get("/.well-known/jwks.json").json()["keys"]
    header = jwt.get_unverified_header(certificate.credential.token)
    assert header["kid"] == f"{SITE}/credentials/keys/{keys[0]['kid']}.json"
    published = client.get(header["kid"].removeprefix(SITE)).json()
    assert published == keys[0]
    assert "d" not in published
    public = jwt.PyJWK(published).key
    credential = OB3Verifier(pubkey_pem=public).verify(certificate.credential.token)
    assert credential.issuer.id == issuer_id()
    # The revocation list, fetched and checked (its own signature too) by the library.
    check_credential_status(credential, download=lambda url: status_of(client, url),
                            verify_list=True, list_pubkey_pem=public)


def test_issuing_again_signs_nothing_new(signing, issued):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    first = certificate.credential.token
    assert credential_issue(document=certificate).token == first
    documents_render_task([certificate.pk])
    assert Credential.objects.filter(document=certificate).count() == 1


def test_without_a_key_no_credential_is_issued(signed, issued, client, alice):
    assert not Credential.objects.exists()
    client.force_login(alice)
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    assert client.get(reverse("credentials:download", args=[certificate.public_id])
                      ).status_code == 404
    assert client.get("/credentials/status/1").status_code == 404


def test_a_key_that_cannot_be_read_leaves_the_pdf_issued(settings, tmp_path, issued):
    settings.CREDENTIAL_KEY_PATH = str(tmp_path / "missing.pem")
    documents_render_task([d.pk for d in issued])
    assert not Credential.objects.exists()
    assert all(d.status == DocumentStatus.ISSUED for d in issued)


# --- verifying ------------------------------------------------------------------------------

def test_a_valid_credential_verifies_and_names_its_document(signing, issued):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    check = credential_check(certificate.credential.token)
    assert check.verdict == Verdict.VALID, check.lines
    assert check.document_number == certificate.number
    assert check.achievement_code == certificate.session.referentiel.certification.code
    assert any(certificate.number in line for line in check.lines)


def test_the_holders_address_is_checked_against_its_fingerprint(signing, issued):
    token = of_kind(issued, DocumentKind.CERTIFICATE).credential.token
    assert credential_check(token, email="Charlie@Certif.example").holder_matches is True
    assert credential_check(token, email="dave@certif.example").holder_matches is False


def test_the_downloaded_json_verifies_as_pasted(signing, issued, client, charlie, signed):
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    client.force_login(charlie)
    response = client.get(reverse("credentials:download", args=[certificate.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".json" in response["Content-Disposition"]
    body = response.content.decode()
    assert json.loads(body)["type"] == "EnvelopedVerifiableCredential"
    assert credential_check(body).verdict == Verdict.VALID


def test_a_revoked_documents_credential_verifies_as_revoked(signing, issued, client, alice):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    credential = certificate.credential
    document_revoke(document=certificate, by=alice, reason="Erreur de saisie",
                    public_reason="Délivré par erreur.")
    check = credential_check(credential.token)
    assert check.verdict == Verdict.REVOKED
    assert check.revoked_reason == "Délivré par erreur."
    # The published list has its bit set, read back by openbadgeslib's decoder...
    listed = jwt.decode(client.get("/credentials/status/1").content,
                        options={"verify_signature": False})
    bits = set_indices(decode_encoded_list(listed["credentialSubject"]["encodedList"]))
    assert bits == {credential.status_index}
    # ...and any verifier using the library fails it.
    public = jwt.PyJWK(credential.key.public_jwk).key
    with pytest.raises(OB3VerificationError, match="revocation"):
        OB3Verifier(pubkey_pem=public).verify(
            credential.token, check_status=True,
            download=lambda url: status_of(client, url))


def test_a_credential_signed_with_another_key_fails(signing, issued, other_key_file,
                                                   settings):
    claims = payload(of_kind(issued, DocumentKind.CERTIFICATE).credential)
    settings.CREDENTIAL_KEY_PATH = str(other_key_file)  # a key this issuer never published
    forged = sign(claims, signing_key())
    check = credential_check(forged)
    assert check.verdict == Verdict.FOREIGN
    assert "n'a été signé avec aucune clé de ce certificateur" in check.lines[0]


def test_naming_our_key_but_signing_with_another_fails(signing, issued, other_key_file):
    from cryptography.hazmat.primitives import serialization

    genuine = of_kind(issued, DocumentKind.CERTIFICATE).credential
    header = jwt.get_unverified_header(genuine.token)
    other = serialization.load_pem_private_key(other_key_file.read_bytes(), None)
    forged = jwt.encode(payload(genuine), other, algorithm="RS256", headers=header)
    assert credential_check(forged).verdict == Verdict.INVALID


def test_one_changed_character_fails(signing, issued):
    token = of_kind(issued, DocumentKind.CERTIFICATE).credential.token
    head, body, signature = token.split(".")
    claims = payload(of_kind(issued, DocumentKind.CERTIFICATE).credential)
    claims["credentialSubject"]["achievement"]["name"] = "Doctorat en médecine"
    import base64
    altered_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    check = credential_check(f"{head}.{altered_body}.{signature}")
    assert check.verdict == Verdict.INVALID
    assert "ce badge a été modifié après sa délivrance" in check.lines[0]
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert credential_check(f"{head}.{body}.{flipped}").verdict == Verdict.INVALID


def test_text_that_is_no_credential_is_said_so(db):
    for text in ("bonjour", "{}", '{"id": "data:application/vc+jwt,xx"}', "a.b.c"):
        check = credential_check(text)
        assert check.verdict == Verdict.UNREADABLE, text


def test_a_rotation_keeps_old_credentials_verifiable(signing, signed, issued, settings,
                                                     tmp_path, client):
    old = of_kind(issued, DocumentKind.CERTIFICATE).credential
    settings.CREDENTIAL_KEY_PATH = str(write_key(tmp_path / "new.pem", kind="ed25519"))
    attestation = of_kind(issued, DocumentKind.BLOC_ATTESTATION, signed.charlie)
    Credential.objects.filter(document=attestation).delete()
    new = credential_issue(document=attestation)
    assert new.key != old.key
    assert new.key.algorithm == "EdDSA"
    assert credential_check(old.token).verdict == Verdict.VALID
    assert credential_check(new.token).verdict == Verdict.VALID
    kids = {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert kids == {old.key.kid, new.key.kid}


def test_a_withdrawn_key_no_longer_vouches(signing, issued, settings, tmp_path, client):
    old = of_kind(issued, DocumentKind.CERTIFICATE).credential
    settings.CREDENTIAL_KEY_PATH = str(write_key(tmp_path / "new.pem"))
    with pytest.raises(CommandError, match="in use"):
        call_command("credential_keys", "retire", signing_key().kid, "--reason", "x")
    call_command("credential_keys", "retire", old.key.kid, "--reason", "Clé perdue",
                 stdout=io.StringIO())
    check = credential_check(old.token)
    assert check.verdict == Verdict.INVALID
    assert "a été retirée par le certificateur" in check.lines[-1]
    assert client.get(f"/credentials/keys/{old.key.kid}.json").status_code == 404
    assert old.key.kid not in client.get("/.well-known/jwks.json").content.decode()
    out = io.StringIO()
    call_command("credential_keys", stdout=out)
    assert "withdrawn" in out.getvalue()
    assert "Clé perdue" in out.getvalue()


def test_the_backfill_signs_what_was_issued_before_a_key(issued, settings, key_file):
    assert not Credential.objects.exists()
    settings.CREDENTIAL_KEY_PATH = str(key_file)
    out = io.StringIO()
    call_command("issue_credentials", stdout=out)
    expected = sum(d.kind in (DocumentKind.CERTIFICATE, DocumentKind.BLOC_ATTESTATION)
                   for d in issued)
    assert Credential.objects.count() == expected
    assert out.getvalue().startswith(f"{expected} credentials signed")


# --- pages and API --------------------------------------------------------------------------

def test_the_verification_page_checks_a_pasted_credential(signing, issued, client):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    page = client.get(reverse("reports:verify_form"))
    assert reverse("credentials:verify") in page.content.decode()
    response = client.post(reverse("credentials:verify"),
                           {"credential": certificate.credential.token,
                            "email": "charlie@certif.example"},
                           HTTP_ACCEPT_LANGUAGE="fr")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Badge numérique authentique et valide" in text
    assert f"document n° {certificate.number}" in text
    assert "a été délivré au titulaire de l’adresse charlie@certif.example" in text


def test_a_credential_of_someone_else_is_said_so_first(signing, issued, client):
    token = of_kind(issued, DocumentKind.CERTIFICATE).credential.token
    response = client.post(reverse("credentials:verify"),
                           {"credential": token, "email": "dave@certif.example"},
                           HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert "Authentic credential, but not issued to this address" in text
    assert "message--error" in text
    assert "It was not issued to the holder of the address dave@certif.example." in text


def test_the_verification_page_takes_the_downloaded_file(signing, issued, client):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    upload = SimpleUploadedFile("badge.json", json.dumps(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type":
         "EnvelopedVerifiableCredential",
         "id": "data:application/vc+jwt," + certificate.credential.token}).encode(),
        content_type="application/json")
    response = client.post(reverse("credentials:verify"), {"file": upload},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "Authentic, valid credential" in response.content.decode()


def test_an_empty_form_is_refused_in_words(client, db):
    response = client.post(reverse("credentials:verify"), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Paste a credential or choose its file." in response.content.decode()


def test_the_api_verifies_a_credential(signing, issued, client, alice):
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    response = client.post("/api/v1/verify/credential/",
                           {"credential": certificate.credential.token},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valid"
    assert body["authentic"] is True
    assert body["document_number"] == certificate.number
    document_revoke(document=certificate, by=alice, reason="x")
    body = client.post("/api/v1/verify/credential/", {"credential": certificate.credential.token},
                       content_type="application/json").json()
    assert body["verdict"] == "revoked"
    assert body["authentic"] is False
    assert client.post("/api/v1/verify/credential/", {}, content_type="application/json"
                       ).status_code == 400


def test_the_holder_and_administrators_reach_a_credential_nobody_else(
        signing, signed, issued, client, charlie, dave, bob, alice):
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)  # charlie's
    transcript = of_kind(issued, DocumentKind.TRANSCRIPT, signed.charlie)
    page = reverse("credentials:download", args=[certificate.public_id])
    api = f"/api/v1/documents/{certificate.public_id}/credential/"
    assert client.get(page).status_code == 302  # to the login page
    for user, expected in ((charlie, 200), (alice, 200), (dave, 404), (bob, 404)):
        client.force_login(user)
        assert client.get(page).status_code == expected, user
        assert client.get(api).status_code == expected, user
    client.force_login(charlie)
    assert client.get(reverse("credentials:download", args=[transcript.public_id])
                      ).status_code == 404
    body = client.get(api).json()
    assert body["credential"] == certificate.credential.token
    linkedin = urlparse(body["linkedin_url"])
    query = parse_qs(linkedin.query)
    assert linkedin.netloc == "www.linkedin.com"
    assert query["certId"] == [certificate.number]
    assert query["organizationName"] == [certificate.certifier]
    assert query["certUrl"] == [f"{SITE}/verify/{certificate.verification_code}/"]


def test_the_candidate_space_offers_the_credential_and_linkedin(signing, signed, issued,
                                                                client, charlie):
    deliberation_publish(deliberation=signed.deliberation, by=signed.setup.president.user)
    client.force_login(charlie)
    text = client.get(reverse("candidates:space"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    certificate = of_kind(issued, DocumentKind.CERTIFICATE)
    assert reverse("credentials:download", args=[certificate.public_id]) in text
    assert "Badge numérique (Open Badges, JSON)" in text
    assert "Ajouter à mon profil LinkedIn" in text
    transcript = of_kind(issued, DocumentKind.TRANSCRIPT, signed.charlie)
    assert reverse("credentials:download", args=[transcript.public_id]) not in text


def test_the_public_addresses(signing, issued, client):
    profile = client.get("/credentials/issuer")
    assert profile["Access-Control-Allow-Origin"] == "*"
    assert profile.json()["id"] == f"{SITE}/credentials/issuer"
    assert profile.json()["type"] == ["Profile"]
    keys = client.get("/.well-known/jwks.json")
    assert keys["Content-Type"] == "application/jwk-set+json"
    assert [k["kid"] for k in keys.json()["keys"]] == list(
        IssuerKey.objects.values_list("kid", flat=True))
    status = client.get("/credentials/status/1")
    assert status["Content-Type"] == "application/vc+jwt"
    claims = jwt.decode(status.content, jwt.PyJWK(keys.json()["keys"][0]).key,
                        algorithms=["RS256"])
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["credentialSubject"]["statusPurpose"] == "revocation"
