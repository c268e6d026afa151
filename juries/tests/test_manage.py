"""Jury administration pages, tried by alice (administrator), bob (jury member) and charlie
(candidate): the session's jury, épreuves, assignments with their conflict refusals, and
conflicts declared by a member or by an administrator."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AuditEvent
from accounts.tests.factories import JuryMemberFactory as JuryUserFactory
from assessments.models import Assessment, Sitting
from assessments.services import assessment_create
from candidates.models import AcquiredBloc, AcquisitionOrigin, Enrolment, Session
from candidates.tests.factories import EnrolmentFactory, SessionFactory, make_referentiel
from juries.models import Assignment, ConflictKind, ConflictOfInterest, Jury, JuryMember, Quality
from juries.services import conflict_declare, jury_compose
from juries.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _enrol(session: Session, count: int, **kwargs: object) -> list[Enrolment]:
    return EnrolmentFactory.create_batch(count, session=session, candidate__user=None, **kwargs)


def _schedule(session: Session, enrolments: list[Enrolment], team: bool = False) -> Assessment:
    modality = session.referentiel.modalities.order_by("position").first()
    if team:
        modality.team = True
        modality.save(update_fields=["team"])
    return assessment_create(session=session, modality=modality,
                             starts_at=timezone.now() + datetime.timedelta(days=3),
                             place="Salle 204", enrolments=enrolments)


@pytest.fixture
def session() -> Session:
    return SessionFactory()


@pytest.fixture
def bob_member(bob) -> JuryMember:
    return MemberFactory(user=bob, quality=Quality.EMPLOYER, organisation="Nova Conseil",
                         sex="M")


@pytest.fixture
def teacher() -> JuryMember:
    return MemberFactory(quality=Quality.TEACHER, external=False, sex="F",
                         organisation="École")


@pytest.fixture
def jury(session, bob_member, teacher) -> Jury:
    return jury_compose(session=session, members=[bob_member, teacher], president=teacher)


@pytest.fixture
def assessment(session, jury) -> Assessment:
    return _schedule(session, _enrol(session, 3))


def _admin_urls(session: Session, assessment: Assessment) -> list[str]:
    candidate = assessment.sittings.first().enrolment.candidate
    return [
        reverse("juries:jury_compose", args=[session.public_id]),
        reverse("juries:assessment_list", args=[session.public_id]),
        reverse("juries:assessment_create", args=[session.public_id]),
        reverse("juries:assignments", args=[assessment.public_id]),
        reverse("juries:conflict_admin", args=[candidate.public_id]),
        reverse("juries:audit_log"),
        reverse("juries:audit_log_csv"),
    ]


# -- permissions ---------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_answers_404_to_anyone_but_an_administrator(request, persona, session, assessment,
                                                         bob_member):
    client = _client(request.getfixturevalue(persona))
    for url in _admin_urls(session, assessment):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "bulk", "member": str(bob_member.public_id),
                                 "form": "jury"}).status_code in (404, 405), url
    assert not Assignment.objects.exists()


def test_it_sends_an_anonymous_visitor_to_sign_in(session, assessment):
    for url in _admin_urls(session, assessment):
        response = _client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_it_answers_404_for_an_unknown_session(alice):
    url = reverse("juries:jury_compose", args=[uuid.uuid4()])
    assert _client(alice).get(url).status_code == 404


# -- the session's jury --------------------------------------------------------------------
def test_it_creates_a_member_profile_for_a_jury_account(alice, session):
    claire = JuryUserFactory(first_name="Claire", last_name="Dubois")
    response = _client(alice).post(reverse("juries:jury_compose", args=[session.public_id]), {
        "form": "member", "member-user": claire.pk, "member-quality": Quality.TEACHER,
        "member-organisation": "École", "member-sex": "F",
    })
    assert response.status_code == 302
    member = JuryMember.objects.get(user=claire)
    assert (member.quality, member.external, member.sex) == (Quality.TEACHER, False, "F")


def test_it_offers_only_jury_accounts_for_a_profile(alice, charlie, session):
    response = _client(alice).post(reverse("juries:jury_compose", args=[session.public_id]), {
        "form": "member", "member-user": charlie.pk, "member-quality": Quality.TEACHER,
    })
    assert response.status_code == 200
    assert not JuryMember.objects.filter(user=charlie).exists()


def test_it_composes_the_jury_and_shows_the_summary(alice, session, bob_member, teacher):
    url = reverse("juries:jury_compose", args=[session.public_id])
    response = _client(alice).post(url, {
        "form": "jury", "jury-members": [bob_member.pk, teacher.pk],
        "jury-president": teacher.pk,
    })
    assert response.status_code == 302
    jury = Jury.objects.get(session=session)
    assert set(jury.members.all()) == {bob_member, teacher}
    assert jury.president == teacher
    page = _client(alice).get(url).content.decode()
    assert "1 (50%; at least 50% required)" in page
    french = _client(alice).get(url, headers={"accept-language": "fr"}).content.decode()
    assert "1 (50\u202f% ; au moins 50\u202f% requis)" in french
    assert "1 / 1" in page  # one woman, one man
    assert "The composition meets the rules of the certification." in page


def test_it_refuses_a_president_outside_the_jury_with_the_reason(alice, session, bob_member,
                                                                   teacher):
    response = _client(alice).post(reverse("juries:jury_compose", args=[session.public_id]), {
        "form": "jury", "jury-members": [bob_member.pk], "jury-president": teacher.pk,
    })
    assert response.status_code == 200
    assert "The president must be a member of the jury." in response.content.decode()
    assert not Jury.objects.exists()


def test_it_warns_about_a_composition_that_breaks_the_rules(alice, session, teacher):
    jury_compose(session=session, members=[teacher], president=None)
    page = _client(alice).get(reverse("juries:jury_compose", args=[session.public_id]))
    text = page.content.decode()
    assert "fewer members than the quorum" in text
    assert "The jury has no president." in text
    assert "Too few members are professionals external to the certifier." in text
    assert "Men or women are absent from the jury." in text


# -- épreuves ------------------------------------------------------------------------------
def test_it_schedules_an_assessment_for_all_candidates_with_teams(alice, session):
    enrolments = _enrol(session, 3)
    modality = session.referentiel.modalities.order_by("position").first()
    modality.team = True
    modality.save(update_fields=["team"])
    data = {"modality": modality.pk, "starts_at": "2027-03-15T09:00", "place": "Salle 204",
            "all_candidates": "on"}
    data |= {f"team_{e.public_id}": "Équipe A" for e in enrolments[:2]}
    response = _client(alice).post(
        reverse("juries:assessment_create", args=[session.public_id]), data)
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("juries:assignments", args=[assessment.public_id])
    teams = dict(assessment.sittings.values_list("enrolment_id", "team"))
    assert teams == {enrolments[0].pk: "Équipe A", enrolments[1].pk: "Équipe A",
                     enrolments[2].pk: ""}
    assert AuditEvent.objects.filter(action="assessment.created").count() == 1


def test_it_schedules_the_chosen_candidates_only(alice, session):
    enrolments = _enrol(session, 3)
    modality = session.referentiel.modalities.first()
    _client(alice).post(reverse("juries:assessment_create", args=[session.public_id]), {
        "modality": modality.pk, "starts_at": "2027-03-15T09:00",
        "enrolments": [enrolments[0].pk], f"team_{enrolments[0].public_id}": "ignored",
    })
    assert list(Sitting.objects.values_list("enrolment_id", "team")) == [(enrolments[0].pk, "")]


def test_it_asks_for_at_least_one_candidate(alice, session):
    _enrol(session, 1)
    response = _client(alice).post(
        reverse("juries:assessment_create", args=[session.public_id]),
        {"modality": session.referentiel.modalities.first().pk,
         "starts_at": "2027-03-15T09:00"})
    assert response.status_code == 200
    assert "Choose at least one candidate." in response.content.decode()
    assert not Assessment.objects.exists()


def test_it_offers_no_modality_of_another_framework_version(alice, session):
    other = SessionFactory(referentiel=make_referentiel(code="RNCP88888"))
    assert other.referentiel != session.referentiel
    _enrol(session, 1)
    response = _client(alice).post(
        reverse("juries:assessment_create", args=[session.public_id]),
        {"modality": other.referentiel.modalities.first().pk,
         "starts_at": "2027-03-15T09:00", "all_candidates": "on"})
    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_it_lists_the_assessments_of_the_session(alice, session, assessment):
    page = _client(alice).get(reverse("juries:assessment_list", args=[session.public_id]))
    assert assessment.modality.title in page.content.decode()
    assert reverse("juries:assignments", args=[assessment.public_id]) in page.content.decode()


def test_the_session_page_links_to_the_jury_and_the_assessments(alice, session):
    page = _client(alice).get(reverse("candidates:session_detail", args=[session.public_id]))
    text = page.content.decode()
    assert reverse("juries:jury_compose", args=[session.public_id]) in text
    assert reverse("juries:assessment_list", args=[session.public_id]) in text


# -- assignments ---------------------------------------------------------------------------
def _assign(client: Client, assessment: Assessment, sitting: Sitting, member: JuryMember):
    return client.post(reverse("juries:assignments", args=[assessment.public_id]), {
        "action": "assign", "sitting": str(sitting.public_id), "member": str(member.public_id),
    })


def test_it_assigns_and_unassigns_a_member(alice, assessment, bob_member):
    client = _client(alice)
    sitting = assessment.sittings.first()
    assert _assign(client, assessment, sitting, bob_member).status_code == 302
    assignment = Assignment.objects.get(sitting=sitting, member=bob_member)
    response = client.post(reverse("juries:assignments", args=[assessment.public_id]), {
        "action": "unassign", "assignment": str(assignment.public_id),
    })
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["assignment.created", "assignment.deleted"]


def test_it_refuses_a_conflict_and_shows_the_reason_next_to_the_cell(alice, assessment,
                                                                       bob_member):
    sitting = assessment.sittings.first()
    conflict_declare(member=bob_member, candidate=sitting.enrolment.candidate,
                     kind=ConflictKind.TRAINED, note="Cours de Python 2025", declared_by=alice)
    response = _assign(_client(alice), assessment, sitting, bob_member)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'class="assignment-refusal"' in text
    assert "trained the candidate (Cours de Python 2025)" in text
    assert "message--error" in text
    assert not Assignment.objects.exists()


def test_it_refuses_a_member_of_the_candidates_employer(alice, session, jury, bob_member):
    enrolment = _enrol(session, 1, employer="NOVA conseil")[0]
    assessment = _schedule(session, [enrolment])
    response = _assign(_client(alice), assessment, assessment.sittings.get(), bob_member)
    assert "works in the candidate&#x27;s organisation (NOVA conseil)" in \
        response.content.decode()
    assert not Assignment.objects.exists()


def test_it_assigns_a_member_to_every_candidate_but_the_conflicted(alice, session, jury,
                                                                     bob_member):
    enrolments = _enrol(session, 3) + _enrol(session, 1, employer="Nova Conseil")
    assessment = _schedule(session, enrolments)
    conflict_declare(member=bob_member, candidate=enrolments[0].candidate,
                     kind=ConflictKind.ACCOMPANIED, declared_by=alice)
    response = _client(alice).post(reverse("juries:assignments", args=[assessment.public_id]),
                                   {"action": "bulk", "member": bob_member.pk})
    text = response.content.decode()
    assert Assignment.objects.filter(member=bob_member).count() == 2
    assert "is assigned to 2 candidates." in text
    assert "Refused assignments" in text
    assert "accompanied the candidate&#x27;s VAE" in text
    assert "works in the candidate&#x27;s organisation (Nova Conseil)" in text


def test_it_answers_404_for_a_sitting_of_another_assessment(alice, session, jury, assessment,
                                                            bob_member):
    other = _schedule(session, _enrol(session, 1))
    response = _assign(_client(alice), assessment, other.sittings.get(), bob_member)
    assert response.status_code == 404
    stranger = MemberFactory()  # not in the jury
    response = _assign(_client(alice), assessment, assessment.sittings.first(), stranger)
    assert response.status_code == 404


def test_the_matrix_page_takes_constant_queries(alice, session, jury):
    client = _client(alice)
    counts = []
    for size in (5, 30):
        assessment = _schedule(session, _enrol(session, size))
        url = reverse("juries:assignments", args=[assessment.public_id])
        client.get(url)  # warm the session and the user
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts


# -- conflicts of interest -----------------------------------------------------------------
def test_a_member_declares_a_conflict_on_their_own_sitting(bob, assessment, bob_member):
    sitting = assessment.sittings.first()
    Assignment.objects.create(sitting=sitting, member=bob_member)
    url = reverse("juries:conflict_declare", args=[sitting.public_id])
    page = _client(bob).get(url).content.decode()
    assert "withdraws your assignment" in page
    response = _client(bob).post(url, {"kind": ConflictKind.TRAINED, "note": "Tutorat 2025"})
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert (conflict.member, conflict.declared_by) == (bob_member, bob)
    assert not Assignment.objects.exists()
    event = AuditEvent.objects.get(action="conflict.declared")
    assert event.ip_address == "127.0.0.1"


def test_a_member_cannot_declare_on_a_sitting_not_assigned(bob, alice, charlie, assessment,
                                                           bob_member, teacher):
    sitting = assessment.sittings.first()
    Assignment.objects.create(sitting=sitting, member=teacher)  # someone else's
    url = reverse("juries:conflict_declare", args=[sitting.public_id])
    for user in (bob, alice, charlie):
        assert _client(user).get(url).status_code == 404
        assert _client(user).post(url, {"kind": ConflictKind.TRAINED}).status_code == 404
    assert not ConflictOfInterest.objects.exists()


def test_an_administrator_records_a_conflict_for_any_pair(alice, assessment, bob_member):
    sitting = assessment.sittings.first()
    Assignment.objects.create(sitting=sitting, member=bob_member)
    candidate = sitting.enrolment.candidate
    url = reverse("juries:conflict_admin", args=[candidate.public_id])
    response = _client(alice).post(url, {"member": bob_member.pk,
                                         "kind": ConflictKind.SAME_ORGANISATION})
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    page = _client(alice).get(url).content.decode()
    assert "works in the candidate&#x27;s organisation" in page


# -- the Django admin ----------------------------------------------------------------------
@pytest.mark.parametrize("model", ["assessments_assessment", "assessments_score",
                                   "assessments_criterioncheck", "juries_jurymember",
                                   "juries_jury", "juries_assignment",
                                   "juries_conflictofinterest"])
def test_the_admin_lists_open_and_refuse_adding(alice, assessment, model):
    client = _client(alice)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_the_admin_composes_a_jury_through_the_service(alice, jury, bob_member, teacher):
    url = reverse("admin:juries_jury_change", args=[jury.pk])
    response = _client(alice).post(url, {"members": [bob_member.pk],
                                         "president": teacher.pk})
    assert response.status_code == 302
    jury.refresh_from_db()
    assert set(jury.members.all()) == {bob_member, teacher}  # refused: nothing changed
    _client(alice).post(url, {"members": [teacher.pk], "president": teacher.pk})
    assert list(jury.members.all()) == [teacher]
    assert AuditEvent.objects.filter(action="jury.composed").count() == 2


def test_the_admin_refuses_a_member_profile_for_an_account_that_lost_the_jury_role(client, alice):
    from django.contrib.messages import get_messages

    from accounts.models import Role
    from juries.tests.factories import MemberFactory

    member = MemberFactory()
    member.user.role = Role.CANDIDATE
    member.user.save()
    client.force_login(alice)
    url = reverse("admin:juries_jurymember_change", args=[member.pk])
    response = client.post(url, {"quality": "teacher", "organisation": "X", "external": "on",
                                 "sex": "F"})
    assert response.status_code == 302
    assert response["Location"] == url
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("jury" in text for text in texts)
    assert not any("modifié" in text or "changed" in text for text in texts)
    member.refresh_from_db()
    assert member.quality != "teacher"


# -- blocs already held --------------------------------------------------------------------
def _hold(enrolment: Enrolment, blocs: list) -> None:
    for bloc in blocs:
        AcquiredBloc.objects.create(enrolment=enrolment, bloc=bloc, origin=AcquisitionOrigin.VAE,
                                    acquired_on=datetime.date(2025, 6, 1),
                                    reference="VAE 2025-17")


def test_it_warns_when_all_candidates_includes_one_holding_every_bloc(alice, session):
    enrolments = _enrol(session, 3)
    modality = session.referentiel.modalities.order_by("position").first()
    blocs = list(modality.blocs.order_by("position"))
    assert blocs
    other = session.referentiel.blocs.exclude(pk__in=[b.pk for b in blocs]).first()
    _hold(enrolments[0], blocs)
    _hold(enrolments[1], [other] if other else [])  # holds a bloc, not this épreuve's
    response = _client(alice).post(
        reverse("juries:assessment_create", args=[session.public_id]),
        {"modality": modality.pk, "starts_at": "2027-03-15T09:00", "all_candidates": "on"},
        follow=True)
    page = response.content.decode()
    codes = ", ".join(b.code for b in blocs)
    assert ("Scheduled anyway, this candidate already holds every skills block this "
            "assessment evaluates (acquired before the session): "
            f"{escape(enrolments[0].candidate.legal_name)} ({codes}).") in page
    warning = page.split("Scheduled anyway")[1].split("</li>")[0]
    assert escape(enrolments[1].candidate.legal_name) not in warning
    # scheduled anyway: the three candidates sit it
    assert set(Sitting.objects.values_list("enrolment_id", flat=True)) == {
        e.pk for e in enrolments}


def test_it_says_nothing_when_no_chosen_candidate_holds_the_blocs(alice, session):
    enrolments = _enrol(session, 2)
    modality = session.referentiel.modalities.order_by("position").first()
    _hold(enrolments[0], list(modality.blocs.all()))
    response = _client(alice).post(
        reverse("juries:assessment_create", args=[session.public_id]),
        {"modality": modality.pk, "starts_at": "2027-03-15T09:00",
         "enrolments": [enrolments[1].pk]}, follow=True)
    page = response.content.decode()
    assert "The assessment is scheduled." in page
    assert "Scheduled anyway" not in page
