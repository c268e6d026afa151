"""The permission matrix (DESIGN.md §8): every URL pattern of the app, UI and API, requested
as every role against objects that belong to someone else, answers what ``EXPECTED`` says.

A pattern missing from ``EXPECTED`` fails the test: a new view needs its expectation
(docs/architecture.md, "Permissions and accessibility checks")."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiTokenScope, User
from accounts.services_tokens import api_token_create
from accounts.tests.factories import AdminFactory, JuryMemberFactory, UserFactory
from candidates.services import enrolment_import_preview
from certifications.importers import json_format
from certifications.models import Certifier
from certifications.services import referentiel_import_preview
from certifications.tests.drafts import make_draft
from certifications.tests.factories import PartnerFactory
from credentials.services import credential_issue
from credentials.tests.conftest import write_key
from deliberations.models import CandidateDecision, Deliberation
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from insertion.links import survey_token
from insertion.services import survey_open
from juries.models import Assignment
from juries.tests.factories import MemberFactory
from notifications.models import Message, MessageKind
from reports.models import (
    CdcFlux,
    CdcPassage,
    CdcPassageState,
    DocumentKind,
    SessionExport,
    SessionExportStatus,
)
from reports.services import document_render, documents_issue_for_deliberation
from reports.tests.conftest import enqueued, rendered  # noqa: F401 - fixtures

LOGIN = "login"  # a redirect to the login page
OK = "ok"  # reached the view: 2xx, a redirect elsewhere, or a 400/409/422 about the input
ROLES = ("anonymous", "candidate", "jury", "president", "admin")

# Patterns left out, each with its reason.
SKIPPED = {
    "admin/": "Django's own admin, guarded by is_staff (tests/test_security.py)",
    "accounts/": "allauth's account pages (login, signup, password reset), its own tests",
    "i18n/": "Django's set_language, open to everyone by design",
}


ROLES_SIGNED_IN = ("candidate", "jury", "president", "admin")
EVERYONE = dict.fromkeys(ROLES, OK)
SIGNED_IN = dict.fromkeys(ROLES_SIGNED_IN, OK)  # each sees their own, filtered
READERS = {"jury": OK, "president": OK, "admin": OK}  # the référentiels
ADMIN = {"admin": OK}
# An API list: everyone reads it (filtered); only administrators create (an empty body: 400).
API_LIST_ADMIN_CREATES = {"candidate": (OK, 403), "jury": (OK, 403), "president": (OK, 403),
                          "admin": (OK, 400)}

# pattern name: (methods the view takes, {role: outcome or (GET outcome, POST outcome)}).
# A role left out gets the default: anonymous → LOGIN (UI) or 401 (API), anyone else → 404.
# A method the view does not take must never reach it (405, or refused before).
EXPECTED: dict[str, tuple[str, dict[str, Any]]] = {
    "healthz": ("GET POST", EVERYONE),  # a probe answers any method
    "home": ("GET POST", SIGNED_IN),  # a role's own home page
    # -- certifications
    "certifications:referentiel_list": ("GET", SIGNED_IN),  # empty for a candidate
    "certifications:import_upload": ("GET POST", ADMIN),
    "certifications:certifier_list": ("GET", ADMIN),
    "certifications:certifier_edit": ("GET POST", ADMIN),
    "certifications:certification_mentions": ("GET POST", ADMIN),
    "certifications:partner_list": ("GET", ADMIN),
    "certifications:partner_new": ("GET POST", ADMIN),  # an empty form: shown again
    "certifications:partner_edit": ("GET POST", ADMIN),
    "certifications:partner_deactivate": ("POST", ADMIN),
    "certifications:import_template": ("GET", ADMIN),
    "certifications:import_preview": ("GET", ADMIN),
    "certifications:import_confirm": ("POST", ADMIN),
    "certifications:import_cancel": ("POST", ADMIN),
    "certifications:import_result": ("GET", ADMIN),
    # The preview editor: one draft's section (htmx; a redirect to the preview otherwise),
    # an item's form and its save, an item's removal. The matrix's URLs name the draft's
    # certification (kind "certification"); a removal names no item (no ?ref=): 404 even
    # for an administrator (certifications/tests/test_import_editor.py removes real ones).
    "certifications:import_draft_section": ("GET", ADMIN),
    "certifications:import_draft_edit": ("GET POST", {"admin": (OK, 422)}),  # empty form
    "certifications:import_draft_add": ("GET POST", {"admin": (OK, 422)}),
    "certifications:import_draft_remove": ("POST", {"admin": 404}),
    "certifications:import_draft_move": ("POST", {"admin": 404}),  # names no compétence
    "certifications:referentiel_export_json": ("GET", READERS),
    "certifications:referentiel_export_case": ("GET", READERS),
    "certifications:referentiel_detail": ("GET", READERS),
    "certifications:referentiel_edit": ("POST", ADMIN),
    "api_certification_list": ("GET", SIGNED_IN),
    "api_certification_detail": ("GET", READERS),
    "api_referentiel_list": ("GET", SIGNED_IN),
    "api_referentiel_detail": ("GET", READERS),
    "api_import_create": ("GET POST", {"admin": (OK, 400)}),
    "api_import_detail": ("GET", ADMIN),
    "api_import_confirm": ("POST", ADMIN),
    "api_import_draft": ("GET PATCH", ADMIN),
    # -- candidates, sessions, enrolments
    "api_candidate_list": ("GET POST", API_LIST_ADMIN_CREATES),
    "api_candidate_detail": ("GET", ADMIN),
    "api_candidate_export": ("GET", ADMIN),
    "api_candidate_erase": ("POST", ADMIN),
    "api_session_list": ("GET POST", API_LIST_ADMIN_CREATES),
    "api_session_detail": ("GET", ADMIN),
    "api_enrolment_list": ("GET POST", API_LIST_ADMIN_CREATES),
    "api_enrolment_detail": ("GET", ADMIN),  # PATCH: tests of candidates/test_candidate_edit
    "api_enrolment_withdraw": ("POST", {"admin": 409}),  # session X is signed: refused
    "candidates:space": ("GET POST", SIGNED_IN),  # one's own space (empty for staff)
    "candidates:space_preview": ("GET POST", ADMIN),
    "candidates:session_dashboard": ("GET POST", ADMIN),
    "candidates:session_list": ("GET", ADMIN),
    "candidates:session_create": ("GET POST", ADMIN),
    "candidates:session_edit": ("GET POST", ADMIN),  # an empty form: shown again
    "candidates:session_detail": ("GET", ADMIN),
    "candidates:enrolment_create": ("GET POST", ADMIN),
    "candidates:enrolment_invite": ("POST", ADMIN),
    "candidates:enrolment_import_upload": ("GET POST", ADMIN),
    "candidates:enrolment_import_template_csv": ("GET", ADMIN),
    "candidates:enrolment_import_template_xlsx": ("GET", ADMIN),
    "candidates:enrolment_import_preview": ("GET", ADMIN),
    "candidates:enrolment_import_confirm": ("POST", ADMIN),
    "candidates:enrolment_import_cancel": ("POST", ADMIN),
    "candidates:enrolment_detail": ("GET", ADMIN),
    "candidates:candidate_identity_edit": ("GET POST", ADMIN),  # locked: the form says so
    "candidates:enrolment_edit": ("GET POST", ADMIN),  # an empty form: its errors
    "candidates:enrolment_withdraw": ("GET POST", ADMIN),
    "candidates:birthplace_suggest": ("GET", ADMIN),
    "candidates:rgpd_detail": ("GET", ADMIN),
    "candidates:rgpd_export": ("GET", ADMIN),
    "candidates:rgpd_erase": ("GET POST", ADMIN),
    "candidates:my_data": ("GET", {"candidate": OK}),  # one's own data only
    # -- juries: épreuves, assignments, scores
    "api_assessment_list": ("GET POST", API_LIST_ADMIN_CREATES),
    "api_assessment_detail": ("GET", ADMIN),
    "api_sitting_list": ("GET", SIGNED_IN),
    "api_assignment_list": ("GET POST", API_LIST_ADMIN_CREATES),
    # Someone else's assignment: 404 (looked up first); a POST is not a method it takes.
    "api_assignment_detail": ("GET", {"candidate": (404, 405), "jury": (404, 405),
                                      "president": (404, 405), "admin": OK}),
    # Someone else's sitting: 404 whoever writes, administrators included (they read).
    "api_score_list": ("GET POST", dict.fromkeys(ROLES_SIGNED_IN, (OK, 404))),
    "api_jury_list": ("GET POST", API_LIST_ADMIN_CREATES),
    "api_jury_detail": ("GET", ADMIN),
    "api_jury_member_list": ("GET", SIGNED_IN),
    "deliberations:member_home": ("GET POST", SIGNED_IN),  # one's own sittings (none for others)
    "juries:grid": ("GET POST", {}),  # only the members assigned to the sitting
    "juries:competence_save": ("POST", {}),
    "juries:criterion_save": ("POST", {}),
    "juries:attendance_save": ("POST", {}),
    "juries:session_scores": ("GET POST", ADMIN),  # and the session's president
    "juries:jury_compose": ("GET POST", ADMIN),
    "juries:assessment_list": ("GET", ADMIN),
    "juries:assessment_create": ("GET POST", ADMIN),
    "juries:assignments": ("GET POST", {"admin": (OK, 404)}),  # a POST without action: 404
    "juries:assessment_open_early": ("POST", ADMIN),  # recorded; administrators only
    # Edited, cancelled, deleted through confirmation pages; the services refuse the rest
    # (a signed session, scores recorded) with the reason on the page.
    "juries:assessment_edit": ("GET POST", ADMIN),
    "juries:assessment_cancel": ("GET POST", ADMIN),
    "juries:assessment_delete": ("GET POST", ADMIN),
    "juries:conflict_declare": ("GET POST", {}),  # only a member assigned to the sitting
    "juries:conflict_admin": ("GET POST", ADMIN),
    "juries:audit_log": ("GET", ADMIN),
    "juries:audit_log_csv": ("GET", ADMIN),
    # -- deliberation: the session's president writes and signs; administrators read,
    # propose, publish and carry blocs (rattrapage).
    # Every member of the session's jury reads it (DESIGN.md §8), bob included.
    "deliberations:deliberation": ("GET POST", {"admin": OK, "jury": OK}),
    "deliberations:deliberation_propose": ("POST", ADMIN),
    # A candidate's page: read by the jury and administrators; POST writes (the president).
    "deliberations:deliberation_decision": ("GET POST", {"admin": (OK, 422), "jury": (OK, 404)}),
    "deliberations:deliberation_amend": ("POST", {}),
    "deliberations:deliberation_rattrapage": ("POST", {"admin": 422}),  # (no bloc given)
    # GET: the confirmation page; POST: acts only with ``confirm=1`` (from that page).
    "deliberations:deliberation_sign": ("GET POST", {}),
    "deliberations:deliberation_publish": ("GET POST", ADMIN),
    "api_deliberation_list": ("GET POST", {  # proposing for a session out of reach: 400
        "candidate": (OK, 400), "jury": (OK, 400), "president": (OK, 400),
        "admin": (OK, 409)}),  # already signed
    "api_deliberation_detail": ("GET", {"admin": OK, "jury": OK}),
    # Readers (administrators, the jury's other members) see it but never sign.
    "api_deliberation_sign": ("POST", {"admin": 403, "jury": 403}),
    "api_deliberation_publish": ("POST", {"admin": OK, "jury": 403}),
    # -- notifications: the session's messages, administrators only
    "notifications:session_messages": ("GET", ADMIN),
    "notifications:message_detail": ("GET", ADMIN),
    "notifications:message_resend": ("POST", ADMIN),
    "notifications:convoke": ("POST", ADMIN),
    # -- documents
    "reports:cdc_accrochage": ("GET", ADMIN),
    # The renewal file: the page, its downloads and the API (no promotion given: a 400)
    "reports:renewal": ("GET", ADMIN),
    "reports:renewal_download": ("GET", {"admin": 400}),
    "api_certification_renewal": ("GET", {"admin": 400}),
    # The insertion questionnaire: anyone holding the signed link (no login); an empty
    # answer is told next to the questions (422). Another survey's link: tests in insertion.
    "insertion:questionnaire": ("GET POST", dict.fromkeys(ROLES, (OK, 422))),
    "reports:verify_form": ("GET", EVERYONE),  # the public form: a code leads to its page
    "reports:verify": ("GET", EVERYONE),
    "reports:verify_file": ("GET POST", EVERYONE),  # a PDF uploaded, checked, never kept
    "reports:download": ("GET", ADMIN),  # and the holder
    "reports:session_documents": ("GET", ADMIN),
    "reports:session_issue": ("POST", ADMIN),
    "reports:issuing_override": ("POST", ADMIN),
    "reports:session_export": ("POST", ADMIN),
    "reports:session_export_progress": ("GET", ADMIN),
    "reports:session_export_download": ("GET", ADMIN),
    "reports:document_action": ("GET POST", ADMIN),  # GET and POST without confirm: the
                                                     # confirmation page
    "api_document_list": ("GET", SIGNED_IN),
    "api_document_detail": ("GET", ADMIN),
    "api_document_download": ("GET", ADMIN),
    "api_document_revoke": ("POST", ADMIN),
    "api_verify": ("GET", EVERYONE),
    "api_verify_file": ("POST", dict.fromkeys(ROLES, 400)),  # public; no file: 400
    # -- the CDC declaration process: administrators only, 404 for anyone else
    "reports:cdc_declarations": ("GET", {"anonymous": 404, "admin": OK}),
    "reports:cdc_flux_create": ("POST", {"anonymous": 404, "admin": OK}),  # refused: words
    "reports:cdc_flux_detail": ("GET", {"anonymous": 404, "admin": OK}),
    "reports:cdc_flux_download": ("GET", {"anonymous": 404, "admin": OK}),
    "reports:cdc_flux_deposited": ("POST", {"anonymous": 404, "admin": OK}),
    "reports:cdc_flux_report": ("POST", {"anonymous": 404, "admin": OK}),  # no file: words
    "reports:cdc_passage_rectify": ("GET POST", {"anonymous": 404, "admin": (OK, OK)}),
    "api_cdc_flux_list": ("GET POST", {"admin": (OK, 400)}),  # an empty body: 400
    "api_cdc_flux_detail": ("GET", ADMIN),
    "api_cdc_flux_download": ("GET", ADMIN),
    "api_cdc_flux_report": ("POST", {"admin": 400}),  # no file: 400
    # The pre-declaration report of a session: the page, its CSV and the API
    "reports:cdc_precheck": ("GET", {"anonymous": 404, "admin": OK}),
    "reports:cdc_precheck_csv": ("GET", {"anonymous": 404, "admin": OK}),
    # A signed holder never declared, completed for the declaration (POST: a form error)
    "reports:cdc_holder_complete": ("GET POST", {"anonymous": 404, "admin": (OK, OK)}),
    "api_session_cdc_check": ("GET", ADMIN),
    # -- digital credentials: public keys, profile and lists; the holder's download
    "credentials:jwks": ("GET", EVERYONE),
    "credentials:issuer": ("GET", EVERYONE),
    "credentials:key": ("GET", EVERYONE),
    "credentials:status_list": ("GET", EVERYONE),
    "credentials:verify": ("GET POST", dict.fromkeys(ROLES, (OK, 422))),  # empty form: 422
    "credentials:download": ("GET", ADMIN),  # and the holder
    "api_document_credential": ("GET", ADMIN),  # and the holder
    "api_verify_credential": ("POST", EVERYONE),
    # -- API description (no data) and tokens
    "api_schema": ("GET", EVERYONE),
    "api_docs": ("GET", EVERYONE),
    "tokens:list": ("GET POST", ADMIN),
    "tokens:create": ("GET POST", ADMIN),
    "tokens:revoke": ("GET POST", ADMIN),  # another administrator's token
    # The users page: another administrator's account (an empty form: 422).
    "users:list": ("GET", ADMIN),
    "users:invite": ("GET POST", {"admin": (OK, 422)}),
    "users:edit": ("GET POST", {"admin": (OK, 422)}),
    "users:deactivate": ("GET POST", ADMIN),  # GET: what it does; POST: deactivates
    "users:reactivate": ("POST", ADMIN),
    "users:resend": ("POST", ADMIN),  # they have a password: refused with a message
}
# Never an answer of a view to a method it does not take.
REFUSED = {LOGIN, 401, 403, 404, 405}


ENROLMENT_CSV = ("nom_naissance;prenoms;date_naissance;commune_naissance;code_insee;sexe;email;"
                 "voie_acces\r\nDurand;Claire;14/02/1990;Lyon;69123;F;claire@exemple.fr;"
                 "formation continue\r\n")


# -- the world: everything belongs to someone else -----------------------------------------
@dataclass
class World:
    users: dict[str, User | None]
    kwargs: dict[str, dict[str, Any]]  # per pattern name, the URL's arguments
    bodies: dict[str, dict[str, Any]]  # per API pattern name, a valid POST body


def build_world() -> World:
    """Session X (signed, published, documents issued) holds dave's and erin's enrolments,
    presided by a stranger; bob sits on X's jury without being assigned; paula presides
    session Y, where charlie (the candidate persona) is enrolled and sits."""
    alice = AdminFactory(email="alice@certif.example")
    other_admin = AdminFactory()
    bob = JuryMemberFactory(email="bob@certif.example")
    charlie_user = UserFactory(email="charlie@certif.example")
    paula = JuryMemberFactory()

    x = jury_setup()
    dave = enrol(x)
    erin = enrol(x)
    for enrolment in (dave, erin):
        score_all(x, enrolment, 1)
    # The jury and its assignments are frozen once signed.
    x.jury.members.add(MemberFactory(user=bob))
    assignment = Assignment.objects.create(sitting=dave.sittings.get(), member=x.members[1])
    deliberation_propose(session=x.session, by=alice)
    deliberation = Deliberation.objects.get(session=x.session)
    deliberation_sign(deliberation=deliberation, members_present=x.members,
                      by=x.president.user)
    x.session.results_published_at = timezone.now()
    x.session.save(update_fields=["results_published_at"])
    documents = documents_issue_for_deliberation(deliberation=deliberation)
    document = next(d for d in documents if d.enrolment_id == dave.pk)
    document = document_render(document_id=document.pk)
    attestation = next(d for d in documents if d.enrolment_id == dave.pk
                       and d.kind == DocumentKind.BLOC_ATTESTATION)
    attestation = document_render(document_id=attestation.pk)
    credential = credential_issue(document=attestation)
    flux = CdcFlux.objects.create(
        certification=x.session.referentiel.certification, id_flux="MATRIX0001",
        session=x.session, created_by=other_admin, filename="matrix.xml",
        content=b"<xml/>", sha256="0" * 64, passages_count=1)
    passage = CdcPassage.objects.create(
        decision=CandidateDecision.objects.get(enrolment=dave),
        certification=x.session.referentiel.certification, id_technique=str(dave.public_id),
        state=CdcPassageState.REJECTED, reason_text="Code INSEE inconnu", last_flux=flux)
    export = SessionExport.objects.create(session=x.session, requested_by=other_admin,
                                          status=SessionExportStatus.DONE)
    export.file.save("x.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    rows = ENROLMENT_CSV.encode()
    enrolments_import = enrolment_import_preview(
        session=x.session, file=io.BytesIO(rows), file_name="x.csv", size=len(rows))
    data = json_format.dumps(make_draft(code="RNCP77777"))
    referentiel_import = referentiel_import_preview(
        file=io.BytesIO(data), file_name="r.json", size=len(data), created_by=other_admin)
    token, _secret = api_token_create(by=other_admin, name="LMS", scope=ApiTokenScope.READ)
    message = Message.objects.create(session=x.session, kind=MessageKind.RESULTS_PUBLISHED,
                                     recipient_email="dave@certif.example",
                                     recipient_name="Dave", language="fr", enrolment_ref=dave.pk)

    survey = survey_open(enrolment_id=dave.pk, wave=6, decided_on=timezone.localdate())

    y = jury_setup()
    y.jury.president = MemberFactory(user=paula)
    y.jury.save(update_fields=["president"])
    enrol(y, candidate__user=charlie_user, candidate__email=charlie_user.email)

    sitting = dave.sittings.get()
    competence = sitting.assessment.modality.competences.first()
    criterion = sitting.assessment.modality.criteria.first()
    decision = CandidateDecision.objects.get(enrolment=dave)
    referentiel = x.session.referentiel
    by_kind = {
        "session": x.session.public_id, "candidate": dave.candidate.public_id,
        "enrolment": dave.public_id,
        "referentiel": referentiel.public_id,
        "certification": referentiel.certification.public_id,
        "certifier": Certifier.objects.get_or_create(legal_name="Certificateur")[0].public_id,
        "import": referentiel_import.public_id, "assessment": x.assessment.public_id,
        "sitting": sitting.public_id, "assignment": assignment.public_id,
        "jury": x.jury.public_id, "deliberation": deliberation.public_id,
        "document": document.public_id,
    }
    common = {
        "session_id": x.session.public_id, "candidate_id": dave.candidate.public_id,
        "enrolment_id": dave.public_id, "import_id": enrolments_import.public_id,
        "sitting_id": sitting.public_id, "competence_id": competence.pk,
        "criterion_id": criterion.pk, "decision_id": decision.public_id,
        "document_id": document.public_id, "export_id": export.public_id,
        "action": "revoke", "code": document.verification_code, "token_id": token.public_id,
        "kind": "csv", "message_id": message.public_id, "assessment_id": x.assessment.public_id,
        "user_id": other_admin.pk, "flux_id": flux.public_id, "passage_id": passage.public_id,
        "kid": credential.key.kid, "number": credential.status_list, "fmt": "xlsx",
        "partner_id": PartnerFactory(certification=referentiel.certification).public_id,
        "token": survey_token(survey.public_id),
    }
    kwargs = {name: {"public_id": by_kind[kind]} for name, kind in PUBLIC_ID.items()}
    for name, kind in (("import_draft_edit", "certification"), ("import_draft_add", "bloc"),
                       ("import_draft_remove", "bloc"), ("import_draft_move", "competence")):
        kwargs[f"certifications:{name}"]["kind"] = kind
    for name in ("api_import_draft", "certifications:import_draft_section",
                 "certifications:import_draft_edit", "certifications:import_draft_add",
                 "certifications:import_draft_remove", "certifications:import_draft_move"):
        kwargs[name]["index"] = 0
    for name in ("api_cdc_flux_detail", "api_cdc_flux_download", "api_cdc_flux_report"):
        kwargs[name] = {"public_id": flux.public_id}
    kwargs["credentials:download"] = {"document_id": attestation.public_id}
    kwargs["api_document_credential"] = {"public_id": attestation.public_id}
    return World(
        users={"anonymous": None, "candidate": charlie_user, "jury": bob,
               "president": paula, "admin": alice},
        kwargs={"*": common, **kwargs},
        bodies={
            "api_score_list": {"sitting": str(sitting.public_id), "competence": competence.pk,
                               "level": 2, "expected_version": 0},
            "api_deliberation_list": {"session": str(x.session.public_id)},
            "api_deliberation_sign": {"members_present": [str(m.public_id) for m in x.members],
                                      "proposal_version": "the one displayed"},
            "api_document_revoke": {"reason": "Erreur de saisie."},
            "api_candidate_erase": {"reason": "Demande RGPD."},
            "api_enrolment_withdraw": {"reason": "Abandon."},
            "api_verify_credential": {"credential": "not a credential"},
        },
    )


# Which object a ``public_id`` names, per pattern.
PUBLIC_ID = {
    "certifications:import_preview": "import", "certifications:import_confirm": "import",
    "certifications:import_cancel": "import", "certifications:import_result": "import",
    "certifications:referentiel_export_json": "referentiel",
    "certifications:referentiel_export_case": "referentiel",
    "certifications:referentiel_detail": "referentiel",
    "certifications:referentiel_edit": "referentiel",
    "certifications:certification_mentions": "certification",
    "certifications:partner_list": "certification", "certifications:partner_new": "certification",
    "certifications:partner_edit": "certification",
    "certifications:partner_deactivate": "certification",
    "candidates:session_edit": "session",
    "certifications:certifier_edit": "certifier",
    "reports:renewal": "certification", "reports:renewal_download": "certification",
    "api_certification_renewal": "certification",
    "api_certification_detail": "certification", "api_referentiel_detail": "referentiel",
    "api_import_detail": "import", "api_import_confirm": "import", "api_import_draft": "import",
    "certifications:import_draft_section": "import", "certifications:import_draft_edit": "import",
    "certifications:import_draft_add": "import", "certifications:import_draft_remove": "import",
    "certifications:import_draft_move": "import",
    "api_candidate_detail": "candidate", "api_candidate_export": "candidate",
    "api_candidate_erase": "candidate", "api_session_detail": "session",
    "api_session_cdc_check": "session",
    "api_enrolment_detail": "enrolment", "api_assessment_detail": "assessment",
    "api_assignment_detail": "assignment", "api_jury_detail": "jury",
    "api_deliberation_detail": "deliberation", "api_deliberation_sign": "deliberation",
    "api_deliberation_publish": "deliberation", "api_document_detail": "document",
    "api_document_download": "document", "api_document_revoke": "document",
    "candidates:session_detail": "session", "candidates:enrolment_create": "session",
    "candidates:enrolment_invite": "session", "candidates:enrolment_import_upload": "session",
    "candidates:enrolment_import_template_csv": "session",
    "candidates:enrolment_import_template_xlsx": "session",
    "candidates:enrolment_import_preview": "session",
    "candidates:enrolment_import_confirm": "session",
    "candidates:enrolment_import_cancel": "session",
    "candidates:rgpd_detail": "candidate", "candidates:rgpd_export": "candidate",
    "candidates:rgpd_erase": "candidate",
    "candidates:enrolment_detail": "session", "candidates:candidate_identity_edit": "session",
    "candidates:enrolment_edit": "session", "candidates:enrolment_withdraw": "session",
    "api_enrolment_withdraw": "enrolment",
    "juries:jury_compose": "session", "juries:assessment_list": "session",
    "juries:assessment_create": "session", "juries:assignments": "assessment",
    "juries:assessment_open_early": "assessment",
    "juries:assessment_edit": "assessment", "juries:assessment_cancel": "assessment",
    "juries:assessment_delete": "assessment",
    "juries:conflict_declare": "sitting", "juries:conflict_admin": "candidate",
}


# -- walking the URL patterns -----------------------------------------------------------------
@dataclass
class Pattern:
    name: str
    route: str
    params: list[str]
    default_args: dict[str, Any]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def patterns(resolvers=None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if any(route.startswith(skipped) for skipped in SKIPPED):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"unnamed URL pattern: {route}"
            yield Pattern(f"{namespace}{entry.name}", route,
                          list(entry.pattern.regex.groupindex), entry.default_args)


def url_of(pattern: Pattern, world: World) -> str:
    given = world.kwargs.get(pattern.name, {})
    kwargs = {p: given[p] if p in given else world.kwargs["*"][p] for p in pattern.params}
    return reverse(pattern.name, kwargs=kwargs)


# -- requesting -------------------------------------------------------------------------------
def client_for(user: User | None) -> Client:
    """Enforces CSRF like a browser does: the cookie and the header carry the token."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


