"""The session dashboard: administrators only, filters, search, exports, distribution."""

import csv
import datetime
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from candidates.models import AccessRoute, AcquiredBloc, AcquisitionOrigin, TargetBloc
from candidates.tests.factories import (
    CandidateFactory,
    EnrolmentFactory,
    SessionFactory,
    make_referentiel,
)
from portal.views import space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(client):
    """French is the default, but its catalogue is compiled apart: read the source strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def session(db):
    return SessionFactory(name="Printemps 2027")


def url(session, **query):
    return reverse("candidates:session_dashboard", args=[session.public_id])


def enrol(session, birth_name, route=AccessRoute.CONTINUING, **kwargs):
    candidate = CandidateFactory(birth_name=birth_name, first_names="Camille",
                                 email=f"{birth_name.lower()}@exemple.fr", user=None)
    return EnrolmentFactory(candidate=candidate, session=session, access_route=route, **kwargs)


def names(response):
    return [row.enrolment.candidate.birth_name for row in response.context["page"].object_list]


def publish_levels(monkeypatch, session, levels_by_enrolment):
    session.results_published_at = timezone.now()
    session.save()
    monkeypatch.setattr(
        space, "results_for_enrolments",
        lambda enrolments: {e.pk: space.EnrolmentResults(
            final_levels=levels_by_enrolment.get(e.pk, {})) for e in enrolments},
    )


def competences(session):
    return [c for b in session.referentiel.blocs.all() for c in b.competences.all()]


def test_it_shows_candidates_by_blocs_with_statuses_as_text(client, alice, session):
    enrolment = enrol(session, "Martin")
    AcquiredBloc.objects.create(enrolment=enrolment, bloc=session.referentiel.blocs.first(),
                                origin=AcquisitionOrigin.VAE,
                                acquired_on=datetime.date(2025, 1, 1))
    client.force_login(alice)
    response = client.get(url(session))
    content = response.content.decode()
    assert response.status_code == 200
    assert "MARTIN Camille" in content
    assert "martin@exemple.fr" in content
    assert content.count(">Not started</span>") == 2
    assert content.count(">Acquired before</span>") == 1
    assert "<td>1 / 3</td>" in content


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_is_a_404_for_anyone_but_administrators(client, request, persona, session):
    enrol(session, "Martin")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(session)).status_code == 404
    assert client.get(url(session), {"export": "csv"}).status_code == 404


def test_it_sends_anonymous_visitors_to_the_login_page(client, session):
    assert client.get(url(session)).status_code == 302


def test_it_is_a_404_for_an_unknown_session(client, alice):
    client.force_login(alice)
    response = client.get(reverse("candidates:session_dashboard", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_it_shows_only_the_sessions_candidates(client, alice, session):
    enrol(session, "Martin")
    enrol(SessionFactory(), "Ailleurs")
    client.force_login(alice)
    assert names(client.get(url(session))) == ["Martin"]


def test_it_searches_names_and_emails(client, alice, session):
    enrol(session, "Martin")
    enrol(session, "Bernard")
    enrol(session, "Durand")
    client.force_login(alice)
    assert names(client.get(url(session), {"q": "bern"})) == ["Bernard"]
    assert names(client.get(url(session), {"q": "durand@exemple"})) == ["Durand"]
    assert names(client.get(url(session), {"q": "camille mar"})) == ["Martin"]


def test_it_filters_by_access_route(client, alice, session):
    enrol(session, "Martin", route=AccessRoute.VAE)
    enrol(session, "Bernard", route=AccessRoute.APPRENTICESHIP)
    client.force_login(alice)
    assert names(client.get(url(session), {"access_route": "vae"})) == ["Martin"]


def test_it_filters_by_status_and_bloc(client, alice, session):
    first, second, _ = session.referentiel.blocs.all()
    martin = enrol(session, "Martin")
    AcquiredBloc.objects.create(enrolment=martin, bloc=second, origin=AcquisitionOrigin.VAE,
                                acquired_on=datetime.date(2025, 1, 1))
    chosen = enrol(session, "Bernard", whole_certification=False)
    TargetBloc.objects.create(enrolment=chosen, bloc=first)
    client.force_login(alice)

    assert names(client.get(url(session), {"status": "acquired_before"})) == ["Martin"]
    response = client.get(url(session), {"bloc": second.pk})
    assert names(response) == ["Martin"]  # Bernard does not take the second bloc
    assert response.context["columns"] == [second]
    assert names(client.get(url(session), {"bloc": first.pk, "status": "acquired_before"})) == []
    assert names(client.get(url(session), {"bloc": first.pk})) == ["Bernard", "Martin"]


def test_it_ignores_a_bloc_of_another_referentiel(client, alice, session):
    enrol(session, "Martin")
    client.force_login(alice)
    other = make_referentiel(code="RNCP11111").blocs.first()
    response = client.get(url(session), {"bloc": other.pk})
    assert names(response) == ["Martin"]
    assert response.context["form"].errors


def test_it_paginates_by_fifty_keeping_the_filters(client, alice, session):
    for index in range(60):
        enrol(session, f"Nom{index:02d}")
    client.force_login(alice)
    first = client.get(url(session), {"q": "nom"})
    assert len(names(first)) == 50
    assert "?q=nom&amp;page=2" in first.content.decode()
    assert len(names(client.get(url(session), {"q": "nom", "page": 2}))) == 10


def test_it_exports_the_filtered_table_as_csv(client, alice, session):
    enrol(session, "Martin", route=AccessRoute.VAE)
    enrol(session, "=HYPERLINK(1)")
    client.force_login(alice)
    response = client.get(url(session), {"export": "csv", "access_route": "vae"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="printemps-2027-dashboard.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Birth name", "Usage name", "First names", "E-mail", "Access route"]
    assert rows[0][5:] == [*(b.code for b in session.referentiel.blocs.all()),
                           "Skills blocks validated or acquired"]
    assert rows[1] == ["Martin", "", "Camille", "martin@exemple.fr",
                       "Validation of prior experience (VAE)", "Not started", "Not started",
                       "Not started", "0 / 3"]
    assert len(rows) == 2


def test_it_neutralises_formulas_in_exports(client, alice, session):
    enrol(session, "=HYPERLINK(1)")
    client.force_login(alice)
    response = client.get(url(session), {"export": "csv"})
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


def test_it_exports_the_filtered_table_as_xlsx(client, alice, session):
    enrol(session, "Martin")
    enrol(session, "Bernard")
    client.force_login(alice)
    response = client.get(url(session), {"export": "xlsx", "q": "martin"})
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    assert values[1][0] == "Martin"


def test_it_says_there_is_no_distribution_before_publication(client, alice, session,
                                                            monkeypatch):
    enrolment = enrol(session, "Martin")
    levels = {c.pk: 1 for c in competences(session)}
    publish_levels(monkeypatch, session, {enrolment.pk: levels})
    session.results_published_at = None
    session.save()
    client.force_login(alice)
    response = client.get(url(session))
    assert response.context["distribution"] == []
    assert "No published result yet" in response.content.decode()


def test_it_charts_the_distribution_of_published_levels(client, alice, session, monkeypatch):
    martin, bernard = enrol(session, "Martin"), enrol(session, "Bernard")
    first, *others = competences(session)
    publish_levels(monkeypatch, session, {
        martin.pk: {first.pk: 1} | {c.pk: 2 for c in others},
        bernard.pk: {first.pk: 3} | {c.pk: 2 for c in others},
    })
    client.force_login(alice)
    response = client.get(url(session))
    content = response.content.decode()
    chart = response.context["distribution"]
    assert [item.competence for item in chart] == [first, *others]
    assert [(s.count, s.percent, s.offset) for s in chart[0].counts] == [
        (1, 50.0, 0.0), (0, 0.0, 50.0), (1, 50.0, 50.0), (0, 0.0, 100.0)]
    assert 'role="img"' in content
    assert '<rect class="swatch--3" x="50.0" y="0" width="50.0" height="10">' in content
    assert "level 1: 1 candidate, level 2: 0 candidates, level 3: 1 candidate" in content
    assert "<caption>Number of candidates per level and competence</caption>" in content
    assert content.count(">Validated</span>") == 5  # Bernard's first bloc needs a complement
    assert content.count(">Complement required</span>") == 1


def make_session(enrolments):
    session = SessionFactory(referentiel=make_referentiel(blocs=7, competences=6))
    blocs = list(session.referentiel.blocs.all())
    for index in range(enrolments):
        enrolment = enrol(session, f"Nom{index:03d}", whole_certification=index % 3 != 0)
        if index % 3 == 0:
            TargetBloc.objects.create(enrolment=enrolment, bloc=blocs[index % 7])
        if index % 4 == 0:
            AcquiredBloc.objects.create(enrolment=enrolment, bloc=blocs[(index + 1) % 7],
                                        origin=AcquisitionOrigin.VAE,
                                        acquired_on=datetime.date(2025, 1, 1))
    return session


@pytest.mark.parametrize("enrolments", [5, 60])
@pytest.mark.parametrize("query", [{}, {"status": "acquired_before", "q": "nom"},
                                   {"export": "csv"}, {"export": "xlsx"}])
def test_it_runs_a_constant_number_of_queries(client, alice, django_assert_max_num_queries,
                                              enrolments, query):
    session = make_session(enrolments)
    client.force_login(alice)
    with django_assert_max_num_queries(12):  # +2: scores, upcoming sittings; +1: CDC deadline
        assert client.get(url(session), query).status_code == 200


def test_a_withdrawn_candidate_is_said_withdrawn_on_the_dashboard(client, alice):
    from candidates.services import enrolment_withdraw
    from candidates.tests.factories import EnrolmentFactory, SessionFactory

    session = SessionFactory()
    kept, withdrawn = EnrolmentFactory(session=session), EnrolmentFactory(session=session)
    enrolment_withdraw(enrolment=withdrawn, by=alice, reason="Abandon")
    client.force_login(alice)
    page = client.get(reverse("candidates:session_dashboard", args=[session.public_id]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row_of = {e: page.split(e.candidate.legal_name, 1)[1].split("</th>", 1)[0]
              for e in (kept, withdrawn)}
    assert "withdrawn" in row_of[withdrawn]
    assert "withdrawn" not in row_of[kept]
