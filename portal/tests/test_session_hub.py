"""The session page as the hub of a session: the next action at each step of its life
(a pure function, tested without a database), the stages and their links as the
administrator reads them, the 404 for anyone else, a constant number of queries."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import replace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Assessment, Attendance, Sitting
from candidates.models import EnrolmentStatus, Session
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from certifications.models import Certification, Modality
from deliberations.models import CandidateOutcome, Deliberation
from deliberations.services import deliberation_propose, deliberation_publish, deliberation_sign
from deliberations.tests.deliberation_helpers import (
    enrol,
    jury_setup,
    lock_opened,
    score_all,
)
from juries.models import Assignment
from juries.selectors import AssessmentProgress, UnscoredCandidate
from juries.tests.factories import AssessmentFactory
from portal.timeline import SessionFacts, StageState, next_action, session_stages
from reports.cdc import CdcDeadline, CdcDeclaration
from reports.cdc_selectors import PassageCounts
from reports.models import Document, DocumentKind, DocumentStatus
from reports.selectors import SessionDocumentCounts


@pytest.fixture(autouse=True)
def _in_english():
    """The words are the source strings (French is the default, compiled apart)."""
    with translation.override("en"):
        yield


NOW = timezone.make_aware(datetime.datetime(2027, 5, 10, 12, 0))
TODAY = NOW.date()


# -- the next action, from hand-made facts (no database) -------------------------------------
def _session(**kwargs: object) -> Session:
    return Session(public_id=uuid.uuid4(), name="Printemps 2027", **kwargs)


def _epreuve(*, scheduled: int = 3, present: int = 3, unscored: int = 0, unassigned: int = 0,
             not_over: bool = False, title: str = "Étude de cas") -> AssessmentProgress:
    assessment = Assessment(public_id=uuid.uuid4(), modality=Modality(title=title),
                            starts_at=NOW - datetime.timedelta(days=2), place="Salle 204")
    missing = [UnscoredCandidate(candidate=None, scored=1, total=3)] * unscored
    return AssessmentProgress(assessment, assessment.starts_at + datetime.timedelta(hours=3),
                              not_over=not_over, scheduled=scheduled, present=present,
                              unassigned=unassigned, unscored=missing)


def _deliberation(*, signed: bool = False, decisions: int = 3) -> Deliberation:
    deliberation = Deliberation(
        proposed_at=NOW - datetime.timedelta(days=1),
        status=Deliberation.Status.SIGNED if signed else Deliberation.Status.DRAFT,
        signed_at=NOW if signed else None)
    deliberation.decisions = decisions
    return deliberation


def _declaration(*, days_left: int = 80, holders: int = 2,
                 problems: tuple[str, ...] = ()) -> CdcDeclaration:
    due = TODAY + datetime.timedelta(days=days_left)
    return CdcDeclaration(CdcDeadline(due - datetime.timedelta(days=92), due, TODAY), [],
                          holders=holders, problems=list(problems))


EMPTY = SessionFacts(
    session=_session(), enrolled=0, epreuves=[], jury_members=0, president="",
    composition=None, composition_errors=[], deliberation=None,
    documents=SessionDocumentCounts(), declaration=None, today=TODAY)
ENROLLED = replace(EMPTY, enrolled=3)
SCHEDULED = replace(ENROLLED, epreuves=[_epreuve(unscored=3)])
JURY = replace(SCHEDULED, jury_members=3, president="Claire Dubois")
UNASSIGNED = replace(JURY, epreuves=[_epreuve(unscored=3, unassigned=2)])
UPCOMING = replace(JURY, epreuves=[_epreuve(unscored=3, not_over=True)])
PARTLY_SCORED = replace(JURY, epreuves=[_epreuve(unscored=1), _epreuve(unscored=2,
                                                                      title="Soutenance")])
SCORED = replace(JURY, epreuves=[_epreuve()])
PROPOSED = replace(SCORED, deliberation=_deliberation())
SIGNED = replace(SCORED, deliberation=_deliberation(signed=True),
                 declaration=_declaration())
PUBLISHED = replace(SIGNED, session=_session(results_published_at=NOW))
PENDING = replace(PUBLISHED, documents=SessionDocumentCounts(issued=4, pending=3))
FAILED = replace(PUBLISHED, documents=SessionDocumentCounts(issued=6, failed=1))
ISSUED = replace(PUBLISHED, documents=SessionDocumentCounts(issued=7))
OVERDUE = replace(ISSUED, declaration=_declaration(days_left=-4))
CDC_PROBLEMS = replace(ISSUED, declaration=_declaration(
    problems=("Dupont Anne: the sex is missing.",)))
NO_HOLDER = replace(ISSUED, declaration=_declaration(holders=0))
DOWNLOADED = replace(ISSUED, cdc_downloaded_at=NOW)
DOWNLOADED_LATE = replace(OVERDUE, cdc_downloaded_at=NOW)


@pytest.mark.parametrize(("facts", "key", "label", "url_name"), [
    (EMPTY, "enrol", "Enrol candidates", "candidates:enrolment_import_upload"),
    (ENROLLED, "schedule", "Schedule the épreuves", "juries:assessment_create"),
    (SCHEDULED, "jury", "Compose the jury", "juries:jury_compose"),
    (UNASSIGNED, "assign", "Assign jury members to the épreuve “Étude de cas”",
     "juries:assignments"),
    (UPCOMING, "score", "Wait for or enter the scores (0/3)", "juries:assignments"),
    (PARTLY_SCORED, "score", "Wait for or enter the scores (3/6)", "juries:assignments"),
    (SCORED, "deliberate", "Deliberate", "deliberations:deliberation"),
    (PROPOSED, "sign", "Sign the minutes", "deliberations:deliberation"),
    (SIGNED, "publish", "Publish the results", "deliberations:deliberation"),
    (PUBLISHED, "issue", "Issue the documents", "reports:session_documents"),
    (FAILED, "issue", "Issue the documents", "reports:session_documents"),
    (PENDING, "documents_pending", "Follow the documents being issued",
     "reports:session_documents"),
    (ISSUED, "cdc", "Deposit the declaration to the Caisse des Dépôts before July 29, 2027",
     "reports:cdc_accrochage"),
    (OVERDUE, "cdc_overdue", "Deposit the declaration to the Caisse des Dépôts now",
     "reports:cdc_accrochage"),
    (NO_HOLDER, "done", "See the documents", "reports:session_documents"),
    (DOWNLOADED, "cdc_downloaded", "Download the holders file again", "reports:cdc_accrochage"),
    (DOWNLOADED_LATE, "cdc_overdue", "Deposit the declaration to the Caisse des Dépôts now",
     "reports:cdc_accrochage"),
])
def test_it_says_the_next_action_at_each_step(facts, key, label, url_name):
    action = next_action(facts)
    assert (action.key, action.label) == (key, label)
    target = facts.session.public_id
    if url_name == "juries:assignments":
        target = next(item.assessment.public_id for item in facts.epreuves
                      if item.unassigned or item.blocks_signing)
    assert action.url == reverse(url_name, args=[target])


def test_it_points_at_the_first_epreuve_not_scored_with_its_progress():
    action = next_action(PARTLY_SCORED)
    assert action.url == reverse("juries:assignments",
                                 args=[PARTLY_SCORED.epreuves[0].assessment.public_id])
    assert action.detail == ("The épreuve “Étude de cas”: 2 of 3 candidates present fully "
                             "scored.")


def test_it_asks_to_complete_the_declaration_the_file_cannot_be_made_of():
    action = next_action(CDC_PROBLEMS)
    assert (action.key, action.url) == ("cdc_problems", "#stage-cdc")
    assert action.detail == ("The holders file cannot be produced yet: 1 problem to fix, "
                             "listed under the declaration below.")
    cdc = session_stages(CDC_PROBLEMS)[-1]
    assert cdc.links == []
    assert cdc.lines[-1] == "The holders file cannot be produced yet:"
    assert cdc.problems == ["Dupont Anne: the sex is missing."]


def test_it_says_a_declaration_overdue_in_days():
    assert next_action(OVERDUE).detail == "It was due on May 6, 2027, 4 days ago."
    cdc = session_stages(OVERDUE)[-1]
    assert cdc.state is StageState.LATE
    assert cdc.state_label == "overdue"
    assert cdc.lines[0] == "To be deposited before May 6, 2027: overdue by 4 days."


@pytest.mark.parametrize(("facts", "states"), [
    (EMPTY, ["todo", "waiting", "todo", "waiting", "waiting", "waiting", "waiting",
             "waiting"]),
    (PARTLY_SCORED, ["done", "in_progress", "done", "waiting", "waiting", "waiting", "waiting",
                     "waiting"]),
    (SCORED, ["done", "done", "done", "todo", "waiting", "waiting", "waiting", "waiting"]),
    (PROPOSED, ["done", "done", "done", "in_progress", "todo", "waiting", "waiting",
                "waiting"]),
    (SIGNED, ["done", "done", "done", "done", "done", "todo", "todo", "todo"]),
    (PENDING, ["done", "done", "done", "done", "done", "done", "in_progress", "todo"]),
    (ISSUED, ["done", "done", "done", "done", "done", "done", "done", "todo"]),
    (NO_HOLDER, ["done", "done", "done", "done", "done", "done", "done", "done"]),
    (DOWNLOADED, ["done", "done", "done", "done", "done", "done", "done", "done"]),
    (DOWNLOADED_LATE, ["done", "done", "done", "done", "done", "done", "done", "late"]),
])
def test_each_stage_has_its_state(facts, states):
    assert [stage.state.value for stage in session_stages(facts)] == states


def test_signing_lists_what_holds_it_up():
    assert session_stages(PARTLY_SCORED)[4].problems == []  # not proposed: nothing to sign
    signing = session_stages(replace(PARTLY_SCORED, deliberation=_deliberation()))[4]
    assert signing.problems == [
        "The épreuve “Étude de cas”: 1 candidate present is not fully scored.",
        "The épreuve “Soutenance”: 2 candidates present are not fully scored.",
    ]


# -- the page, on a real session --------------------------------------------------------------

def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _page(user, session: Session) -> str:
    response = _client(user).get(reverse("candidates:session_detail",
                                         args=[session.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def _href(name: str, *args: object) -> str:
    return f'href="{reverse(name, args=[str(a) for a in args])}"'


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_answers_404_to_anyone_but_an_administrator(request, persona):
    session = SessionFactory()
    client = _client(request.getfixturevalue(persona))
    url = reverse("candidates:session_detail", args=[session.public_id])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_it_answers_404_to_the_jury_member_of_the_session(alice):
    setup = jury_setup()
    enrol(setup)
    client = _client(setup.president.user)
    url = reverse("candidates:session_detail", args=[setup.session.public_id])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_an_empty_session_asks_to_enrol_and_links_to_each_stage(alice):
    session = SessionFactory()
    text = _page(alice, session)
    sid = session.public_id
    assert "Next step" in text
    assert "No candidate is enrolled in this session yet." in text
    assert f'class="button" {_href("candidates:enrolment_import_upload", sid)}' in text
    assert '<ol class="hub-timeline">' in text
    for name in ("candidates:enrolment_create", "candidates:session_dashboard",
                 "juries:assessment_list", "juries:assessment_create", "juries:jury_compose",
                 "deliberations:deliberation", "juries:session_scores",
                 "reports:session_documents"):
        assert _href(name, sid) in text, name
    assert "0 candidates enrolled." in text
    assert "No épreuve is scheduled yet." in text
    assert "The holders file can be produced once the minutes are signed." in text
    assert "cdc-accrochage.xml" not in text
    assert "No candidate enrolled yet." in text


@pytest.mark.django_db
def test_withdrawn_candidates_are_not_counted(alice):
    session = SessionFactory()
    EnrolmentFactory.create_batch(2, session=session)
    EnrolmentFactory(session=session, status=EnrolmentStatus.WITHDRAWN)
    text = _page(alice, session)
    assert "2 candidates enrolled." in text
    assert "Schedule the épreuves" in text


@pytest.mark.django_db
def test_scheduled_epreuves_show_their_date_place_and_scoring_progress(alice):
    setup = jury_setup()
    first, second = enrol(setup), enrol(setup)
    absent = enrol(setup)
    Sitting.objects.filter(enrolment=absent).update(attendance=Attendance.ABSENT)
    for sitting in Sitting.objects.filter(assessment=setup.assessment):
        Assignment.objects.create(sitting=sitting, member=setup.members[1])
    score_all(setup, first, 2)
    text = _page(alice, setup.session)
    assessment = setup.assessment
    assert _href("juries:assignments", assessment.public_id) in text
    assert assessment.modality.title in text
    assert "Salle 204" in text
    assert "3 candidates scheduled." in text
    assert "Scoring: 1 of 2 candidates present fully scored." in text
    assert "Wait for or enter the scores (1/2)" in text
    assert "3 members." in text
    assert "The composition meets the certification" in text
    del second


@pytest.mark.django_db
def test_an_epreuve_without_assigned_members_asks_for_assignments(alice):
    setup = jury_setup()
    enrol(setup)
    text = _page(alice, setup.session)
    assert "Assign jury members to the épreuve" in text
    assert "1 candidate has no jury member assigned." in text


@pytest.mark.django_db
def test_a_fully_scored_session_asks_to_deliberate_then_to_sign(alice):
    setup = jury_setup()
    for sitting_enrolment in (enrol(setup), enrol(setup)):
        score_all(setup, sitting_enrolment, 2)
    for sitting in Sitting.objects.filter(assessment=setup.assessment):
        Assignment.objects.create(sitting=sitting, member=setup.members[1])
    text = _page(alice, setup.session)
    assert "Scoring: 2 of 2 candidates present fully scored." in text
    assert f'class="button" {_href("deliberations:deliberation", setup.session.public_id)}' \
        in text
    assert ">Deliberate<" in text
    deliberation_propose(session=setup.session, by=alice)
    text = _page(alice, setup.session)
    assert "Sign the minutes" in text
    assert "2 decisions for 2 candidates enrolled." in text


def _signed_session(alice, *, candidates: int = 2, epreuves: int = 1, cdc_ids: bool = True):
    setup = jury_setup()
    if cdc_ids:
        Certification.objects.filter(referentiels__sessions=setup.session).update(
            cdc_client_id="ABCD1234", cdc_contract_id="MCFCER000123")
    modality = setup.session.referentiel.modalities.first()
    extra = [AssessmentFactory(session=setup.session, modality=modality,
                               starts_at=timezone.now() - datetime.timedelta(days=2))
             for _ in range(epreuves - 1)]
    for _ in range(candidates):
        enrolment = enrol(setup)
        score_all(setup, enrolment, 3)
        for assessment in extra:
            Sitting.objects.create(assessment=assessment, enrolment=enrolment)
            score_all(setup, enrolment, 3, assessment=assessment)
    for sitting in Sitting.objects.filter(assessment__session=setup.session):
        Assignment.objects.create(sitting=sitting, member=setup.members[1])
    # Every candidate obtains the certification: decided before signing (once signed,
    # PostgreSQL's trigger refuses any change outside an amendment).
    deliberation_propose(session=setup.session, by=alice)
    deliberation = Deliberation.objects.get(session=setup.session)
    deliberation.candidates.update(outcome=CandidateOutcome.FULL_SUCCESS,
                                   proposed_outcome=CandidateOutcome.FULL_SUCCESS)
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    deliberation.refresh_from_db()
    for index, decision in enumerate(deliberation.candidates.select_related("enrolment")):
        for status in (DocumentStatus.ISSUED, DocumentStatus.FAILED):
            Document.objects.create(
                kind=DocumentKind.TRANSCRIPT, enrolment=decision.enrolment,
                session=setup.session, deliberation=deliberation, certifier="Certif",
                number=f"2027-{index}-{status}", status=status)
    return setup, deliberation


@pytest.mark.django_db
def test_a_signed_session_shows_the_signature_documents_and_declaration(alice):
    setup, deliberation = _signed_session(alice)
    sid = setup.session.public_id
    text = _page(alice, setup.session)
    president = str(setup.president.user)
    signed_on = timezone.localtime(deliberation.signed_at).strftime("%B %-d, %Y")
    assert f"Signed on {signed_on} by {president}." in text
    assert "Publish the results" in text
    assert _href("candidates:enrolment_create", sid) not in text  # enrolment is closed
    assert "2 issued, 0 being issued, 2 failed." in text
    assert "To be deposited before" in text
    assert "days left." in text
    assert "2 holders to declare." in text
    assert _href("reports:cdc_accrochage", sid) in text
    deliberation_publish(deliberation=deliberation, by=alice)
    text = _page(alice, setup.session)
    assert "Published on" in text
    assert f'class="button" {_href("reports:session_documents", sid)}' in text
    assert "Issue the documents" in text
    Document.objects.filter(status=DocumentStatus.FAILED).update(status=DocumentStatus.ISSUED)
    text = _page(alice, setup.session)
    assert "4 issued, 0 being issued, 0 failed." in text
    assert "Deposit the declaration to the Caisse des Dépôts before" in text
    xml = _client(alice).get(reverse("reports:cdc_accrochage", args=[sid]))
    assert xml.status_code == 200
    text = _page(alice, setup.session)
    assert "The holders file was last downloaded on" in text
    assert "Download the holders file again" in text


@pytest.mark.django_db
def test_an_overdue_declaration_is_said_late(alice):
    setup, deliberation = _signed_session(alice)
    with lock_opened():  # signed 120 days ago (PostgreSQL's trigger guards a signed one)
        Deliberation.objects.filter(pk=deliberation.pk).update(
            signed_at=timezone.now() - datetime.timedelta(days=120))
    deliberation.refresh_from_db()
    deliberation_publish(deliberation=deliberation, by=alice)
    Document.objects.update(status=DocumentStatus.ISSUED)
    text = _page(alice, setup.session)
    assert "overdue by" in text
    assert "hub-stage--late" in text
    assert "Overdue" in text
    assert "Deposit the declaration to the Caisse des Dépôts now" in text


@pytest.mark.django_db
def test_the_enrolment_table_keeps_the_invitation_button(alice):
    session = SessionFactory()
    enrolment = EnrolmentFactory(session=session)
    text = _page(alice, session)
    assert enrolment.candidate.legal_name in text
    assert reverse("candidates:enrolment_invite",
                   args=[session.public_id, enrolment.public_id]) in text
    assert "Send the invitation" in text  # never invited yet
    enrolment.invited_at = timezone.now()
    enrolment.save(update_fields=["invited_at"])
    assert "Resend invitation" in _page(alice, session)


@pytest.mark.django_db
@pytest.mark.parametrize(("candidates", "epreuves"), [(2, 1), (10, 3)])
def test_it_shows_a_signed_session_in_constant_queries(
        alice, django_assert_max_num_queries, candidates, epreuves):
    setup, _deliberation = _signed_session(alice, candidates=candidates, epreuves=epreuves)
    client = _client(alice)
    # +1: the declaration passages by state; +2: the identity check (holders, rejected)
    with django_assert_max_num_queries(26):  # the cancelled épreuves: one more
        response = client.get(reverse("candidates:session_detail",
                                      args=[setup.session.public_id]))
    assert response.status_code == 200
    assert len(response.context["facts"].epreuves) == epreuves


@pytest.mark.django_db
def test_a_declaration_that_cannot_be_produced_says_why(alice):
    setup, _deliberation = _signed_session(alice, cdc_ids=False)
    text = _page(alice, setup.session)
    assert "The holders file cannot be produced yet:" in text
    assert "Caisse des Dépôts client id" in text
    assert "cdc-accrochage.xml" not in text
    mentions = reverse("certifications:certification_mentions",
                       args=[setup.session.referentiel.certification.public_id])
    assert f'href="{mentions}"' in text


# -- the declaration tracked by fluxes (issue 20) ----------------------------------------------
def _tracked(**counts) -> SessionFacts:
    return replace(ISSUED, cdc_passages=PassageCounts(**counts))


@pytest.mark.parametrize(("facts", "key", "state"), [
    (_tracked(declared=2), "cdc_report", StageState.IN_PROGRESS),
    (_tracked(accepted=2), "done", StageState.DONE),
    (_tracked(accepted=1, rejected=1), "cdc_rejected", StageState.IN_PROGRESS),
    (_tracked(accepted=1, corrected=1), "cdc_flux", StageState.IN_PROGRESS),
    (_tracked(declared=1), "cdc_flux", StageState.IN_PROGRESS),  # one holder never sent
    (replace(OVERDUE, cdc_passages=PassageCounts(rejected=2)), "cdc_rejected",
     StageState.LATE),
])
def test_passage_states_drive_the_declaration_stage(facts, key, state):
    assert next_action(facts).key == key
    assert next_action(facts).url == reverse("reports:cdc_declarations")
    cdc = session_stages(facts)[-1]
    assert cdc.state is state
    counts = facts.cdc_passages
    assert (f"Passages: {counts.declared} declared, {counts.accepted} accepted, "
            f"{counts.rejected} rejected.") in cdc.lines
    assert reverse("reports:cdc_declarations") in [link.url for link in cdc.links]


@pytest.mark.django_db
def test_it_says_early_how_many_identities_to_complete_before_the_declaration(alice):
    session = SessionFactory()
    EnrolmentFactory(session=session, candidate__sex="")
    EnrolmentFactory(session=session)
    text = _page(alice, session)
    assert "1 candidate to complete before the declaration to the Caisse des Dépôts." in text
    report = reverse("reports:cdc_precheck", args=[session.public_id])
    assert text.count(f'href="{report}"') == 2  # the enrolment stage and the CDC stage
    assert "Check the identities before the declaration" in text


@pytest.mark.django_db
def test_it_says_nothing_to_complete_when_every_identity_is_declarable(alice):
    session = SessionFactory()
    EnrolmentFactory(session=session)
    text = _page(alice, session)
    assert "to complete before the declaration to the Caisse" not in text
    # The CDC stage still links the check.
    assert reverse("reports:cdc_precheck", args=[session.public_id]) in text


@pytest.mark.django_db
def test_a_cancelled_epreuve_is_shown_cancelled_with_its_reason(alice):
    from assessments.services import assessment_cancel

    setup = jury_setup()
    enrol(setup)
    called_off = AssessmentFactory(session=setup.session, place="Salle 12",
                                   modality=setup.assessment.modality)
    assessment_cancel(assessment=called_off, by=alice, reason="Salle indisponible")
    text = _page(alice, setup.session)
    assert "Cancelled" in text
    assert "Reason: Salle indisponible" in text
    assert "hub-state--cancelled" in text
    assert text.count('class="hub-epreuve"') == 2  # the live one and the cancelled one