CSRF_SECRET = secrets.token_hex(16)  # 32 characters, what Django's cookie holds


def outcome(response) -> Any:
    if response.status_code in (301, 302) and response["Location"].startswith(
            resolve_url(settings.LOGIN_URL)):
        return LOGIN
    if response.status_code in (401, 403, 404, 405, 500):
        return response.status_code
    if 200 <= response.status_code < 400:
        return OK
    return response.status_code


def request(client: Client, method: str, url: str, body: dict[str, Any] | None) -> Any:
    """One request, its writes rolled back: each request sees the same world."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif body is not None:
            response = client.post(url, body, content_type="application/json",
                                   headers={"X-CSRFToken": CSRF_SECRET})
        else:
            response = client.post(url, {}, headers={"X-CSRFToken": CSRF_SECRET})
        transaction.set_rollback(True)
    return outcome(response)


def default(role: str, pattern: Pattern) -> Any:
    if role == "anonymous":
        return 401 if pattern.is_api else LOGIN
    return 404


def check(pattern: Pattern, got: dict[str, tuple]) -> list[str]:
    """What differs from the table for one pattern, one line each."""
    if pattern.name not in EXPECTED:
        return [f"new view without a permission expectation: {pattern.name} ({pattern.route})"]
    methods, row = EXPECTED[pattern.name]
    problems = []
    for role in ROLES:
        wanted = row.get(role, default(role, pattern))
        wanted_by_method = wanted if isinstance(wanted, tuple) else (wanted, wanted)
        for method, expected, answer in zip(("GET", "POST"), wanted_by_method, got[role],
                                            strict=True):
            where = f"{pattern.name} {method} as {role}"
            if answer == 500:
                problems.append(f"{where}: 500")
            elif method in methods.split() and answer != expected:
                problems.append(f"{where}: {answer}, expected {expected}")
            elif method not in methods.split() and answer not in REFUSED:
                problems.append(f"{where}: {answer}, a method the view does not take")
    return problems


@pytest.mark.django_db
def test_every_url_answers_each_role_as_the_table_says(enqueued, rendered,  # noqa: F811
                                                      settings, tmp_path):
    settings.CREDENTIAL_KEY_PATH = str(write_key(tmp_path / "credential-key.pem"))
    world = build_world()
    clients = {role: client_for(user) for role, user in world.users.items()}
    actual: dict[str, dict[str, tuple]] = {}
    seen = list(patterns())
    for pattern in seen:
        url = url_of(pattern, world)
        body = world.bodies.get(pattern.name)
        actual[pattern.name] = {
            role: (request(client, "GET", url, None), request(client, "POST", url, body))
            for role, client in clients.items()
        }
    problems = [f"expectation for a pattern that no longer exists: {name}"
                for name in EXPECTED.keys() - actual.keys()]
    for pattern in seen:
        problems.extend(check(pattern, actual[pattern.name]))
    assert not problems, "\n".join(problems)
