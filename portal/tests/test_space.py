"""The candidate space: progress per bloc, levels once published, own data only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.timing import CandidateTiming
from candidates.models import AcquiredBloc, AcquisitionOrigin, TargetBloc
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)
from portal.views import space

pytestmark = pytest.mark.django_db
SPACE = reverse("candidates:space")


@pytest.fixture(autouse=True)
def _in_english(client):
    """French is the default, but its catalogue is compiled apart: read the source strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def enrol(user, **kwargs):
    candidate = CandidateFactory(user=user, email=user.email)
    return EnrolmentFactory(candidate=candidate, **kwargs)


def preview_url(enrolment):
    return reverse("candidates:space_preview",
                   args=[enrolment.session.public_id, enrolment.candidate.public_id])


def with_results(monkeypatch, **results):
    """Plug results in where the assessments/juries/reports apps will."""
    monkeypatch.setattr(
        space, "results_for_enrolments",
        lambda enrolments, **_options: {e.pk: space.EnrolmentResults(**results)
                                        for e in enrolments},
    )


def test_it_shows_one_card_per_bloc_with_its_status_and_progress(client, charlie):
    enrol(charlie, extra_time_percent=33, technical_aids="Logiciel de lecture d'écran")
    client.force_login(charlie)
    content = client.get(SPACE).content.decode()
    assert content.count('class="bloc-card"') == 3
    assert content.count("Not started") == 3
    assert "0 / 3 competences acquired" in content
    assert "0 / 3 skills blocks validated or acquired" in content
    assert '<progress class="progress" max="3" value="0"' in content
    assert "33% of each épreuve's duration" in content
    assert "Logiciel de lecture d&#x27;écran" in content
    assert "No épreuve scheduled yet." in content
    assert "No document issued yet." in content


def test_it_is_the_candidates_home(client, charlie):
    enrolment = enrol(charlie)
    client.force_login(charlie)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "<h1>Ma certification</h1>" in response.content.decode()
    assert response.context["enrolment"] == enrolment


def test_it_tells_a_candidate_without_enrolment_to_wait(client, charlie):
    client.force_login(charlie)
    assert "not enrolled in a session yet" in client.get(SPACE).content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(SPACE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_never_shows_another_candidates_data(client, charlie, dave):
    enrol(charlie)
    daves = enrol(dave, session=SessionFactory(name="Session de Dave"))
    client.force_login(charlie)
    assert "Session de Dave" not in client.get(SPACE).content.decode()
    assert client.get(SPACE, {"enrolment": daves.public_id}).status_code == 404
    assert client.get(preview_url(daves)).status_code == 404


def test_it_gives_staff_and_jury_no_space_of_their_own(client, alice, bob):
    for user in (alice, bob):
        client.force_login(user)
        response = client.get(SPACE)
        assert response.status_code == 200
        assert "enrolment" not in response.context


def test_it_lets_only_administrators_preview_a_candidates_space(client, alice, bob, dave):
    enrolment = enrol(dave)
    client.force_login(bob)
    assert client.get(preview_url(enrolment)).status_code == 404
    client.force_login(alice)
    response = client.get(preview_url(enrolment))
    assert response.status_code == 200
    assert "Preview of the candidate space" in response.content.decode()


def test_it_switches_between_the_candidates_sessions(client, charlie):
    candidate = CandidateFactory(user=charlie, email=charlie.email)
    older = EnrolmentFactory(candidate=candidate, session=SessionFactory(
        name="Automne 2026", starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2026, 12, 1)))
    newer = EnrolmentFactory(candidate=candidate, session=SessionFactory(name="Printemps 2027"))
    client.force_login(charlie)
    response = client.get(SPACE)
    assert response.context["enrolment"] == newer
    assert 'aria-label="My sessions"' in response.content.decode()
    assert client.get(SPACE, {"enrolment": older.public_id}).context["enrolment"] == older


def test_it_shows_chosen_blocs_and_blocs_acquired_before(client, charlie):
    session = SessionFactory(referentiel=make_referentiel(blocs=4, competences=2))
    enrolment = enrol(charlie, session=session, whole_certification=False)
    first, second, third, _ = session.referentiel.blocs.all()
    TargetBloc.objects.create(enrolment=enrolment, bloc=first)
    TargetBloc.objects.create(enrolment=enrolment, bloc=second)
    AcquiredBloc.objects.create(enrolment=enrolment, bloc=third, origin=AcquisitionOrigin.VAE,
                                acquired_on=datetime.date(2025, 6, 1))
    client.force_login(charlie)
    response = client.get(SPACE)
    assert [card.bloc for card in response.context["cards"]] == [first, second, third]
    content = response.content.decode()
    assert "Acquired before" in content
    assert "2 / 2 competences acquired" in content
    assert "1 / 3 skills blocks validated or acquired" in content


def test_it_hides_levels_until_the_results_are_published(client, charlie, monkeypatch):
    enrolment = enrol(charlie)
    competences = [c.pk for b in enrolment.session.referentiel.blocs.all()
                   for c in b.competences.all()]
    levels = dict.fromkeys(competences, 2) | {competences[0]: 3}
    with_results(monkeypatch, final_levels=levels, scored=frozenset(competences))
    client.force_login(charlie)

    content = client.get(SPACE).content.decode()
    assert "Level 2" not in content
    assert "Validated" not in content
    assert content.count("In progress") == 3

    enrolment.session.results_published_at = timezone.now()
    enrolment.session.save()
    content = client.get(SPACE).content.decode()
    assert "Level 2: " in content
    assert "Level 3: " in content
    assert "Complement required" in content
    assert content.count("<strong class=\"status status--validated\">") == 2
    assert "2 / 3 skills blocks validated or acquired" in content
    assert "2 / 3 competences acquired" in content


def test_it_lists_upcoming_epreuves_and_documents_from_the_plug_in(client, charlie, monkeypatch):
    enrol(charlie, extra_time_percent=33, technical_aids="Loupe")
    timing = CandidateTiming(timezone.now() + datetime.timedelta(days=1), 90, 30)
    with_results(
        monkeypatch,
        epreuves=(space.ScheduledEpreuve("Étude de cas", timing, "Salle 12"),),
        documents=(space.IssuedDocument("Relevé de compétences", "/documents/x/",
                                        datetime.date(2027, 7, 1)),),
    )
    client.force_login(charlie)
    content = client.get(SPACE).content.decode()
    assert "Étude de cas" in content
    assert "Salle 12" in content
    assert "Your accommodations apply to each of these épreuves." in content
    assert '<a href="/documents/x/">Relevé de compétences <span' in content


@pytest.mark.parametrize(("blocs", "competences"), [(1, 1), (7, 8)])
def test_it_runs_a_constant_number_of_queries(client, charlie, django_assert_max_num_queries,
                                              blocs, competences):
    candidate = CandidateFactory(user=charlie, email=charlie.email)
    for index in range(3):
        session = SessionFactory(referentiel=make_referentiel(blocs=blocs,
                                                              competences=competences))
        enrolment = EnrolmentFactory(candidate=candidate, session=session,
                                     whole_certification=index != 1)
        first = session.referentiel.blocs.first()
        TargetBloc.objects.create(enrolment=enrolment, bloc=first)
        AcquiredBloc.objects.create(enrolment=enrolment, bloc=first,
                                    origin=AcquisitionOrigin.EQUIVALENCE,
                                    acquired_on=datetime.date(2025, 1, 1))
    client.force_login(charlie)
    with django_assert_max_num_queries(10):  # +2: scores and upcoming sittings
        assert client.get(SPACE).status_code == 200
