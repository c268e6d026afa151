from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Role
from candidates.models import AccessRoute, AcquisitionOrigin, Candidate
from candidates.services import (
    AcquiredBlocInput,
    DuplicateCandidateError,
    EnrolmentTerms,
    Identity,
    candidate_create,
    enrolment_create,
    enrolment_create_for_identity,
    identity_key,
)
from candidates.tests.factories import SessionFactory, make_referentiel

pytestmark = pytest.mark.django_db


def identity(**overrides) -> Identity:
    values = {
        "birth_name": "Lefèvre-Dupont", "first_names": "Éloïse Marie",
        "birth_date": date(1995, 3, 14), "birth_commune": "Rouen", "birth_insee_code": "76540",
        "sex": "F", "email": "Eloise@Example.org",
    }
    return Identity(**{**values, **overrides})


def test_the_identity_key_ignores_case_accents_hyphens_and_spaces():
    assert identity_key(birth_name="Lefèvre-Dupont", first_names="Éloïse  Marie",
                        birth_date=date(1995, 3, 14)) == identity_key(
        birth_name="LEFEVRE DUPONT", first_names="eloise marie", birth_date=date(1995, 3, 14))


def test_it_creates_a_candidate_with_a_clean_identity():
    candidate = candidate_create(identity=identity(first_names="  Éloïse   Marie "))
    assert candidate.first_names == "Éloïse Marie"
    assert candidate.email == "eloise@example.org"
    assert candidate.legal_name == "LEFÈVRE-DUPONT Éloïse Marie"


def test_the_same_person_cannot_be_created_twice():
    first = candidate_create(identity=identity())
    with pytest.raises(DuplicateCandidateError) as raised:
        candidate_create(identity=identity(birth_name="LEFEVRE DUPONT", email="other@x.org"))
    assert raised.value.existing == first
    assert Candidate.objects.count() == 1


def test_a_homonym_born_another_day_is_another_person():
    candidate_create(identity=identity())
    candidate_create(identity=identity(birth_date=date(1996, 3, 14)))
    assert Candidate.objects.count() == 2


def test_a_birth_place_is_required():
    with pytest.raises(ValidationError, match="commune de naissance"):
        candidate_create(identity=identity(birth_commune="", birth_insee_code=""))


def test_a_wrong_insee_code_is_refused():
    with pytest.raises(ValidationError):
        candidate_create(identity=identity(birth_insee_code="7654"))
    assert not Candidate.objects.exists()


def test_enrolling_invites_the_candidate_after_commit(django_capture_on_commit_callbacks):
    session = SessionFactory()
    candidate = candidate_create(identity=identity())
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrolment_create(candidate=candidate, session=session,
                                     terms=EnrolmentTerms(access_route=AccessRoute.CONTINUING))
    candidate.refresh_from_db()
    assert enrolment.invited_at is not None
    assert candidate.user.role == Role.CANDIDATE
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["eloise@example.org"]
    assert session.name in message.body
    assert "/accounts/password/reset/key/" in message.body
    assert "Bonjour" in message.body  # French, the default language


def test_enrolling_a_candidate_twice_in_a_session_is_refused():
    session = SessionFactory()
    candidate = candidate_create(identity=identity())
    vae = EnrolmentTerms(access_route=AccessRoute.VAE)
    enrolment_create(candidate=candidate, session=session, terms=vae, invite=False)
    with pytest.raises(ValidationError, match="déjà inscrit"):
        enrolment_create(candidate=candidate, session=session, terms=vae, invite=False)


def test_chosen_and_acquired_blocs_must_belong_to_the_session_version():
    session = SessionFactory()
    candidate = candidate_create(identity=identity())
    foreign = make_referentiel(code="RNCP11111").blocs.first()
    with pytest.raises(ValidationError, match="appartiennent pas"):
        enrolment_create(candidate=candidate, session=session, invite=False,
                         terms=EnrolmentTerms(access_route=AccessRoute.VAE,
                                              whole_certification=False, target_blocs=[foreign]))
    with pytest.raises(ValidationError, match="appartiennent pas"):
        enrolment_create(
            candidate=candidate, session=session, invite=False, terms=EnrolmentTerms(
                access_route=AccessRoute.VAE,
                acquired_blocs=[AcquiredBlocInput(bloc=foreign, acquired_on=date(2024, 1, 1),
                                                  origin=AcquisitionOrigin.VAE)]),
        )
    assert not candidate.enrolments.exists()


