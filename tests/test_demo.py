from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from accounts.models import Role, User
from candidates.models import Candidate, Enrolment, Session
from certifications.models import Bloc, Certification, Competence, Criterion, Modality, Referentiel
from demo.candidates import SESSION_NAME

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # a whole demo load


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> str:
    """One demo load for the whole module (it scores and signs a whole session: the slow
    part), inside a transaction rolled back at the end of the module; each test runs in a
    savepoint of it (pytest-django's ``db``), so what a test writes is undone as usual.
    Returns what the first load printed."""
    with (django_db_blocker.unblock(), translation.override(settings.LANGUAGE_CODE),
          override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")),
          transaction.atomic()):
        yield load_demo()
        transaction.set_rollback(True)


# Loading the demo scores a whole signed session: the module loads it once (``demo``).
def test_the_demo_has_every_role_the_seeds_two_sessions_and_working_logins(demo, client):
    output = demo
    for email in ("admin@certif.example", "jury@certif.example", "candidat@certif.example"):
        assert email in output
    assert set(User.objects.values_list("role", flat=True)) == {r.value for r in Role}
    assert Certification.objects.count() == 5
    assert Bloc.objects.count() == 3 + 4 + 6 + 7 + 4
    assert Competence.objects.count() == 11 + 20 + 31 + 39 + 21
    assert Modality.objects.count() == 3 + 7 + 17 + 16 + 1
    assert Criterion.objects.count() == 36 + 37 + 64 + 0 + 32
    check_the_demo_candidate_is_enrolled_in_a_session_on_rncp35609()
    check_the_signed_session_is_published()
    check_each_demo_login_works(client)


def test_loading_the_demo_twice_duplicates_nothing(demo):
    models = (User, Certification, Referentiel, Bloc, Candidate, Session, Enrolment)
    counts = [model.objects.count() for model in models]
    output = load_demo()
    assert [model.objects.count() for model in models] == counts
    assert "unchanged" in output
    assert "exists" in output


def check_each_demo_login_works(client):
    from demo.accounts import DEMO_LOGINS

    for login in DEMO_LOGINS:
        response = client.post("/accounts/login/", {"login": login.email,
                                                    "password": login.password})
        assert response.status_code == 302, login.email
        assert client.get("/").status_code == 200
        client.logout()


def check_the_demo_candidate_is_enrolled_in_a_session_on_rncp35609():
    session = Session.objects.get(name=SESSION_NAME)
    assert session.referentiel.certification.code == "RNCP35609"
    assert session.enrolments.count() == 6
    candidate = Candidate.objects.get(user__email="candidat@certif.example")
    enrolment = candidate.enrolments.get(session=session)
    assert enrolment.acquired_blocs.count() == 1


def check_the_signed_session_is_published():
    signed = Session.objects.exclude(name=SESSION_NAME).get()
    assert signed.results_published_at is not None
    assert signed.jury.president.user.email == "jury@certif.example"
    assert signed.enrolments.filter(candidate__user__email="candidat@certif.example").exists()
