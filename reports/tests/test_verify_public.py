"""The public side of verification (issue 18): ``/verify/`` has a form a visitor finds from
any page, a code typed as printed leads to its page, an unknown code is our own 404 page
with the form again (never Django's debug page), the rate limit holds on the form too, and
a revocation's internal reason reaches no public answer (page, API, holder's API)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from reports.models import Document, DocumentKind, verification_code_normalize
from reports.services import (
    document_reissue,
    document_render,
    document_revoke,
    documents_issue_for_deliberation,
)

pytestmark = pytest.mark.django_db

FORM = "/verify/"
FRAUD = "Fraude : mémoire plagié à 80 %"


@pytest.fixture
def certificate(signed, enqueued, rendered) -> Document:
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    document = next(d for d in documents if d.kind == DocumentKind.CERTIFICATE)
    return document_render(document_id=document.pk)


def spaced(code: str) -> str:
    """A code as a visitor might type it: lower case, in groups, with a dash."""
    return f" {code[:4].lower()} {code[4:8]}-{code[8:].lower()} "


# -- the form ------------------------------------------------------------------------------
def test_the_form_is_at_verify_and_is_labelled(client):
    assert reverse("reports:verify_form") == FORM
    response = client.get(FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_code">Verification code</label>' in page
    assert 'name="code"' in page
    assert 'id="id_code"' in page
    assert 'method="get"' in page
    assert f'action="{FORM}"' in page
    assert 'aria-describedby="id_code_helptext"' in page
    assert response["X-Robots-Tag"] == "noindex"


def test_the_form_is_in_french_by_default(client):
    page = client.get(FORM).content.decode()
    assert "Vérifier un document" in page
    assert "Code de vérification" in page


@pytest.mark.parametrize("who", [None, "alice", "charlie"])
def test_every_page_links_to_the_form_from_its_footer(client, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))
        page = client.get(reverse("home")).content.decode()
    else:
        page = client.get(reverse("account_login")).content.decode()
    footer = page[page.index('<footer'):]
    assert f'href="{FORM}"' in footer


def test_a_code_typed_with_spaces_dashes_and_lower_case_leads_to_its_page(client,
                                                                          certificate):
    response = client.get(FORM, {"code": spaced(certificate.verification_code)})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:verify",
                                           args=[certificate.verification_code])
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Valid document" in page
    assert certificate.number in page


def test_the_code_page_itself_tolerates_spaces_and_dashes(client, certificate):
    code = certificate.verification_code
    url = reverse("reports:verify", args=[f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()])
    assert client.get(url).status_code == 200


def test_normalize_drops_separators_and_raises_the_case():
    assert verification_code_normalize(" abcd efgh-jk.mn\u2011pq ") == "ABCDEFGHJKMNPQ"


@pytest.mark.parametrize("typed", ["ABCD", "ABCDEFGHJKM0", "ABCDEFGHJKMNP"])
def test_a_malformed_code_is_told_next_to_the_field_and_kept(client, typed):
    response = client.get(FORM, {"code": typed}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(gettext("A verification code has %(length)s characters: letters and "
                          "digits from 2 to 9 (never I, L, O, 0 or 1). Check it against the "
                          "document.") % {"length": 12}) in page
    assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page


def test_an_empty_submission_asks_for_the_code(client):
    page = client.get(FORM, {"code": "  "}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Type the verification code printed on the document." in page


# -- an unknown code -----------------------------------------------------------------------
UNKNOWN = "ABCDEFGHJKMN"


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_code_is_our_404_page_with_the_form(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get(reverse("reports:verify", args=[UNKNOWN]),
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["reports/verify_form.html",
                                                        "base.html"]
    page = response.content.decode()
    assert f"No document matches the code {UNKNOWN}." in page
    assert 'role="alert"' in page
    assert f'value="{UNKNOWN}"' in page  # the form again, to correct it
    assert "technical_404" not in page
    assert "Using the URLconf" not in page
    assert response["X-Robots-Tag"] == "noindex"


def test_the_unknown_code_page_speaks_french_by_default(client):
    page = client.get(reverse("reports:verify", args=[UNKNOWN])).content.decode()
    assert f"Aucun document ne correspond au code {UNKNOWN}." in page


def test_an_unknown_code_is_escaped_on_its_page(client):
    response = client.get("/verify/%3Cb%3Eboom/")
    assert response.status_code == 404
    assert response.templates[0].name == "reports/verify_form.html"
    assert "<b>boom" not in response.content.decode()
    assert "&lt;b&gt;boom" in response.content.decode()


def test_a_form_submission_of_an_unknown_code_ends_on_the_404_page(client):
    response = client.get(FORM, {"code": UNKNOWN.lower()}, follow=True)
    assert response.redirect_chain == [(reverse("reports:verify", args=[UNKNOWN]), 302)]
    assert response.status_code == 404


# -- the rate limit -------------------------------------------------------------------------
def test_the_form_answers_429_once_the_address_used_up_its_verifications(client):
    for number in range(30):
        assert client.get(reverse("reports:verify",
                                  args=[f"ABCDEFGH{number:04d}"])).status_code == 404
    response = client.get(FORM, {"code": UNKNOWN}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many verifications from your address. Try again in a minute." in page
    assert next(t.name for t in response.templates) == "429.html"
    # The empty form itself is still shown (it looks nothing up); another address passes.
    assert client.get(FORM).status_code == 200
    assert client.get(FORM, {"code": UNKNOWN}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_submitting_the_form_does_not_count_twice(client):
    for _number in range(29):
        client.get(FORM, {"code": UNKNOWN}, follow=True)
    # 29 lookups so far: the 30th passes, the 31st does not.
    assert client.get(FORM, {"code": UNKNOWN}, follow=True).status_code == 404
    assert client.get(FORM, {"code": UNKNOWN}).status_code == 429


def test_a_malformed_code_counts_nothing(client):
    for _number in range(40):
        assert client.get(FORM, {"code": "nope"}).status_code == 200
    assert client.get(reverse("reports:verify", args=[UNKNOWN])).status_code == 404


# -- revocation: the public reads the public reason only -----------------------------------
def public_answers(client, document: Document) -> str:
    page = client.get(reverse("reports:verify", args=[document.verification_code]),
                      HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    api = client.get(reverse("api_verify", args=[document.verification_code]))
    assert api.status_code == 200
    return page.content.decode() + api.content.decode()


def test_a_revoked_page_says_when_and_the_default_public_reason(client, alice, certificate):
    document_revoke(document=certificate, by=alice, reason=FRAUD)
    certificate.refresh_from_db()
    shown = public_answers(client, certificate)
    assert "Revoked document" in shown
    assert "Valid document" not in shown
    assert "Document revoked by the certifier." in shown
    with translation.override("en"):
        day = date_format(timezone.localtime(certificate.revoked_at), "DATE_FORMAT")
    assert f"Revoked on {day}." in shown
    assert "Fraude" not in shown
    assert "plagi" not in shown


def test_a_given_public_reason_is_shown_and_never_the_internal_one(client, alice,
                                                                   certificate):
    document_revoke(document=certificate, by=alice, reason=FRAUD,
                    public_reason="Document retiré par le certificateur")
    shown = public_answers(client, certificate)
    assert "Document retiré par le certificateur" in shown
    assert "Fraude" not in shown
    assert "plagi" not in shown


def test_the_revoke_form_of_the_documents_page_keeps_the_reasons_apart(client, alice, signed,
                                                                       certificate):
    client.force_login(alice)
    url = reverse("reports:document_action",
                  args=[signed.setup.session.public_id, certificate.public_id, "revoke"])
    response = client.post(url, {"reason": FRAUD, "public_reason": "", "confirm": "1"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert (certificate.revocation_reason, certificate.public_revocation_reason) == (FRAUD, "")
    documents = client.get(reverse("reports:session_documents",
                                   args=[signed.setup.session.public_id])).content.decode()
    assert escape(FRAUD) in documents  # the staff read it
    client.logout()
    assert "Fraude" not in public_answers(client, certificate)


def test_an_internal_reason_is_required(client, alice, signed, certificate):
    client.force_login(alice)
    url = reverse("reports:document_action",
                  args=[signed.setup.session.public_id, certificate.public_id, "revoke"])
    client.post(url, {"reason": " ", "public_reason": "Document retiré", "confirm": "1"})
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_a_reissue_keeps_the_internal_reason_off_the_old_documents_page(client, alice,
                                                                        certificate):
    new = document_reissue(document=certificate, by=alice, reason=FRAUD,
                           public_reason="Remplacé par un document corrigé")
    shown = public_answers(client, certificate)
    assert "Remplacé par un document corrigé" in shown
    assert "Fraude" not in shown
    assert new.verification_code != certificate.verification_code


def test_the_holders_api_reads_only_the_public_reason(charlie, signed, alice, certificate):
    from rest_framework.test import APIClient

    document_revoke(document=certificate, by=alice, reason=FRAUD)
    signed.setup.session.results_published_at = timezone.now()
    signed.setup.session.save(update_fields=["results_published_at"])
    api = APIClient()
    api.force_login(charlie)
    body = api.get(f"/api/v1/documents/{certificate.public_id}/").json()
    assert body["revocation_reason"] == "Document révoqué par le certificateur."
    assert body["internal_revocation_reason"] is None
    assert "Fraude" not in api.get("/api/v1/documents/").content.decode()


def test_the_replacing_pdf_states_no_reason(alice, certificate, rendered):
    """The new document's PDF is made from a context that holds neither reason."""
    new = document_reissue(document=certificate, by=alice, reason=FRAUD,
                           public_reason="Remplacé par un document corrigé")
    rendered.clear()
    document_render(document_id=new.pk)
    (kind, context, _language), = rendered
    assert kind == DocumentKind.CERTIFICATE
    assert context["document"]["verification_code"] == new.verification_code
    assert "Fraude" not in repr(context)
    assert "Remplacé" not in repr(context)
