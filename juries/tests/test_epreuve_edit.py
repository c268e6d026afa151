"""Épreuves edited, moved, cancelled, deleted from the product's pages, and candidates'
time slots (issue 18, deliverables 2 and 4), tried by alice (administrator), bob (jury
member) and charlie (candidate): each change through the services, recorded in the audit
trail, refused once scores exist or the session is signed."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import AuditEvent
from assessments.models import Assessment, Score, Sitting
from assessments.selectors import sittings_for_enrolments
from assessments.services import (
    assessment_cancel,
    assessment_create,
    assessment_delete,
    assessment_slots_distribute,
    assessment_update,
    score_record,
    sitting_slot_set,
)
from assessments.timing import sitting_timing
from candidates.models import AcquiredBloc, AcquisitionOrigin, Enrolment, Session
from candidates.services.enrolment import SessionLockedError
from candidates.tests.factories import EnrolmentFactory, SessionFactory
from deliberations.models import Deliberation
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from juries.models import Assignment, Jury, Quality
from juries.selectors import session_signing_blockers
from juries.services import assignment_create, jury_compose
from juries.tests.factories import MemberFactory, loaded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Services' messages read in English (the pages ask for English too)."""
    with translation.override("en"):
        yield
SOON = timezone.now().replace(microsecond=0) + datetime.timedelta(days=10)


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def session() -> Session:
    return SessionFactory()


@pytest.fixture
def modality(session):
    modality = session.referentiel.modalities.order_by("position").first()
    modality.duration_minutes = 60
    modality.save(update_fields=["duration_minutes"])
    return modality


@pytest.fixture
def enrolments(session) -> list[Enrolment]:
    return [
        EnrolmentFactory(session=session, candidate__user=None, candidate__birth_name="Abel",
                         extra_time_percent=0),
        EnrolmentFactory(session=session, candidate__user=None, candidate__birth_name="Bruno",
                         extra_time_percent=33),
        EnrolmentFactory(session=session, candidate__user=None, candidate__birth_name="Cyril",
                         extra_time_percent=0),
    ]


@pytest.fixture
def assessment(session, modality, enrolments, alice) -> Assessment:
    return assessment_create(session=session, modality=modality, starts_at=SOON,
                             place="Salle 204", enrolments=enrolments, created_by=alice)


def _score(assessment: Assessment, scorer) -> Score:
    sitting = Sitting.objects.filter(assessment=assessment).first()
    competence = assessment.modality.competences.first()
    return Score.objects.create(sitting=sitting, competence=competence, scorer=scorer, level=2)


def _other_modality(session: Session):
    from certifications.models import Modality
    return Modality.objects.create(referentiel=session.referentiel, code="E9",
                                   title="Soutenance", position=9)


def _sign(session: Session) -> None:
    Session.objects.filter(pk=session.pk).update(signed_at=timezone.now())


# -- services -----------------------------------------------------------------------------
def test_editing_changes_place_and_instructions_and_is_audited(alice, assessment):
    assessment_update(assessment=assessment, by=alice, modality=assessment.modality,
                      starts_at=SOON, place="Salle 12",
                      instructions="Pièce d'identité, calculatrice")
    assessment.refresh_from_db()
    assert (assessment.place, assessment.instructions) == (
        "Salle 12", "Pièce d'identité, calculatrice")
    event = AuditEvent.objects.get(action="assessment.updated")
    assert event.old == {"place": "Salle 204", "instructions": ""}
    assert event.new == {"place": "Salle 12", "instructions": "Pièce d'identité, calculatrice"}
    assert event.actor == alice


def test_moving_moves_every_candidate_slot_with_it(alice, assessment):
    first = assessment.sittings.order_by("enrolment__candidate__birth_name").first()
    sitting_slot_set(sitting=first, starts_at=SOON + datetime.timedelta(hours=2), by=alice)
    later = SOON + datetime.timedelta(days=1, hours=1)
    assessment_update(assessment=assessment, by=alice, modality=assessment.modality,
                      starts_at=later, place="Salle 204")
    first.refresh_from_db()
    assert first.starts_at == later + datetime.timedelta(hours=2)
    others = assessment.sittings.exclude(pk=first.pk)
    assert all(s.starts_at is None and s.slot_starts_at == later for s in others)
    event = AuditEvent.objects.get(action="assessment.moved")
    assert event.context["slots_moved"] == "1"


