"""The référentiel admin a certifier uses: lists with search and filters, inlines, and
nothing editable once a version is locked."""

import pytest
from django.urls import reverse

from certifications.models import Bloc, Competence
from certifications.services import referentiel_import, referentiel_lock
from certifications.tests.drafts import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def referentiel():
    return referentiel_import(draft=make_draft(blocs=3, competences=3)).referentiel


@pytest.mark.parametrize(
    "model", ["certification", "referentiel", "bloc", "competence", "modality", "criterion",
              "scale"],
)
def test_every_changelist_opens_and_searches(client, alice, referentiel, model,
                                              django_assert_max_num_queries):
    client.force_login(alice)
    url = reverse(f"admin:certifications_{model}_changelist")
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
    assert client.get(url, {"q": "C1"}).status_code == 200


def test_the_change_pages_show_the_inlines(client, alice, referentiel):
    client.force_login(alice)
    page = client.get(reverse("admin:certifications_referentiel_change", args=[referentiel.pk]))
    assert page.status_code == 200
    assert "Bloc 3" in page.content.decode()
    bloc = referentiel.blocs.first()
    page = client.get(reverse("admin:certifications_bloc_change", args=[bloc.pk]))
    assert "Compétence 1.2" in page.content.decode()
    certification = referentiel.certification
    page = client.get(
        reverse("admin:certifications_certification_change", args=[certification.pk]))
    assert "Mission en entreprise" in page.content.decode()


def test_an_unlocked_bloc_can_be_edited(client, alice, referentiel):
    client.force_login(alice)
    bloc = referentiel.blocs.first()
    url = reverse("admin:certifications_bloc_change", args=[bloc.pk])
    assert 'name="_save"' in client.get(url).content.decode()


def test_a_locked_version_is_read_only(client, alice, referentiel):
    referentiel_lock(referentiel=referentiel)
    client.force_login(alice)
    bloc = referentiel.blocs.first()
    url = reverse("admin:certifications_bloc_change", args=[bloc.pk])
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    response = client.post(url, {"title": "Changé", "position": 0, "code": "X"})
    assert response.status_code == 403
    bloc.refresh_from_db()
    assert bloc.title == "Bloc 1"
    competence = Competence.objects.filter(bloc=bloc).first()
    delete = reverse("admin:certifications_competence_delete", args=[competence.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Bloc.objects.filter(pk=bloc.pk).exists()


def test_jury_members_and_candidates_cannot_open_the_admin(client, bob, charlie, referentiel):
    for user in (bob, charlie):
        client.force_login(user)
        url = reverse("admin:certifications_bloc_changelist")
        assert client.get(url).status_code == 302
