"""axe-core finds no WCAG 2.1 A/AA violation on any page of the main flows, for every
role, in a real Chromium against the live server: one world, one browser, every page."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import ApiTokenScope
from accounts.services_tokens import api_token_create
from candidates.services import enrolment_import_preview
from candidates.tests.factories import SessionFactory, make_referentiel
from certifications.importers import json_format
from certifications.services import referentiel_import_preview
from certifications.tests.drafts import make_draft
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services import deliberation_propose
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from juries.tests.factories import AssessmentFactory, MemberFactory, SittingFactory, assign
from reports.models import DocumentKind
from reports.services import document_render, document_revoke, documents_issue_for_deliberation
from reports.tests.conftest import enqueued, rendered, signed  # noqa: F401 - fixtures
from tests.browser import (
    BROWSER_MARKS,
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    session_cookie,
    sync_api,
)

pytestmark = BROWSER_MARKS

ENROLMENT_CSV = (
    "nom_naissance;prenoms;date_naissance;commune_naissance;code_insee;sexe;email;voie_acces\r\n"
    "Durand;Claire;14/02/1990;Lyon;69123;F;claire@exemple.fr;formation continue\r\n"
    "Nguyen;Minh;1988-13-45;Lyon;69123;M;pas-une-adresse;VAE\r\n"  # errors shown in the preview
)


def world(alice, bob, charlie, signed):  # noqa: F811 - the fixture's value
    """Every page to visit, per role: (role's user or None, path, expected status)."""
    session = signed.setup.session
    session.results_published_at = timezone.now()
    session.save(update_fields=["results_published_at"])
    documents = documents_issue_for_deliberation(deliberation=signed.deliberation)
    for document in documents:
        document_render(document_id=document.pk)
    mine = next(d for d in documents if d.kind == DocumentKind.BLOC_ATTESTATION
                and d.enrolment_id == signed.charlie.pk)
    theirs = next(d for d in documents if d.enrolment_id == signed.dave.pk)
    document_revoke(document=theirs, by=alice, reason="Erreur de saisie.")

    grid_session = SessionFactory(referentiel=make_referentiel(blocs=2, competences=2))
    sitting = SittingFactory(assessment=AssessmentFactory(session=grid_session))
    assign(sitting, MemberFactory(user=bob))

    # A deliberation proposed, not signed: the president's override forms.
    open_ = jury_setup()
    for _ in range(2):
        score_all(open_, enrol(open_), {"C1.1": [3, 1, 1]})
    deliberation_propose(session=open_.session, by=alice)
    open_decision = CandidateDecision.objects.filter(deliberation__session=open_.session).first()
    signed_decision = CandidateDecision.objects.filter(deliberation__session=session).first()

    data = json_format.dumps(make_draft(code="RNCP77777"))
    referentiel_import = referentiel_import_preview(
        file=io.BytesIO(data), file_name="referentiel.json", size=len(data), created_by=alice)
    rows = ENROLMENT_CSV.encode()
    enrolments_import = enrolment_import_preview(
        session=session, file=io.BytesIO(rows), file_name="inscrits.csv", size=len(rows))
    api_token_create(by=alice, name="LMS", scope=ApiTokenScope.READ)

    sid = session.public_id
    president = signed.setup.president.user
    return [
        (None, reverse("account_login"), 200),
        (None, reverse("account_reset_password"), 200),
        (None, reverse("reports:verify", args=[mine.verification_code]), 200),
        (None, reverse("reports:verify", args=[theirs.verification_code]), 200),  # revoked
        (None, "/nowhere/", 404),
        (alice, reverse("home"), 200),
        (alice, reverse("certifications:referentiel_list"), 200),
        (alice, reverse("certifications:referentiel_detail",
                        args=[session.referentiel.public_id]), 200),
        (alice, reverse("certifications:import_upload"), 200),
        (alice, reverse("certifications:import_preview", args=[referentiel_import.public_id]),
         200),
        # The preview editor's own page for an item (without JavaScript).
        (alice, reverse("certifications:import_draft_edit",
                        args=[referentiel_import.public_id, 0, "competence"]) + "?ref=C1.1",
         200),
        (alice, reverse("candidates:session_list"), 200),
        (alice, reverse("candidates:session_create"), 200),
        (alice, reverse("candidates:session_detail", args=[sid]), 200),
        (alice, reverse("candidates:session_dashboard", args=[sid]), 200),
        (alice, reverse("candidates:enrolment_create", args=[sid]), 200),
        (alice, reverse("candidates:enrolment_import_upload", args=[sid]), 200),
        (alice, reverse("candidates:enrolment_import_preview",
                        args=[sid, enrolments_import.public_id]), 200),
        (alice, reverse("candidates:space_preview",
                        args=[sid, signed.charlie.candidate.public_id]), 200),
        (alice, reverse("candidates:rgpd_detail", args=[signed.dave.candidate.public_id]), 200),
        (alice, reverse("juries:jury_compose", args=[sid]), 200),
        (alice, reverse("juries:assessment_list", args=[sid]), 200),
        (alice, reverse("juries:assignments", args=[signed.setup.assessment.public_id]), 200),
        (alice, reverse("juries:session_scores", args=[sid]), 200),
        (alice, reverse("deliberations:deliberation", args=[sid]), 200),
        (alice, reverse("juries:audit_log"), 200),
        (alice, reverse("reports:session_documents", args=[sid]), 200),
        (alice, reverse("tokens:list"), 200),
        (alice, reverse("tokens:create"), 200),
        (alice, reverse("users:list"), 200),
        (alice, reverse("users:invite"), 200),
        (alice, reverse("users:edit", args=[bob.pk]), 200),
        (alice, reverse("users:deactivate", args=[bob.pk]), 200),
        (alice, "/nowhere/", 404),
        (charlie, reverse("candidates:space"), 200),
        (bob, reverse("deliberations:member_home"), 200),
        (bob, reverse("juries:grid", args=[sitting.public_id]), 200),
        (president, reverse("deliberations:member_home"), 200),
        (president, reverse("deliberations:deliberation", args=[sid]), 200),  # signed
        # A candidate's page, signed: the amendment forms.
        (president, reverse("deliberations:deliberation_decision",
                            args=[sid, signed_decision.public_id]), 200),
        # proposed: overrides and signing
        (open_.president.user,
         reverse("deliberations:deliberation", args=[open_.session.public_id]), 200),
        (open_.president.user,
         reverse("deliberations:deliberation_decision",
                 args=[open_.session.public_id, open_decision.public_id]) + "?filter=divergent",
         200),
        # the confirmations before signing and revoking
        (open_.president.user,
         reverse("deliberations:deliberation_sign", args=[open_.session.public_id]) + "?"
         + urlencode({"present": [str(m.public_id) for m in open_.members],
                      "proposal_version": Deliberation.objects.get(
                          session=open_.session).proposal_version}, doseq=True), 200),
        (alice, reverse("reports:document_action", args=[sid, mine.public_id, "revoke"]), 200),
    ]


def axe_on(browser, live_server, cookie: str | None, language: str, path: str,
           status: int) -> list:
    """axe's violations on ``path``, signed in with ``cookie``, in ``language``."""
    context = browser.new_context()
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                "url": live_server.url}]
    if cookie:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                        "url": live_server.url})
    context.add_cookies(cookies)
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == status, path
        if status == 404:
            with translation.override(language):
                assert escape(gettext("Page not found")) in page.content()
        return axe_violations(page)
    finally:
        context.close()


def test_every_page_of_the_main_flows_has_no_violation(
        live_server, client, alice, bob, charlie, signed, rendered, enqueued):  # noqa: F811
    visits = world(alice, bob, charlie, signed)
    cookies: dict[int, str] = {}
    for user, _path, _status in visits:
        if user is not None and user.pk not in cookies:
            cookies[user.pk] = session_cookie(client, user)
    # In English too: the public pages (the 404 page included), the administrator's home
    # and the référentiel list.
    english = [visit for visit in visits if visit[0] in (None, alice)][:7]
    found: dict[str, list] = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for language, pages in (("fr", visits), ("en", english)):
                for user, path, status in pages:
                    cookie = cookies[user.pk] if user else None
                    violations = axe_on(browser, live_server, cookie, language, path, status)
                    if violations:
                        who = user.email if user else "anonymous"
                        found[f"{language} {path} as {who}"] = violations
        finally:
            browser.close()
    assert found == {}