def test_the_modality_cannot_change_once_scored_and_the_date_only_to_the_past(
        alice, bob, assessment, session):
    other = _other_modality(session)
    _score(assessment, bob)
    with pytest.raises(ValidationError) as refused:
        assessment_update(assessment=assessment, by=alice, modality=other, starts_at=SOON,
                          place="Salle 204")
    assert "can no longer change" in refused.value.message_dict["modality"][0]
    with pytest.raises(ValidationError) as refused:
        assessment_update(assessment=assessment, by=alice, modality=assessment.modality,
                          starts_at=SOON + datetime.timedelta(days=1), place="Salle 204")
    assert "past date" in refused.value.message_dict["starts_at"][0]
    # a correction of the date it actually took place
    past = timezone.now() - datetime.timedelta(days=2)
    assessment_update(assessment=assessment, by=alice, modality=assessment.modality,
                      starts_at=past, place="Salle 204")
    assessment.refresh_from_db()
    assert assessment.starts_at == past


def test_cancel_keeps_the_epreuve_and_refuses_scores(alice, bob, assessment):
    assessment_cancel(assessment=assessment, by=alice, reason="Salle indisponible")
    assessment.refresh_from_db()
    assert assessment.is_cancelled
    assert assessment.cancelled_by == alice
    assert assessment.cancel_reason == "Salle indisponible"
    assert not assessment.scoring_open()
    event = AuditEvent.objects.get(action="assessment.cancelled")
    assert event.new["reason"] == "Salle indisponible"
    sitting = loaded(assessment.sittings.first())
    with pytest.raises(ValidationError, match="cancelled"):
        score_record(scorer=bob, sitting=sitting,
                     competence=assessment.modality.competences.first(), level=2)
    with pytest.raises(ValidationError, match="cancelled"):
        assessment_update(assessment=assessment, by=alice, modality=assessment.modality,
                          starts_at=SOON, place="")


def test_cancel_needs_a_reason_and_is_refused_once_scored_or_signed(alice, bob, assessment):
    with pytest.raises(ValidationError) as refused:
        assessment_cancel(assessment=assessment, by=alice, reason="  ")
    assert "reason" in refused.value.message_dict
    _score(assessment, bob)
    with pytest.raises(ValidationError, match="already scored"):
        assessment_cancel(assessment=assessment, by=alice, reason="Grève")
    Score.objects.all().delete()
    _sign(assessment.session)
    with pytest.raises(SessionLockedError):
        assessment_cancel(assessment=assessment, by=alice, reason="Grève")
    assert not Assessment.objects.get(pk=assessment.pk).is_cancelled


def test_delete_removes_sittings_and_assignments_unless_scored(alice, bob, assessment):
    member = MemberFactory(user=bob, quality=Quality.EMPLOYER)
    jury_compose(session=assessment.session, members=[member], president=member)
    assignment_create(sitting=assessment.sittings.first(), member=member, assigned_by=alice)
    _score(assessment, bob)
    with pytest.raises(ValidationError, match="cancel it instead"):
        assessment_delete(assessment=assessment, by=alice)
    Score.objects.all().delete()
    assessment_delete(assessment=assessment, by=alice)
    assert not Assessment.objects.exists()
    assert not Sitting.objects.exists()
    assert not Assignment.objects.exists()
    event = AuditEvent.objects.get(action="assessment.deleted")
    assert event.old["candidates"] == 3


def test_nothing_changes_once_the_session_is_signed(alice, assessment):
    _sign(assessment.session)
    sitting = assessment.sittings.first()
    for change in (
        lambda: assessment_update(assessment=assessment, by=alice,
                                  modality=assessment.modality, starts_at=SOON, place="X"),
        lambda: assessment_delete(assessment=assessment, by=alice),
        lambda: sitting_slot_set(sitting=sitting, starts_at=SOON, by=alice),
        lambda: assessment_slots_distribute(assessment=assessment, by=alice),
    ):
        with pytest.raises(SessionLockedError):
            change()
    assert Assessment.objects.get(pk=assessment.pk).place == "Salle 204"


def test_a_jury_member_is_refused_by_the_services(bob, assessment):
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        assessment_cancel(assessment=assessment, by=bob, reason="x")


