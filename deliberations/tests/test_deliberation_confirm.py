"""Signing and publishing take two steps, without JavaScript (issue 18): the deliberation
page's button leads to a page (GET) that says what will happen — the locks, the documents
issued, what the candidates see — and only its POST (``confirm=1``) acts. A POST without
the confirmation changes nothing and says so."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AuditEvent
from deliberations.models import CandidateOutcome, Deliberation
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


@pytest.fixture
def setup(alice):
    """Two candidates scored (one without an account), the proposal made."""
    setup = jury_setup()
    score_all(setup, enrol(setup), 2)
    score_all(setup, enrol(setup, candidate__user=None), 2)
    deliberation_propose(session=setup.session, by=alice)
    return setup


def url(setup, name):
    return reverse(f"deliberations:{name}", args=[setup.session.public_id])


def sign_form(setup, members=None, **extra):
    members = setup.members if members is None else members
    return {"present": [str(m.public_id) for m in members],
            "proposal_version": Deliberation.objects.get().proposal_version, **extra}


def test_the_page_sends_sign_and_publish_to_their_confirmation(client, setup):
    client.force_login(setup.president.user)
    text = client.get(url(setup, "deliberation"), headers=EN).text
    assert (f'<form method="get" action="{url(setup, "deliberation_sign")}" id="sign-form">'
            in text)
    assert "Sign…" in text
    assert 'form="sign-form"' in text  # the action bar's button submits it too


def test_the_sign_confirmation_says_what_will_happen(client, setup):
    client.force_login(setup.president.user)
    response = client.get(url(setup, "deliberation_sign"), sign_form(setup), headers=EN)
    assert response.status_code == 200
    text = response.text
    assert escape(f"Sign the deliberation of {setup.session.name}?") in text
    assert "The decisions, the scores and the enrolments of the session are locked." in text
    assert "only the president present at the signature can make it" in text
    assert "The minutes record 3 members present:" in text
    for member in setup.members:
        assert escape(str(member)) in text
    # What the workers issue, counted from the decisions as they stand.
    summary = response.context["summary"]
    assert (summary.candidates, summary.transcripts) == (2, 2)
    assert f"{summary.documents} documents are issued" in text
    assert "2 transcripts of results" in text
    assert f"{summary.attestations} bloc attestation" in text
    assert f"{summary.certificates} certificate" in text
    assert "Candidates see nothing yet" in text
    # The form that signs: the confirmation, the members and the version seen.
    assert '<input type="hidden" name="confirm" value="1">' in text
    assert text.count('name="present"') == 3
    assert f'value="{Deliberation.objects.get().proposal_version}"' in text
    assert "Sign the deliberation</button>" in text
    assert not Deliberation.objects.get().is_signed


def test_the_confirmation_counts_outcomes_and_documents(client, setup):
    """An outcome set to failure: no certificate for that candidate."""
    from deliberations.models import CandidateDecision

    first = CandidateDecision.objects.order_by("pk").first()
    CandidateDecision.objects.filter(pk=first.pk).update(outcome=CandidateOutcome.FAILURE)
    client.force_login(setup.president.user)
    response = client.get(url(setup, "deliberation_sign"), sign_form(setup), headers=EN)
    summary = response.context["summary"]
    assert ("failure", 1) in summary.outcomes
    assert "failure: 1" in response.text
    assert summary.certificates == sum(
        1 for d in CandidateDecision.objects.all() if d.outcome == CandidateOutcome.FULL_SUCCESS)


def test_the_confirmation_shows_a_composition_that_cannot_sign_and_no_button(client, setup):
    client.force_login(setup.president.user)
    response = client.get(url(setup, "deliberation_sign"),
                          sign_form(setup, members=setup.members[:1]), headers=EN)
    assert response.status_code == 200
    assert "cannot be signed with these members present" in response.text
    assert "(quorum)" in response.text
    assert "Sign the deliberation</button>" not in response.text


def test_a_post_without_the_confirmation_signs_nothing_and_says_so(client, setup):
    client.force_login(setup.president.user)
    response = client.post(url(setup, "deliberation_sign"), sign_form(setup), headers=EN)
    assert response.status_code == 200
    assert "Nothing was signed: signing needs the confirmation on this page." in response.text
    assert not Deliberation.objects.get().is_signed
    assert not AuditEvent.objects.filter(action="deliberation.signed").exists()


def test_the_confirmed_post_signs(client, setup):
    client.force_login(setup.president.user)
    response = client.post(url(setup, "deliberation_sign"), sign_form(setup, confirm="1"))
    assert response.status_code == 302
    deliberation = Deliberation.objects.get()
    assert deliberation.is_signed
    assert set(deliberation.members_present.all()) == set(setup.members)


def test_only_the_president_reaches_the_sign_confirmation(client, setup, alice, bob):
    for user in (alice, setup.members[1].user, bob):
        client.force_login(user)
        assert client.get(url(setup, "deliberation_sign"), sign_form(setup)).status_code == 404
        assert client.post(url(setup, "deliberation_sign"),
                           sign_form(setup, confirm="1")).status_code == 404
    assert not Deliberation.objects.get().is_signed


def test_a_signed_deliberation_sends_the_confirmation_back_to_the_page(client, setup):
    deliberation_sign(deliberation=Deliberation.objects.get(), members_present=setup.members,
                      by=setup.president.user)
    client.force_login(setup.president.user)
    response = client.get(url(setup, "deliberation_sign"), sign_form(setup), headers=EN)
    assert response.status_code == 302
    assert response["Location"] == url(setup, "deliberation")


# -- publishing ---------------------------------------------------------------------------
@pytest.fixture
def signed(setup):
    deliberation_sign(deliberation=Deliberation.objects.get(), members_present=setup.members,
                      by=setup.president.user)
    return setup


def test_the_publish_confirmation_says_what_candidates_see(client, signed, alice):
    client.force_login(alice)
    page = client.get(url(signed, "deliberation"), headers=EN).text
    assert f'<a class="button" href="{url(signed, "deliberation_publish")}"' in page
    response = client.get(url(signed, "deliberation_publish"), headers=EN)
    assert response.status_code == 200
    text = response.text
    assert escape(f"Publish the results of {signed.session.name}?") in text
    assert "1 candidate with an account sees their results in their candidate space" in text
    assert "1 candidate has no account on the candidate space yet" in text
    assert "Each candidate with an account is notified by e-mail," in text
    assert '<input type="hidden" name="confirm" value="1">' in text
    signed.session.refresh_from_db()
    assert signed.session.results_published_at is None


def test_a_publish_post_without_the_confirmation_publishes_nothing(client, signed):
    client.force_login(signed.president.user)
    response = client.post(url(signed, "deliberation_publish"), headers=EN)
    assert response.status_code == 200
    assert "Nothing was published: publishing needs the confirmation" in response.text
    signed.session.refresh_from_db()
    assert signed.session.results_published_at is None
    assert not AuditEvent.objects.filter(action="deliberation.published").exists()


def test_the_confirmed_post_publishes(client, signed):
    client.force_login(signed.president.user)
    response = client.post(url(signed, "deliberation_publish"), {"confirm": "1"})
    assert response.status_code == 302
    signed.session.refresh_from_db()
    assert signed.session.results_published_at is not None
    # Published: the confirmation is not offered again.
    again = client.get(url(signed, "deliberation_publish"))
    assert again.status_code == 302


def test_publishing_before_signing_is_refused_with_a_message(client, setup, alice):
    client.force_login(alice)
    response = client.get(url(setup, "deliberation_publish"), headers=EN, follow=True)
    assert "Sign the deliberation before publishing the results." in response.text
    response = client.post(url(setup, "deliberation_publish"), {"confirm": "1"})
    assert response.status_code == 302
    setup.session.refresh_from_db()
    assert setup.session.results_published_at is None


def test_a_member_who_does_not_preside_reaches_no_publish_confirmation(client, signed, bob):
    for user in (signed.members[1].user, bob):
        client.force_login(user)
        assert client.get(url(signed, "deliberation_publish")).status_code == 404
        assert client.post(url(signed, "deliberation_publish"),
                           {"confirm": "1"}).status_code == 404
    signed.session.refresh_from_db()
    assert signed.session.results_published_at is None
