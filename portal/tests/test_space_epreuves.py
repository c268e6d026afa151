"""The candidate space places each épreuve by its date and time against now (Europe/Paris),
gives THEIR duration (extra time included) in their language, and never shows the note
written for the jury — neither on the page nor through the API."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.services import assessment_create
from candidates.tests.factories import CandidateFactory, EnrolmentFactory, SessionFactory

pytestmark = pytest.mark.django_db
SPACE = reverse("candidates:space")
PARIS = ZoneInfo("Europe/Paris")
STARTS = datetime.datetime(2027, 3, 15, 9, 0, tzinfo=PARIS)
NOTE = "Dyslexie sévère signalée par la MDPH — lire les consignes à voix haute"
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def session():
    session = SessionFactory()
    session.referentiel.modalities.update(duration_minutes=150, duration_text="Durée : 2 h 30")
    return session


def enrol(user, session, **kwargs):
    candidate = CandidateFactory(user=user, email=user.email)
    return EnrolmentFactory(candidate=candidate, session=session, **kwargs)


def schedule(session, *enrolments, starts_at=STARTS, place="Salle 204"):
    return assessment_create(session=session, modality=session.referentiel.modalities.first(),
                             starts_at=starts_at, place=place, enrolments=list(enrolments))


def page(client, language="en", user=None):
    """The space; signing ``user`` in again first (a sign-in lasts 8 hours, the clock moves)."""
    if user is not None:
        client.force_login(user)
    return client.get(SPACE, HTTP_ACCEPT_LANGUAGE=language)


def sections(content):
    """(to come, past) parts of the épreuves section, whitespace squeezed."""
    section = content.split('id="epreuves-heading"')[1].split('id="documents-heading"')[0]
    upcoming, _, past = section.partition('id="past-epreuves-heading"')
    return squeezed(upcoming), squeezed(past)


def squeezed(text):
    """Runs of ASCII whitespace as one space; no-break spaces stay (str.split would eat them)."""
    return re.sub(r"[ \t\r\n]+", " ", text)


def places(items):
    return [item.epreuve.place for item in items]


def test_an_epreuve_is_to_come_until_it_starts_then_in_progress_then_past(client, charlie,
                                                                          dave, session):
    with time_machine.travel(STARTS - datetime.timedelta(days=1), tick=False) as clock:
        charlies = enrol(charlie, session, extra_time_percent=33)
        daves = enrol(dave, session)
        schedule(session, charlies, daves, place="Amphi Curie")
        schedule(session, charlies, starts_at=STARTS - datetime.timedelta(days=7),
                 place="Salle d'hier")

        clock.move_to(STARTS - datetime.timedelta(minutes=1))
        response = page(client, user=charlie)
        assert places(response.context["upcoming_epreuves"]) == ["Amphi Curie"]
        assert places(response.context["past_epreuves"]) == ["Salle d'hier"]
        upcoming, past = sections(response.content.decode())
        assert "<strong>Étude de cas</strong> <br><time" in upcoming
        assert "in progress" not in upcoming
        assert "Amphi Curie" in upcoming
        assert "Salle d'hier" not in upcoming
        assert "Salle d&#x27;hier" in past
        assert "March 8, 2027, 9 a.m." in past

        clock.move_to(STARTS + datetime.timedelta(minutes=199))  # 2 h 30 + 50 min = 3 h 20
        upcoming, past = sections(page(client, user=charlie).content.decode())
        assert "Amphi Curie" in upcoming
        assert 'class="status status--in_progress">in progress</span>' in upcoming
        # dave has no extra time: his épreuve ended at 11:30.
        response = page(client, user=dave)
        assert response.context["upcoming_epreuves"] == []
        assert places(response.context["past_epreuves"]) == ["Amphi Curie"]
        upcoming, past = sections(response.content.decode())
        assert "No épreuve to come." in upcoming
        assert "Amphi Curie" in past

        clock.move_to(STARTS + datetime.timedelta(minutes=200))
        response = page(client, "fr", user=charlie)
        assert places(response.context["past_epreuves"]) == ["Amphi Curie", "Salle d'hier"]
        upcoming, past = sections(response.content.decode())
        assert "Aucune épreuve à venir." in upcoming
        assert "Passées" in past
        assert "15 mars 2027 09:00" in past


def test_the_duration_includes_the_candidates_extra_time_in_english_and_french(
        client, charlie, session):
    enrolment = enrol(charlie, session, extra_time_percent=33)
    schedule(session, enrolment, starts_at=datetime.datetime(2099, 3, 15, 9, 0, tzinfo=PARIS))
    client.force_login(charlie)

    english = page(client).content.decode()
    upcoming, _ = sections(english)
    assert ("Duration: 2 hr 30 min + 50 min of extra time = <strong>3 hr 20 min</strong>"
            in upcoming)
    assert "33% of each épreuve's duration" in english
    assert "Durée" not in english  # the référentiel's French text is not shown when parsed
    assert " %" not in re.sub(r"<[^>]+>", "", english)

    french = page(client, "fr").content.decode()
    upcoming, _ = sections(french)
    assert "À venir" in upcoming
    assert (f"Durée : 2{NBSP}h{NBSP}30 + 50{NBSP}min de temps supplémentaire = "
            f"<strong>3{NBSP}h{NBSP}20</strong>") in upcoming
    assert f"33{NNBSP}% de la durée de chaque épreuve" in french


def test_without_extra_time_the_duration_is_the_modalitys(client, charlie, session):
    schedule(session, enrol(charlie, session),
             starts_at=datetime.datetime(2099, 3, 15, 9, 0, tzinfo=PARIS))
    client.force_login(charlie)
    upcoming, _ = sections(page(client).content.decode())
    assert "Duration: 2 hr 30 min </li>" in upcoming
    upcoming, _ = sections(page(client, "fr").content.decode())
    assert f"Durée : 2{NBSP}h{NBSP}30 </li>" in upcoming


def test_a_duration_written_only_in_words_is_shown_with_the_extra_percentage(client, charlie):
    session = SessionFactory()
    session.referentiel.modalities.update(duration_minutes=None,
                                          duration_text="une demi-journée")
    schedule(session, enrol(charlie, session, extra_time_percent=25),
             starts_at=datetime.datetime(2099, 3, 15, 9, 0, tzinfo=PARIS))
    client.force_login(charlie)
    upcoming, _ = sections(page(client).content.decode())
    assert "Duration: une demi-journée (+ 25% extra time)" in upcoming


def test_the_note_for_the_jury_never_reaches_the_candidate(client, alice, charlie, session):
    enrolment = enrol(charlie, session, extra_time_percent=33, jury_note=NOTE)
    schedule(session, enrolment)
    client.force_login(charlie)
    for language in ("en", "fr"):
        content = page(client, language).content.decode()
        assert "MDPH" not in content
        assert "Note for the jury" not in content
        assert "Note pour le jury" not in content

    api = APIClient()
    api.force_authenticate(charlie)
    listed = api.get("/api/v1/enrolments/")
    one = api.get(f"/api/v1/enrolments/{enrolment.public_id}/")
    assert [row["id"] for row in listed.json()["results"]] == [str(enrolment.public_id)]
    assert one.json()["extra_time_percent"] == 33
    for response in (listed, one):
        assert response.status_code == 200
        assert "jury_note" not in response.content.decode()
        assert "MDPH" not in response.content.decode()

    api.force_authenticate(alice)  # the certifier still reads it
    assert api.get(f"/api/v1/enrolments/{enrolment.public_id}/").json()["jury_note"] == NOTE
    client.force_login(alice)
    preview = reverse("candidates:space_preview",
                      args=[session.public_id, enrolment.candidate.public_id])
    assert "MDPH" not in client.get(preview).content.decode()  # as the candidate sees it


@pytest.mark.parametrize("epreuves", [1, 6])
def test_the_space_runs_a_constant_number_of_queries_whatever_the_epreuves(
        client, charlie, session, django_assert_max_num_queries, epreuves):
    enrolment = enrol(charlie, session, extra_time_percent=33)
    for day in range(epreuves):
        schedule(session, enrolment, starts_at=STARTS + datetime.timedelta(days=day - 3),
                 place=f"Salle {day}")
    with time_machine.travel(STARTS, tick=False):
        client.force_login(charlie)
        with django_assert_max_num_queries(10):
            response = page(client)
    assert response.status_code == 200, response.get("Location")
    assert len(response.context["upcoming_epreuves"]) + len(
        response.context["past_epreuves"]) == epreuves


def test_the_candidate_sees_their_own_time_slot_and_what_to_bring(client, charlie, session):
    """The administrator gave this candidate a later slot and wrote what to bring: the space
    says 10:30 (not the épreuve's 9:00), the end with the extra time, and the instructions."""
    from assessments.models import Sitting

    enrolment = enrol(charlie, session, extra_time_percent=0)
    assessment = schedule(session, enrolment,
                          starts_at=datetime.datetime(2099, 3, 15, 9, 0, tzinfo=PARIS))
    assessment.instructions = "Pièce d'identité et calculatrice non programmable"
    assessment.save(update_fields=["instructions"])
    Sitting.objects.filter(assessment=assessment).update(
        starts_at=datetime.datetime(2099, 3, 15, 10, 30, tzinfo=PARIS))
    client.force_login(charlie)

    upcoming, _ = sections(page(client, "fr").content.decode())
    assert "10:30" in upcoming
    assert "09:00" not in upcoming
    assert "À apporter : Pièce d&#x27;identité et calculatrice non programmable" in upcoming
    upcoming, _ = sections(page(client).content.decode())
    assert "To bring: Pièce d&#x27;identité et calculatrice non programmable" in upcoming