# -- time slots -------------------------------------------------------------------------------
def test_distribution_gives_the_extra_time_candidate_a_longer_slot(alice, assessment):
    assessment_slots_distribute(assessment=assessment, by=alice, pause_minutes=10)
    abel, bruno, cyril = assessment.sittings.order_by("enrolment__candidate__birth_name")
    assert abel.starts_at == SOON
    # Abel: 60 min + 10 min break; Bruno: 60 + 20 (33 % rounded up) + 10 break
    assert bruno.starts_at == SOON + datetime.timedelta(minutes=70)
    assert cyril.starts_at == SOON + datetime.timedelta(minutes=70 + 90)
    bruno_timing = sitting_timing(loaded(bruno))
    assert bruno_timing.total_minutes == 80
    assert bruno_timing.ends_at - bruno_timing.starts_at > (
        sitting_timing(loaded(abel)).ends_at - sitting_timing(loaded(abel)).starts_at)
    event = AuditEvent.objects.get(action="assessment.slots_distributed")
    assert event.new[str(cyril.public_id)] == cyril.starts_at.isoformat()


def test_a_slot_is_refused_for_a_scored_candidate(alice, bob, assessment):
    score = _score(assessment, bob)
    with pytest.raises(ValidationError) as refused:
        sitting_slot_set(sitting=score.sitting, starts_at=SOON, by=alice)
    assert "already scored" in refused.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError, match="already scored"):
        assessment_slots_distribute(assessment=assessment, by=alice)


def test_the_candidate_space_selector_gives_the_slot_and_leaves_out_cancelled(
        alice, assessment, enrolments, session, modality):
    sitting = assessment.sittings.get(enrolment=enrolments[1])
    slot = SOON + datetime.timedelta(hours=3)
    sitting_slot_set(sitting=sitting, starts_at=slot, by=alice)
    [listed] = sittings_for_enrolments(enrolments=[enrolments[1]])[enrolments[1].pk]
    assert listed.slot_starts_at == slot
    other = assessment_create(session=session, modality=modality, starts_at=SOON,
                              enrolments=[enrolments[1]], created_by=alice)
    assessment_cancel(assessment=other, by=alice, reason="Doublon")
    listed = sittings_for_enrolments(enrolments=[enrolments[1]])[enrolments[1].pk]
    assert [s.assessment_id for s in listed] == [assessment.pk]


# -- the signing guard ---------------------------------------------------------------------
def test_a_cancelled_epreuve_does_not_hold_the_signing_up(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    later = assessment_create(session=setup.session, modality=setup.assessment.modality,
                              starts_at=SOON, enrolments=[enrolment], created_by=alice)
    assert [b.assessment for b in session_signing_blockers(session=setup.session)] == [later]
    assessment_cancel(assessment=later, by=alice, reason="Jury indisponible")
    assert session_signing_blockers(session=setup.session) == []
    deliberation_propose(session=setup.session, by=alice)
    deliberation_sign(deliberation=Deliberation.objects.get(session=setup.session),
                      members_present=setup.members, by=setup.president.user)
    assert Deliberation.objects.get(session=setup.session).is_signed


def test_the_signing_guard_waits_for_the_last_slot(alice):
    setup = jury_setup()
    modality = setup.assessment.modality
    modality.duration_minutes = 60
    modality.save(update_fields=["duration_minutes"])
    start = timezone.now() - datetime.timedelta(hours=3)
    Sitting.objects.all().delete()
    Assessment.objects.filter(pk=setup.assessment.pk).update(starts_at=start)
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    Sitting.objects.filter(enrolment=enrolment).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=30))
    [blocker] = session_signing_blockers(session=setup.session)
    assert blocker.not_over
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        assert session_signing_blockers(session=setup.session) == []


# -- pages --------------------------------------------------------------------------------------
def test_the_list_links_to_edit_cancel_delete_and_shows_cancelled(
        alice, assessment, session, modality, django_assert_max_num_queries):
    other = assessment_create(session=session, modality=modality, starts_at=SOON,
                              created_by=alice)
    assessment_cancel(assessment=other, by=alice, reason="Salle inondée")
    client = _client(alice)
    with django_assert_max_num_queries(12):
        page = client.get(
            reverse("juries:assessment_list", args=[session.public_id])).content.decode()
    assert reverse("juries:assessment_edit", args=[assessment.public_id]) in page
    assert reverse("juries:assessment_cancel", args=[assessment.public_id]) in page
    assert reverse("juries:assessment_delete", args=[assessment.public_id]) in page
    assert "Cancelled" in page
    assert "Salle inondée" in page
    assert reverse("juries:assessment_edit", args=[other.public_id]) not in page


