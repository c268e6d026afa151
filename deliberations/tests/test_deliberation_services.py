"""Deliberation services: propose from the scores, override with justification, sign with
quorum and composition, lock, publish, amend, carry rattrapage; the seeds' own rules."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from assessments.models import Attendance, Sitting
from assessments.services import ScoringClosedError, score_record
from candidates.models import AcquiredBloc, AcquisitionOrigin, Session, TargetBloc
from candidates.tests.factories import SessionFactory
from certifications.importers.document import parse
from certifications.models import Bloc, Certification, Modality, Requirement, RuleSet
from certifications.services import referentiel_import
from deliberations.models import (
    Amendment,
    BlocDecisionStatus,
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from deliberations.selectors import published_final_levels_for_enrolments
from deliberations.services import (
    DeliberationClosedError,
    FinalLevelAmended,
    OutcomeAmended,
    RequirementAmended,
    SigningRefusedError,
    amendment_record,
    candidate_outcome_override,
    competence_decision_override,
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
    rattrapage_carry,
    requirement_tick,
)
from deliberations.tests.deliberation_helpers import Setup, enrol, jury_setup, score_all
from demo.certifications import SEEDS_DIR
from juries.models import ConflictKind, ConflictOfInterest
from juries.tests.factories import loaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> Setup:
    return jury_setup()


def decision_of(enrolment) -> CandidateDecision:
    return CandidateDecision.objects.get(enrolment=enrolment)


def blocs_of(enrolment) -> dict[str, str]:
    """Bloc code (or title, seed 002 has no codes) → status."""
    return {b.bloc.code or b.bloc.title: b.status
            for b in decision_of(enrolment).blocs.select_related("bloc")}


def competence(enrolment, code: str) -> CompetenceDecision:
    return CompetenceDecision.objects.get(candidate_decision__enrolment=enrolment,
                                          competence__code=code)


def tick_all(setup: Setup, enrolment) -> None:
    for requirement in Requirement.objects.filter(
            certification=setup.session.referentiel.certification):
        requirement_tick(decision=decision_of(enrolment), requirement=requirement, met=True,
                         justification="Mission de 4 mois, rapport et soutenance le 14/06.",
                         by=setup.president.user)


def sign(setup: Setup, members=None):
    return deliberation_sign(deliberation=Deliberation.objects.get(session=setup.session),
                             members_present=members or setup.members, by=setup.president.user)


# -- proposal ------------------------------------------------------------------------------
def test_it_proposes_the_median_rounded_to_the_more_demanding_level(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [1, 2, 4], "C1.2": [1, 2, 2]})
    deliberation_propose(session=setup.session, by=alice)
    row = competence(enrolment, "C1.1")
    assert (row.proposed_level, row.final_level, row.divergent) == (2, 2, True)
    assert sorted(m["level"] for m in row.member_levels) == [1, 2, 4]
    assert competence(enrolment, "C1.2").divergent is False


def test_an_even_number_of_levels_rounds_to_the_more_demanding(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [2, 3]})
    deliberation_propose(session=setup.session, by=alice)
    assert competence(enrolment, "C1.1").proposed_level == 3


def test_a_member_in_conflict_is_not_counted(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [4, 1, 1]})
    ConflictOfInterest.objects.create(member=setup.president, candidate=enrolment.candidate,
                                      kind=ConflictKind.TRAINED, declared_by=alice)
    deliberation_propose(session=setup.session, by=alice)
    row = competence(enrolment, "C1.1")
    assert row.proposed_level == 1
    assert [m["conflicted"] for m in row.member_levels].count(True) == 1


def test_all_acquired_but_the_requirement_unmet_is_a_partial_success(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    decision = decision_of(enrolment)
    assert set(blocs_of(enrolment).values()) == {BlocDecisionStatus.VALIDATED}
    assert decision.outcome == CandidateOutcome.PARTIAL_SUCCESS
    assert "Mission" in decision.outcome_reason
    tick_all(setup, enrolment)
    assert decision_of(enrolment).outcome == CandidateOutcome.FULL_SUCCESS


def test_a_requirement_ticked_needs_a_justification(setup, alice):
    enrolment = enrol(setup)
    deliberation_propose(session=setup.session, by=alice)
    requirement = Requirement.objects.get()
    with pytest.raises(ValidationError, match="condition est remplie"):
        requirement_tick(decision=decision_of(enrolment), requirement=requirement, met=True,
                         justification=" ", by=setup.president.user)


def test_levels_3_and_4_give_complement_and_rattrapage_with_reasons(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [3, 3, 3], "C2.1": [4, 4, 3], "C2.2": [3, 3, 3]})
    deliberation_propose(session=setup.session, by=alice)
    statuses = blocs_of(enrolment)
    decision = decision_of(enrolment)
    reasons = {b.bloc.code: b.reason for b in decision.blocs.select_related("bloc")}
    code1, code2, code3 = sorted(reasons)
    assert (statuses[code1], statuses[code2], statuses[code3]) == (
        "complement", "rattrapage", "validated")
    assert "C1.1" in reasons[code1]
    assert "C2.1" in reasons[code2]
    assert "C2.2" in reasons[code2]
    assert decision.outcome == CandidateOutcome.PARTIAL_SUCCESS


def test_no_score_leaves_the_bloc_incomplete_and_the_candidate_failed(setup, alice):
    enrolment = enrol(setup)
    deliberation_propose(session=setup.session, by=alice)
    assert set(blocs_of(enrolment).values()) == {"incomplete"}
    assert decision_of(enrolment).outcome == CandidateOutcome.FAILURE


def test_absent_and_excused_candidates(setup, alice):
    absent, excused = enrol(setup), enrol(setup)
    Sitting.objects.filter(enrolment=absent).update(attendance=Attendance.ABSENT)
    Sitting.objects.filter(enrolment=excused).update(attendance=Attendance.EXCUSED)
    deliberation_propose(session=setup.session, by=alice)
    assert decision_of(absent).outcome == CandidateOutcome.ABSENT
    assert decision_of(excused).outcome == CandidateOutcome.EXCUSED


def test_blocs_acquired_before_count_and_expire_with_the_validity(setup, alice):
    blocs = list(setup.session.referentiel.blocs.order_by("position"))
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    # Not scored at all on bloc 1: acquired before (VAE), it is not decided again.
    AcquiredBloc.objects.create(enrolment=enrolment, bloc=blocs[0], origin=AcquisitionOrigin.VAE,
                                acquired_on=datetime.date(2020, 1, 1))
    deliberation_propose(session=setup.session, by=alice)
    assert blocs_of(enrolment)[blocs[0].code] == BlocDecisionStatus.ACQUIRED_BEFORE
    assert not competence_exists(enrolment, "C1.1")
    RuleSet.objects.update_or_create(certification=setup.session.referentiel.certification,
                                     defaults={"bloc_validity_months": 24})
    deliberation_propose(session=setup.session, by=alice)
    assert blocs_of(enrolment)[blocs[0].code] == BlocDecisionStatus.VALIDATED
    assert "2020" in decision_of(enrolment).blocs.get(bloc=blocs[0]).reason


def competence_exists(enrolment, code: str) -> bool:
    return CompetenceDecision.objects.filter(candidate_decision__enrolment=enrolment,
                                             competence__code=code).exists()


def test_chosen_blocs_only_are_decided(setup, alice):
    blocs = list(setup.session.referentiel.blocs.order_by("position"))
    enrolment = enrol(setup, whole_certification=False)
    TargetBloc.objects.create(enrolment=enrolment, bloc=blocs[1])
    score_all(setup, enrolment, 1)
    deliberation_propose(session=setup.session, by=alice)
    assert blocs_of(enrolment) == {blocs[1].code: "validated"}
    assert decision_of(enrolment).outcome == CandidateOutcome.PARTIAL_SUCCESS


# -- overrides -------------------------------------------------------------------------------
def test_departing_from_the_proposal_needs_a_justification(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [3, 3, 2]})
    deliberation_propose(session=setup.session, by=alice)
    row = competence(enrolment, "C1.1")
    with pytest.raises(ValidationError, match="justifié"):
        competence_decision_override(decision=row, final_level=2, justification="",
                                     by=setup.president.user)
    competence_decision_override(decision=row, final_level=2, justification="Vu à l'oral.",
                                 by=setup.president.user)
    assert blocs_of(enrolment)[row.competence.bloc.code] == "validated"
    assert AuditEvent.objects.filter(action="deliberation.competence_overridden").exists()


def test_only_the_president_overrides(setup, alice):
    enrolment = enrol(setup)
    deliberation_propose(session=setup.session, by=alice)
    row = competence(enrolment, "C1.1")
    for user in (alice, setup.members[1].user):
        with pytest.raises(PermissionDenied):
            competence_decision_override(decision=row, final_level=2, justification="x",
                                         by=user)


def test_re_proposing_keeps_the_overrides(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, 3)
    deliberation_propose(session=setup.session, by=alice)
    competence_decision_override(decision=competence(enrolment, "C1.1"), final_level=2,
                                 justification="Complément déjà rendu.", by=setup.president.user)
    candidate_outcome_override(decision=decision_of(enrolment), outcome="failure",
                               justification="Fraude constatée.", by=setup.president.user)
    deliberation_propose(session=setup.session, by=setup.president.user)
    row = competence(enrolment, "C1.1")
    assert (row.proposed_level, row.final_level, row.justification) == (
        3, 2, "Complément déjà rendu.")
    assert decision_of(enrolment).outcome == CandidateOutcome.FAILURE
    assert competence(enrolment, "C1.2").final_level == 3


def test_an_outcome_override_needs_a_justification(setup, alice):
    enrolment = enrol(setup)
    deliberation_propose(session=setup.session, by=alice)
    with pytest.raises(ValidationError):
        candidate_outcome_override(decision=decision_of(enrolment), outcome="full_success",
                                   justification="", by=setup.president.user)


# -- signing ---------------------------------------------------------------------------------
def test_signing_refuses_with_the_reasons(setup, alice):
    score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    president, member, teacher = setup.members
    with pytest.raises(SigningRefusedError) as refused:
        sign(setup, [president])
    assert any("quorum" in r for r in refused.value.reasons)
    with pytest.raises(SigningRefusedError) as refused:
        sign(setup, [member, teacher])
    assert any("président" in r for r in refused.value.reasons)
    assert Deliberation.objects.get().status == Deliberation.Status.DRAFT


def test_the_external_share_is_configured_per_certification(setup, alice):
    score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    RuleSet.objects.update_or_create(certification=setup.session.referentiel.certification,
                                     defaults={"external_professional_share": "0.75"})
    with pytest.raises(SigningRefusedError) as refused:
        sign(setup)
    assert "Au moins 75\u202f% des membres présents doivent être des professionnels extérieurs " \
           "au certificateur." in refused.value.reasons


def test_a_single_gender_jury_signs_with_a_warning(setup, alice):
    score_all(setup, enrol(setup), 2)
    deliberation_propose(session=setup.session, by=alice)
    president, _member, teacher = setup.members
    check = sign(setup, [president, teacher])
    assert check.warnings == ("single_gender",)


def test_only_the_president_signs(setup, alice):
    deliberation_propose(session=setup.session, by=alice)
    with pytest.raises(PermissionDenied):
        deliberation_sign(deliberation=Deliberation.objects.get(), members_present=setup.members,
                          by=alice)


def test_signing_locks_scores_and_decisions_and_issues_documents_after_commit(
        setup, alice, django_capture_on_commit_callbacks, monkeypatch):
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    issued = []
    monkeypatch.setattr("deliberations.services.sign.issue_documents_for_deliberation",
                        issued.append)
    with django_capture_on_commit_callbacks(execute=True):
        sign(setup)
    deliberation = Deliberation.objects.get()
    assert issued == [deliberation.pk]
    assert deliberation.status == Deliberation.Status.SIGNED
    assert deliberation.minutes["signature"]["email"] == setup.president.user.email
    assert len(deliberation.minutes["members_present"]) == 3
    assert deliberation.minutes["decisions"][0]["outcome"] == "partial_success"
    assert not Sitting.objects.filter(locked_at__isnull=True).exists()
    sitting = loaded(Sitting.objects.get(enrolment=enrolment))
    with pytest.raises(ScoringClosedError):
        score_record(scorer=setup.president.user, sitting=sitting,
                     competence=setup.competences[0], level=1, expected_version=1)
    with pytest.raises(DeliberationClosedError):
        competence_decision_override(decision=competence(enrolment, "C1.1"), final_level=1,
                                     justification="x", by=setup.president.user)
    with pytest.raises(DeliberationClosedError):
        deliberation_propose(session=setup.session, by=alice)


# -- publication -----------------------------------------------------------------------------
def test_candidates_see_final_levels_only_once_signed_and_published(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [1, 1, 1]})
    deliberation_propose(session=setup.session, by=alice)
    deliberation = Deliberation.objects.get()
    with pytest.raises(ValidationError):
        deliberation_publish(deliberation=deliberation, by=alice)
    enrolment.session.refresh_from_db()
    assert published_final_levels_for_enrolments(enrolments=[enrolment])[enrolment.pk] == {}
    sign(setup)
    deliberation_publish(deliberation=Deliberation.objects.get(), by=setup.president.user)
    enrolment = type(enrolment).objects.select_related("session").get(pk=enrolment.pk)
    levels = published_final_levels_for_enrolments(enrolments=[enrolment])[enrolment.pk]
    assert levels[competence(enrolment, "C1.1").competence_id] == 1


# -- amendments -------------------------------------------------------------------------------
def test_an_amendment_records_old_and_new_and_reissues(setup, alice,
                                                       django_capture_on_commit_callbacks,
                                                       monkeypatch):
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    sign(setup)
    reissued = []
    monkeypatch.setattr("deliberations.services.amend.reissue_documents_for_amendment",
                        reissued.append)
    with pytest.raises(ValidationError):
        amendment_record(target=FinalLevelAmended(competence(enrolment, "C1.1")),
                         new_value=4, reason="", by=setup.president.user)
    with django_capture_on_commit_callbacks(execute=True):
        amendment = amendment_record(target=FinalLevelAmended(competence(enrolment, "C1.1")),
                                     new_value=4, reason="Erreur de saisie au PV.",
                                     by=setup.president.user)
    assert (amendment.old, amendment.new, amendment.by) == (2, 4, setup.president.user)
    assert reissued == [amendment.pk]
    assert competence(enrolment, "C1.1").final_level == 4
    fields = set(Amendment.objects.values_list("decision_type", "field"))
    assert ("bloc", "status") in fields
    assert decision_of(enrolment).outcome == CandidateOutcome.PARTIAL_SUCCESS


def test_only_the_president_present_at_signing_amends(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    sign(setup)
    for stranger in (alice, setup.members[1].user):  # an administrator, a mere member
        with pytest.raises(PermissionDenied):
            amendment_record(target=FinalLevelAmended(competence(enrolment, "C1.1")),
                             new_value=4, reason="Erreur.", by=stranger)
    assert not Amendment.objects.exists()


def test_no_amendment_before_signing(setup, alice):
    enrolment = enrol(setup)
    deliberation_propose(session=setup.session, by=alice)
    with pytest.raises(ValidationError):
        amendment_record(target=OutcomeAmended(decision_of(enrolment)),
                         new_value="failure", reason="x", by=alice)



def test_an_amendment_is_refused_on_a_requirement_of_another_certification(setup, alice):
    """The service checks what it amends, not only the page: a requirement of another
    certification is not one the candidate can be said to meet."""
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    sign(setup)
    other = Certification.objects.create(title="Autre certification")
    foreign = Requirement.objects.create(certification=other, label="Mémoire")
    decision = decision_of(enrolment)
    with pytest.raises(ValidationError) as refused:
        amendment_record(target=RequirementAmended(decision, foreign), new_value=True,
                         reason="Mémoire reçu.", by=setup.president.user)
    assert refused.value.code == "foreign_requirement"
    assert not Amendment.objects.exists()
    decision.refresh_from_db()
    assert str(foreign.pk) not in decision.requirements_met
    own = Requirement.objects.get(certification=setup.session.referentiel.certification)
    amendment = amendment_record(target=RequirementAmended(decision, own), new_value=True,
                                 reason="Mission attestée.", by=setup.president.user)
    assert (amendment.field, amendment.old, amendment.new) == (f"requirement:{own.pk}",
                                                               False, True)

# -- rattrapage ------------------------------------------------------------------------------
def test_rattrapage_carries_the_blocs_not_validated_and_keeps_the_others(setup, alice):
    enrolment = enrol(setup)
    score_all(setup, enrolment, {"C1.1": [4, 4, 4], "C2.2": [3, 3, 3]})
    deliberation_propose(session=setup.session, by=alice)
    sign(setup)
    later = Session.objects.create(referentiel=setup.session.referentiel, name="Automne",
                                   starts_on=datetime.date(2027, 9, 1),
                                   ends_on=datetime.date(2027, 12, 1))
    carried = rattrapage_carry(enrolment=enrolment, to_session=later, by=alice)
    blocs = list(setup.session.referentiel.blocs.order_by("position"))
    assert set(carried.target_blocs.all()) == {blocs[0], blocs[1]}
    acquired = carried.acquired_blocs.get()
    assert (acquired.bloc, acquired.origin) == (blocs[2], AcquisitionOrigin.CAPITALISATION)
    assert acquired.acquired_on == timezone.localdate(Deliberation.objects.get().signed_at)
    assert "C1.1" in carried.jury_note
    assert "C2.2" in carried.jury_note
    with pytest.raises(ValidationError):
        rattrapage_carry(enrolment=enrolment, to_session=setup.session, by=alice)


# -- the seeds' own rules ------------------------------------------------------------------------
def import_seed(name: str):
    (draft,) = parse(io.BytesIO((SEEDS_DIR / name).read_bytes()), name=name)
    return referentiel_import(draft=draft).referentiel


def test_rncp35609_bloc_7_is_validated_by_the_thesis(alice):
    referentiel = import_seed("003_d8ac24bbc4ef792a.txt")
    session = SessionFactory(referentiel=referentiel)
    thesis = Modality.objects.get(referentiel=referentiel, kind="thesis")
    setup = jury_setup(session=session, modality=thesis)
    passed, failed = enrol(setup), enrol(setup)
    score_all(setup, passed, 2)
    score_all(setup, failed, {"BC7.3": [4, 4, 4]})
    deliberation_propose(session=session, by=alice)
    bloc7 = Bloc.objects.get(referentiel=referentiel, code="RNCP35609BC07")
    assert blocs_of(passed)[bloc7.code] == "validated"
    assert blocs_of(failed)[bloc7.code] == "rattrapage"
    assert "BC7.3" in decision_of(failed).blocs.get(bloc=bloc7).reason
    # The other six blocs are not assessed here: the thesis alone is a partial success.
    assert decision_of(passed).outcome == CandidateOutcome.PARTIAL_SUCCESS
    assert decision_of(failed).outcome == CandidateOutcome.FAILURE


def test_seed_002_six_blocs_and_the_mission(alice):
    referentiel = import_seed("002_faa6f23e9f369a50.txt")
    session = SessionFactory(referentiel=referentiel)
    setup = jury_setup(session=session)
    modalities = list(Modality.objects.filter(referentiel=referentiel))
    assessments = [setup.assessment] + [
        type(setup.assessment).objects.create(session=session, modality=m,
                                              starts_at=setup.assessment.starts_at)
        for m in modalities if m.pk != setup.assessment.modality_id
    ]
    enrolment = enrol(setup)
    for assessment in assessments[1:]:
        Sitting.objects.create(assessment=assessment, enrolment=enrolment)
    done = set()
    for assessment in assessments:
        sitting = Sitting.objects.get(assessment=assessment, enrolment=enrolment)
        todo = set(assessment.modality.competences.values_list("pk", flat=True)) - done
        if todo:
            score_all(setup, enrolment, 1, assessment=sitting.assessment)
            done |= todo
    deliberation_propose(session=session, by=alice)
    statuses = blocs_of(enrolment)
    assert len(statuses) == 6
    assert set(statuses.values()) == {"validated"}
    mission = Requirement.objects.get(certification=referentiel.certification)
    assert "mission" in mission.label.lower()
    assert decision_of(enrolment).outcome == CandidateOutcome.PARTIAL_SUCCESS
    requirement_tick(decision=decision_of(enrolment), requirement=mission, met=True,
                     justification="Mission de 4 mois, rapport rendu, soutenance le 20/06.",
                     by=setup.president.user)
    assert decision_of(enrolment).outcome == CandidateOutcome.FULL_SUCCESS