def test_a_partial_target_needs_at_least_one_bloc():
    session = SessionFactory()
    candidate = candidate_create(identity=identity())
    with pytest.raises(ValidationError, match="au moins un bloc"):
        enrolment_create(candidate=candidate, session=session, invite=False,
                         terms=EnrolmentTerms(access_route=AccessRoute.VAE,
                                              whole_certification=False))
    bloc = session.referentiel.blocs.first()
    enrolment = enrolment_create(candidate=candidate, session=session, invite=False,
                                 terms=EnrolmentTerms(access_route=AccessRoute.VAE,
                                                      whole_certification=False,
                                                      target_blocs=[bloc, bloc]))
    assert list(enrolment.target_blocs.all()) == [bloc]


def test_a_reimport_never_deletes_a_chosen_bloc():
    from certifications.services import ImportAction, referentiel_import
    from certifications.tests.drafts import make_draft

    session = SessionFactory(referentiel=make_referentiel())  # RNCP99999, as make_draft
    candidate = candidate_create(identity=identity())
    bloc = session.referentiel.blocs.first()
    enrolment_create(candidate=candidate, session=session, invite=False,
                     terms=EnrolmentTerms(access_route=AccessRoute.VAE,
                                          whole_certification=False, target_blocs=[bloc]))
    result = referentiel_import(draft=make_draft(blocs=4))
    assert result.action is ImportAction.NEW_VERSION
    assert candidate.enrolments.get().target_blocs.get() == bloc


def test_an_erased_candidate_cannot_be_enrolled(alice):
    from candidates.services import candidate_erase

    candidate = candidate_create(identity=identity())
    candidate_erase(candidate=candidate, erased_by=alice, reason="Demande RGPD du 3 mars")
    with pytest.raises(ValidationError, match="effacées"):
        enrolment_create(candidate=candidate, session=SessionFactory(),
                         terms=EnrolmentTerms(access_route=AccessRoute.VAE), invite=False)


def _terms(session) -> EnrolmentTerms:
    first, second = session.referentiel.blocs.all()[:2]
    return EnrolmentTerms(
        access_route=AccessRoute.VAE, whole_certification=False, target_blocs=[second],
        extra_time_percent=33, technical_aids=" Loupe ", other_accommodations="Salle RDC ",
        jury_note=" Tiers-temps MDPH ",
        acquired_blocs=[AcquiredBlocInput(bloc=first, acquired_on=date(2024, 6, 18),
                                          origin=AcquisitionOrigin.VAE, reference=" Jury ")],
    )


def _what_was_enrolled(enrolment) -> tuple:
    return (enrolment.access_route, enrolment.whole_certification,
            [bloc.code for bloc in enrolment.target_blocs.all()],
            enrolment.extra_time_percent, enrolment.technical_aids,
            enrolment.other_accommodations, enrolment.jury_note,
            [(a.bloc.code, a.acquired_on, a.origin, a.reference)
             for a in enrolment.acquired_blocs.all()])


def test_the_terms_reach_the_enrolment_through_the_identity_service():
    session = SessionFactory(referentiel=make_referentiel())
    terms = _terms(session)
    enrolment = enrolment_create_for_identity(session=session, identity=identity(),
                                              terms=terms, invite=False)
    first, second = session.referentiel.blocs.all()[:2]
    assert _what_was_enrolled(enrolment) == (
        AccessRoute.VAE, False, [second.code], 33, "Loupe", "Salle RDC", "Tiers-temps MDPH",
        [(first.code, date(2024, 6, 18), AcquisitionOrigin.VAE, "Jury")])
    assert enrolment.invited_at is None
    with pytest.raises(AttributeError):
        terms.jury_note = "changed"  # type: ignore[misc]