def test_the_edit_page_keeps_inputs_and_shows_the_error_next_to_the_field(
        alice, bob, assessment, session, django_assert_max_num_queries):
    _score(assessment, bob)
    url = reverse("juries:assessment_edit", args=[assessment.public_id])
    client = _client(alice)
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
    other = _other_modality(session)
    response = _client(alice).post(url, {
        "modality": other.pk, "starts_at": "2099-05-04T09:30", "place": "Amphi B",
        "instructions": "Apporter son portfolio"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "its assessment method can no longer change" in page
    assert "its date can only be corrected to a past date" in page
    assert 'value="Amphi B"' in page
    assert "Apporter son portfolio" in page
    assert 'aria-invalid="true"' in page
    assert Assessment.objects.get(pk=assessment.pk).place == "Salle 204"


def test_the_edit_page_saves(alice, assessment):
    url = reverse("juries:assessment_edit", args=[assessment.public_id])
    response = _client(alice).post(url, {
        "modality": assessment.modality_id, "starts_at": "2099-05-04T09:30",
        "place": "Amphi B", "instructions": "Apporter son portfolio"}, follow=True)
    assert "The assessment is saved." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.instructions == "Apporter son portfolio"
    assert timezone.localtime(assessment.starts_at).strftime("%Y-%m-%d %H:%M") == (
        "2099-05-04 09:30")


def test_the_cancel_page_says_what_happens_then_cancels(
        alice, assessment, django_assert_max_num_queries):
    url = reverse("juries:assessment_cancel", args=[assessment.public_id])
    client = _client(alice)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "3 candidates no longer see it in their space" in page
    assert "no longer holds up the signing" in page
    page = _client(alice).post(url, {"reason": ""}).content.decode()
    assert "This field is required." in page
    assert not Assessment.objects.get(pk=assessment.pk).is_cancelled
    response = _client(alice).post(url, {"reason": "Grève des transports"}, follow=True)
    assert "The assessment is cancelled." in response.content.decode()
    assert Assessment.objects.get(pk=assessment.pk).cancel_reason == "Grève des transports"


def test_the_delete_page_confirms_then_deletes_or_refuses(
        alice, bob, assessment, django_assert_max_num_queries):
    url = reverse("juries:assessment_delete", args=[assessment.public_id])
    client = _client(alice)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "the places of its 3 candidates are deleted" in page
    _score(assessment, bob)
    page = _client(alice).post(url).content.decode()
    assert "cannot be deleted (cancel it instead" in page
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    Score.objects.all().delete()
    _client(alice).post(url)
    assert not Assessment.objects.filter(pk=assessment.pk).exists()


def test_signed_session_refusal_is_shown_on_the_page(alice, assessment):
    _sign(assessment.session)
    url = reverse("juries:assessment_cancel", args=[assessment.public_id])
    page = _client(alice).post(url, {"reason": "x"}).content.decode()
    assert "The deliberation of this session is signed" in page


def test_assignments_page_sets_slots_and_distributes(
        alice, assessment, enrolments, django_assert_max_num_queries):
    url = reverse("juries:assignments", args=[assessment.public_id])
    client = _client(alice)
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "Distribute automatically" in page
    assert "33" in page
    sitting = assessment.sittings.get(enrolment=enrolments[2])
    prefix = f"slot-{sitting.public_id}"
    _client(alice).post(url, {"action": "slot", "sitting": sitting.public_id,
                              f"{prefix}-starts_at": "2099-01-02T14:15"})
    sitting.refresh_from_db()
    assert timezone.localtime(sitting.starts_at).strftime("%H:%M") == "14:15"
    page = _client(alice).post(url, {"action": "slot", "sitting": sitting.public_id,
                                     f"{prefix}-starts_at": "demain"}).content.decode()
    assert "Enter a valid date/time." in page
    assert 'value="demain"' in page
    _client(alice).post(url, {"action": "distribute", "distribute-pause_minutes": "0"})
    starts = [timezone.localtime(s.starts_at) for s in
              assessment.sittings.order_by("enrolment__candidate__birth_name")]
    assert starts[1] - starts[0] == datetime.timedelta(minutes=60)
    assert starts[2] - starts[1] == datetime.timedelta(minutes=80)


def test_jury_member_and_candidate_see_the_slot(alice, bob, assessment, enrolments):
    member = MemberFactory(user=bob, quality=Quality.EMPLOYER)
    jury_compose(session=assessment.session, members=[member], president=member)
    sitting = assessment.sittings.get(enrolment=enrolments[0])
    assignment_create(sitting=sitting, member=member, assigned_by=alice)
    slot = SOON + datetime.timedelta(hours=5, minutes=25)
    sitting_slot_set(sitting=sitting, starts_at=slot, by=alice)
    home = _client(bob).get(reverse("home")).content.decode()
    assert f'<time datetime="{timezone.localtime(slot).isoformat()}">' in home
    grid = _client(bob).get(reverse("juries:grid", args=[sitting.public_id])).content.decode()
    assert "this candidate's time slot" in grid
    local = timezone.localtime(slot)
    assert f"{local:%Y}" in grid
    assert f"{local.minute}" in grid


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_pages_are_404_for_anyone_but_an_administrator(request, who, assessment):
    client = _client(request.getfixturevalue(who))
    for name in ("assessment_edit", "assessment_cancel", "assessment_delete", "assignments"):
        url = reverse(f"juries:{name}", args=[assessment.public_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "action": "distribute"}).status_code == 404
    assert not Assessment.objects.get(pk=assessment.pk).is_cancelled


# -- the API warning ----------------------------------------------------------------------
def test_the_api_warns_when_a_candidate_holds_every_bloc(alice, session, modality, enrolments):
    from rest_framework.test import APIClient
    blocs = list(modality.blocs.all())
    assert blocs
    for bloc in blocs:
        AcquiredBloc.objects.create(enrolment=enrolments[0], bloc=bloc,
                                    origin=AcquisitionOrigin.VAE,
                                    acquired_on=datetime.date(2024, 6, 1), reference="EQ-1")
    client = APIClient()
    client.force_login(alice)
    response = client.post("/api/v1/assessments/", {
        "session": str(session.public_id), "modality": modality.pk,
        "starts_at": SOON.isoformat(), "all_candidates": True}, format="json")
    assert response.status_code == 201, response.content
    [warning] = response.json()["warnings"]
    assert warning["code"] == "blocs_held"
    assert warning["enrolment"] == str(enrolments[0].public_id)
    assert warning["blocs"] == [b.code or b.title for b in sorted(
        blocs, key=lambda b: (b.position, b.pk))]
    assert enrolments[0].candidate.legal_name in warning["message"]
    assert Sitting.objects.filter(enrolment=enrolments[0]).exists()  # scheduled anyway
    response = client.post("/api/v1/assessments/", {
        "session": str(session.public_id), "modality": modality.pk,
        "starts_at": SOON.isoformat(), "candidates": [str(enrolments[1].public_id)]},
        format="json")
    assert response.json()["warnings"] == []


def test_signed_session_hides_the_actions(alice, assessment, session):
    Jury.objects.get_or_create(session=session)
    _sign(session)
    page = _client(alice).get(
        reverse("juries:assessment_list", args=[session.public_id])).content.decode()
    assert reverse("juries:assessment_edit", args=[assessment.public_id]) not in page
    assert "its assessments can no longer change" in page
    assert escape("Salle 204") in page


def test_a_cancelled_epreuve_assignments_page_says_so_and_offers_no_slot_form(
        alice, assessment):
    assessment_cancel(assessment=assessment, by=alice, reason="Salle indisponible")
    page = _client(alice).get(
        reverse("juries:assignments", args=[assessment.public_id])).content.decode()
    assert "Closed: the assessment is cancelled." in page
    assert "Salle indisponible" in page
    assert "Distribute automatically" not in page
    assert 'name="action" value="slot"' not in page
    assert "Open scoring now" not in page
    assert _client(alice).get(
        reverse("juries:assessment_edit", args=[assessment.public_id])).status_code == 404


def test_a_team_shares_one_slot_as_long_as_its_longest_member(alice, session, modality,
                                                              enrolments):
    modality.team = True
    modality.save(update_fields=["team"])
    teams = {enrolments[0].pk: "A", enrolments[1].pk: "A", enrolments[2].pk: "B"}
    assessment = assessment_create(session=session, modality=modality, starts_at=SOON,
                                   enrolments=enrolments, teams=teams, created_by=alice)
    assessment_slots_distribute(assessment=assessment, by=alice)
    slots = {s.enrolment_id: s.starts_at for s in assessment.sittings.all()}
    assert slots[enrolments[0].pk] == slots[enrolments[1].pk] == SOON
    # team A lasts Bruno's 80 minutes (33 % extra time)
    assert slots[enrolments[2].pk] == SOON + datetime.timedelta(minutes=80)


def test_without_a_duration_distribution_is_refused_and_the_page_says_so(
        alice, assessment, modality):
    modality.duration_minutes = None
    modality.save(update_fields=["duration_minutes"])
    with pytest.raises(ValidationError, match="no duration"):
        assessment_slots_distribute(assessment=Assessment.objects.get(pk=assessment.pk),
                                    by=alice)
    page = _client(alice).get(
        reverse("juries:assignments", args=[assessment.public_id])).content.decode()
    assert "time slot one by one" in page
    assert "Distribute automatically" not in page
