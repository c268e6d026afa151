"""The deliberation one candidate at a time (issue 18): an overview filtered by divergent,
undecided and departing candidates, each candidate's page with previous / next under the
filter, errors next to their field with every input kept, the proposal recomputed from
the form (ticks) by the rules, each member's level said with its épreuve and the scale's
label, and the action bar (sign, publish) on every page, by state."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments.models import Score, Sitting
from certifications.models import Level, Modality, Requirement
from deliberations.models import (
    CandidateDecision,
    CandidateOutcome,
    CompetenceDecision,
    Deliberation,
)
from deliberations.selectors import DeliberationFilter, deliberation_overview
from deliberations.services import (
    StaleProposalError,
    candidate_outcome_override,
    deliberation_propose,
    deliberation_publish,
    deliberation_sign,
)
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from juries.tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


def url(setup, name="deliberation", decision=None, **query):
    args = [setup.session.public_id] + ([decision.public_id] if decision else [])
    path = reverse(f"deliberations:{name}", args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def decision_of(name: str) -> CandidateDecision:
    return CandidateDecision.objects.get(enrolment__candidate__birth_name=name)


@pytest.fixture
def setup(alice):
    """Four candidates, in name order: ARNAUD all 2 (nothing to say), BERNARD divergent
    on C1.1 (1 and 3), CHARPENTIER with an outcome departing from the proposal, DUBOIS
    with a compétence without a final level (undecided), ETIENNE absent (no level, nothing
    to decide)."""
    setup = jury_setup()
    score_all(setup, enrol(setup, candidate__birth_name="ARNAUD"), 2)
    score_all(setup, enrol(setup, candidate__birth_name="BERNARD"), {"C1.1": [1, 3, 3]})
    score_all(setup, enrol(setup, candidate__birth_name="CHARPENTIER"), 2)
    score_all(setup, enrol(setup, candidate__birth_name="DUBOIS"), 2)
    # ETIENNE absent: no level at all, but nothing to decide either.
    Sitting.objects.filter(enrolment=enrol(setup, candidate__birth_name="ETIENNE")).update(
        attendance="absent")
    deliberation_propose(session=setup.session, by=alice)
    # DUBOIS: a compétence without any level, so without a final level.
    CompetenceDecision.objects.filter(candidate_decision=decision_of("DUBOIS"),
                                      competence__code="C2.1").update(final_level=None,
                                                                      proposed_level=None)
    candidate_outcome_override(decision=decision_of("CHARPENTIER"),
                               outcome=CandidateOutcome.FAILURE,
                               justification="Plagiat établi en séance.",
                               by=setup.president.user)
    return setup


def names(rows) -> list[str]:
    return [row.decision.enrolment.candidate.birth_name for row in rows]


# -- the overview and its filters ---------------------------------------------------------
def test_the_filters_keep_the_right_candidates(setup):
    session = setup.session
    assert names(deliberation_overview(session=session)) == [
        "ARNAUD", "BERNARD", "CHARPENTIER", "DUBOIS", "ETIENNE"]
    assert names(deliberation_overview(session=session, only=DeliberationFilter.DIVERGENT)
                 ) == ["BERNARD"]
    assert names(deliberation_overview(session=session, only="undecided")) == ["DUBOIS"]
    assert names(deliberation_overview(session=session, only="departs")) == ["CHARPENTIER"]


def test_a_final_level_off_the_proposal_departs_too(setup):
    row = CompetenceDecision.objects.get(candidate_decision=decision_of("ARNAUD"),
                                         competence__code="C1.1")
    CompetenceDecision.objects.filter(pk=row.pk).update(final_level=3, justification="Vu.")
    departing = deliberation_overview(session=setup.session, only="departs")
    assert names(departing) == ["ARNAUD", "CHARPENTIER"]
    assert (departing[0].level_departs, departing[0].outcome_departs) == (True, False)


def test_the_overview_is_a_table_of_links_with_the_flags(client, setup):
    client.force_login(setup.president.user)
    text = client.get(url(setup), headers=EN).text
    for name in ("ARNAUD", "BERNARD", "CHARPENTIER", "DUBOIS", "ETIENNE"):
        assert url(setup, "deliberation_decision", decision_of(name)) in text
    assert "5 candidates" in text
    assert "yes: to discuss" in text  # BERNARD
    assert "Divergent <span class=\"deliberation-filters__count\">(1)</span>" in text
    assert "Undecided <span class=\"deliberation-filters__count\">(1)</span>" in text
    # No candidate's form on the overview any more.
    assert 'name="final-' not in text
    filtered = client.get(url(setup, filter="divergent"), headers=EN).text
    assert "Divergent: 1 candidate" in filtered
    link = url(setup, "deliberation_decision", decision_of("BERNARD"), filter="divergent")
    assert f'href="{link}"' in filtered
    assert url(setup, "deliberation_decision", decision_of("ARNAUD")) not in filtered
    assert 'aria-current="page">Divergent' in filtered


def test_an_unknown_filter_shows_everyone(client, setup):
    client.force_login(setup.president.user)
    response = client.get(url(setup, filter="nope"), headers=EN)
    assert response.status_code == 200
    assert "5 candidates" in response.text


# -- previous and next --------------------------------------------------------------------
def test_previous_and_next_walk_the_names_with_the_ends_said(client, setup):
    client.force_login(setup.president.user)
    first = client.get(url(setup, "deliberation_decision", decision_of("ARNAUD")),
                       headers=EN)
    assert (first.context["position"], first.context["total"]) == (1, 5)
    assert "1 / 5" in first.text
    assert "First candidate" in first.text
    assert first.context["next"] == url(setup, "deliberation_decision", decision_of("BERNARD"))
    last = client.get(url(setup, "deliberation_decision", decision_of("ETIENNE")),
                      headers=EN)
    assert "5 / 5" in last.text
    assert "Last candidate" in last.text
    assert last.context["previous"] == url(setup, "deliberation_decision",
                                           decision_of("DUBOIS"))


def test_previous_and_next_keep_the_filter(client, setup):
    CompetenceDecision.objects.filter(candidate_decision=decision_of("ARNAUD"),
                                      competence__code="C1.1").update(final_level=3)
    client.force_login(setup.president.user)
    page = client.get(url(setup, "deliberation_decision", decision_of("ARNAUD"),
                          filter="departs"), headers=EN)
    assert "1 / 2 (Departing from the proposal)" in page.text
    assert page.context["previous"] is None
    expected = url(setup, "deliberation_decision", decision_of("CHARPENTIER"), filter="departs")
    assert page.context["next"] == expected
    assert f'href="{expected}"' in page.text
    assert f'href="{url(setup, filter="departs")}"' in page.text  # back to the list, filtered
    assert '<input type="hidden" name="filter" value="departs">' in page.text


def test_a_candidate_the_filter_no_longer_keeps_stays_in_its_place(client, setup):
    """After saving, DUBOIS is still shown under « undecided » between its neighbours."""
    client.force_login(setup.president.user)
    page = client.get(url(setup, "deliberation_decision", decision_of("ARNAUD"),
                          filter="undecided"))
    assert (page.context["position"], page.context["total"]) == (1, 2)
    assert page.context["next"] == url(setup, "deliberation_decision", decision_of("DUBOIS"),
                                       filter="undecided")


def test_save_and_next_goes_to_the_next_candidate_under_the_filter(client, setup):
    client.force_login(setup.president.user)
    decision = decision_of("ARNAUD")
    form = form_of(client, setup, decision) | {"then": "next", "filter": "departs"}
    response = client.post(url(setup, "deliberation_decision", decision), form)
    assert response.status_code == 302
    assert response["Location"] == url(setup, "deliberation_decision",
                                       decision_of("CHARPENTIER"), filter="departs")


def test_a_decision_of_another_session_is_a_404(client, setup, alice):
    other = jury_setup()
    score_all(other, enrol(other), 2)
    foreign = deliberation_propose(session=other.session, by=alice).candidates.get()
    client.force_login(setup.president.user)
    assert client.get(url(setup, "deliberation_decision", foreign)).status_code == 404


def test_a_stranger_gets_a_404_on_a_candidate_page(client, setup, bob, charlie):
    for user in (bob, charlie):
        client.force_login(user)
        assert client.get(url(setup, "deliberation_decision",
                              decision_of("ARNAUD"))).status_code == 404


# -- errors next to the field, every input kept --------------------------------------------
def form_of(client, setup, decision) -> dict:
    """The candidate's form as the page renders it (the values saved)."""
    page = client.get(url(setup, "deliberation_decision", decision))
    item = page.context["item"]
    form = {f"final-{c.row.pk}": "" if c.final is None else str(c.final)
            for c in item.competences}
    form |= {f"justification-{c.row.pk}": c.justification for c in item.competences}
    form |= {"outcome": item.outcome, "outcome-justification": item.outcome_justification,
             "proposed-outcome": item.proposed_outcome}
    return form


def test_an_invalid_post_keeps_every_input_and_says_the_error_next_to_its_field(client,
                                                                                 setup):
    decision = decision_of("ARNAUD")
    requirement = Requirement.objects.get()
    row = CompetenceDecision.objects.get(candidate_decision=decision, competence__code="C1.1")
    client.force_login(setup.president.user)
    form = form_of(client, setup, decision)
    # Level 3 on C1.1 without a justification (refused), the requirement ticked with what
    # shows it, an outcome justification typed.
    form |= {f"final-{row.pk}": "3", f"requirement-{requirement.pk}": "on",
             f"requirement-justification-{requirement.pk}": "Convention de stage reçue",
             "outcome": CandidateOutcome.PARTIAL_SUCCESS,
             "outcome-justification": "Mission trop courte de deux semaines"}
    response = client.post(url(setup, "deliberation_decision", decision), form, headers=EN)
    assert response.status_code == 422
    text = response.text
    # Back on the same candidate, the error next to its field, the summary focused.
    assert response.templates[0].name == "deliberations/deliberation_candidate.html"
    assert 'id="error-summary" autofocus' in text
    assert f'<a href="#justification-{row.pk}">C1.1: A final level' in text
    assert f'aria-invalid="true" aria-describedby="justification-{row.pk}-error"' in text
    assert (f'<p class="error" id="justification-{row.pk}-error">A final level that departs '
            "from the proposal needs a justification.</p>") in text
    # Every input kept: the level chosen, the tick, the texts typed.
    assert '<option value="3" selected>' in text
    assert (f'id="requirement-{decision.pk}-{requirement.pk}" checked') in text
    assert 'value="Convention de stage reçue"' in text
    assert "Mission trop courte de deux semaines</textarea>" in text
    assert f'<option value="{CandidateOutcome.PARTIAL_SUCCESS}" selected>' in text
    # Nothing saved.
    row.refresh_from_db()
    decision.refresh_from_db()
    assert row.final_level == 2
    assert decision.requirements_met.get(str(requirement.pk), {}).get("met") is not True


def test_a_missing_requirement_justification_is_said_next_to_it(client, setup):
    decision = decision_of("ARNAUD")
    requirement = Requirement.objects.get()
    client.force_login(setup.president.user)
    form = form_of(client, setup, decision) | {f"requirement-{requirement.pk}": "on"}
    response = client.post(url(setup, "deliberation_decision", decision), form, headers=EN)
    assert response.status_code == 422
    field = f"requirement-justification-{decision.pk}-{requirement.pk}"
    summary = escape(f"{requirement.label}: Say what shows the requirement is met.")
    assert f'<a href="#{field}">{summary}</a>' in response.text
    assert (f'aria-invalid="true" aria-describedby="requirement-error-{decision.pk}-'
            f'{requirement.pk}"') in response.text
    assert f'id="requirement-{decision.pk}-{requirement.pk}" checked' in response.text


# -- the proposal recomputed from the form --------------------------------------------------
def test_ticking_the_requirement_previews_full_success_and_saves_nothing(client, setup):
    decision = decision_of("ARNAUD")
    assert decision.proposed_outcome == CandidateOutcome.PARTIAL_SUCCESS
    requirement = Requirement.objects.get()
    client.force_login(setup.president.user)
    form = form_of(client, setup, decision) | {
        f"requirement-{requirement.pk}": "on",
        f"requirement-justification-{requirement.pk}": "Attestation employeur",
        "preview": "1"}
    response = client.post(url(setup, "deliberation_decision", decision), form, headers=EN)
    assert response.status_code == 200
    text = response.text
    assert "Proposed : <strong>full success</strong>" in text
    assert "Every bloc is validated (now or before) and every extra requirement is met." in text
    # The outcome followed the proposal, and the form now shows that proposal.
    assert f'<option value="{CandidateOutcome.FULL_SUCCESS}" selected>' in text
    assert (f'<input type="hidden" name="proposed-outcome" '
            f'value="{CandidateOutcome.FULL_SUCCESS}">') in text
    assert "Not saved yet" in text
    decision.refresh_from_db()
    assert decision.proposed_outcome == CandidateOutcome.PARTIAL_SUCCESS
    assert decision.requirements_met.get(str(requirement.pk), {}).get("met") is not True


def test_saving_a_tick_follows_the_recomputed_proposal_without_a_justification(client,
                                                                               setup):
    """Issue 18: ticking the requirement, then saving without JavaScript (the outcome left
    on « partial success », the proposal the page showed) asked for a justification. It now
    follows the proposal the rules recompute: full success."""
    decision = decision_of("ARNAUD")
    requirement = Requirement.objects.get()
    client.force_login(setup.president.user)
    form = form_of(client, setup, decision)
    assert form["outcome"] == form["proposed-outcome"] == CandidateOutcome.PARTIAL_SUCCESS
    form |= {f"requirement-{requirement.pk}": "on",
             f"requirement-justification-{requirement.pk}": "Attestation employeur"}
    response = client.post(url(setup, "deliberation_decision", decision), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    decision.refresh_from_db()
    assert (decision.proposed_outcome, decision.outcome, decision.justification) == (
        CandidateOutcome.FULL_SUCCESS, CandidateOutcome.FULL_SUCCESS, "")


def test_an_outcome_chosen_off_the_recomputed_proposal_still_needs_a_justification(
        client, setup):
    decision = decision_of("ARNAUD")
    requirement = Requirement.objects.get()
    client.force_login(setup.president.user)
    form = form_of(client, setup, decision) | {
        f"requirement-{requirement.pk}": "on",
        f"requirement-justification-{requirement.pk}": "Attestation employeur",
        "outcome": CandidateOutcome.FAILURE}
    response = client.post(url(setup, "deliberation_decision", decision), form, headers=EN)
    assert response.status_code == 422
    assert "An outcome that departs from the proposal needs a justification." in response.text
    # The form shows the proposal recomputed from the tick, the failure chosen kept.
    assert "Proposed : <strong>full success</strong>" in response.text
    assert f'<option value="{CandidateOutcome.FAILURE}" selected>' in response.text


def test_the_page_offers_the_preview_with_and_without_javascript(client, setup):
    decision = decision_of("ARNAUD")
    client.force_login(setup.president.user)
    text = client.get(url(setup, "deliberation_decision", decision), headers=EN).text
    assert 'name="preview" value="1"' in text  # the button, without JavaScript
    assert f'hx-target="#verdict-{decision.pk}"' in text  # htmx, on each tick
    assert "vendor/htmx/htmx.min.js" in text
    assert f'aria-live="polite" id="proposal-announce-{decision.pk}"' in text


# -- each member's level with its épreuve ------------------------------------------------
def two_epreuves():
    """C1.1 evaluated by E1 « Étude de cas » (level 2 from everyone) and E2 « Soutenance
    orale » (3): one candidate, ARNAUD."""
    setup = jury_setup()
    oral = Modality.objects.create(referentiel=setup.session.referentiel, code="E2",
                                   title="Soutenance orale")
    oral.competences.add(setup.competences[0])
    second = AssessmentFactory(session=setup.session, modality=oral,
                               starts_at=timezone.now() - datetime.timedelta(days=1))
    enrolment = enrol(setup, candidate__birth_name="ARNAUD")
    Sitting.objects.create(assessment=second, enrolment=enrolment)
    score_all(setup, enrolment, 2)
    score_all(setup, enrolment, 3, assessment=second)
    return setup, second


def test_each_members_level_is_said_with_its_epreuve_and_label(client, alice):
    setup, _second = two_epreuves()
    deliberation_propose(session=setup.session, by=alice)
    president = setup.president.user
    name = f"{president.first_name} {president.last_name}".strip()
    labels = dict(Level.objects.filter(scale_id=setup.session.referentiel.scale_id)
                  .values_list("number", "label"))
    client.force_login(president)
    text = client.get(url(setup, "deliberation_decision", decision_of("ARNAUD"))).text
    assert escape(f"{name} — E1 Étude de cas : ") + f"<strong>2</strong> ({escape(labels[2])})" \
        in text
    assert escape(f"{name} — E2 Soutenance orale : ") + \
        f"<strong>3</strong> ({escape(labels[3])})" in text


def test_a_level_changed_in_one_epreuve_is_listed_with_it_when_signing(alice):
    setup, second = two_epreuves()
    deliberation_propose(session=setup.session, by=alice)
    president = setup.president.user
    Score.objects.filter(sitting__assessment=second, scorer=president,
                         competence__code="C1.1").update(level=1)
    with pytest.raises(StaleProposalError) as stale:
        deliberation_sign(deliberation=Deliberation.objects.get(),
                          members_present=setup.members, by=president)
    name = f"{president.first_name} {president.last_name}".strip()
    assert [(c.competence, c.member, c.old, c.new) for c in stale.value.changes] == [
        ("C1.1", f"{name} (E2)", "3", "1")]


# -- the action bar and the confirmations --------------------------------------------------
BAR = '<nav class="deliberation-actions" aria-label="Signature and publication">'


def test_the_action_bar_offers_signing_before_the_signature(client, setup):
    client.force_login(setup.president.user)
    overview = client.get(url(setup), headers=EN).text
    page = client.get(url(setup, "deliberation_decision", decision_of("BERNARD")),
                      headers=EN).text
    for text in (overview, page):
        assert BAR in text
        assert "Sign the minutes…" in text
        assert "Publish the results…" not in text
    # On the overview, it submits the members ticked; elsewhere, every member, to the
    # confirmation page (which signs nothing by itself).
    assert 'form="sign-form"' in overview
    sign = url(setup, "deliberation_sign")
    assert f'<form method="get" action="{sign}">' in page
    assert page.count('<input type="hidden" name="present"') == 3
    version = Deliberation.objects.get().proposal_version
    assert f'name="proposal_version" value="{version}"' in page


def test_the_action_bar_offers_publishing_once_signed_then_nothing(client, setup, alice):
    deliberation = Deliberation.objects.get()
    deliberation_sign(deliberation=deliberation, members_present=setup.members,
                      by=setup.president.user)
    client.force_login(setup.president.user)
    for path in (url(setup), url(setup, "deliberation_decision", decision_of("ARNAUD"))):
        text = client.get(path, headers=EN).text
        assert BAR in text
        assert "Sign the minutes…" not in text
        assert f'href="{url(setup, "deliberation_publish")}"' in text
        assert "results not published" in text
    deliberation.refresh_from_db()
    deliberation_publish(deliberation=deliberation, by=alice)
    for user in (setup.president.user, alice):
        client.force_login(user)
        text = client.get(url(setup, "deliberation_decision", decision_of("ARNAUD")),
                          headers=EN).text
        assert "results published on" in text
        assert "Publish the results…" not in text
        assert "Sign the minutes…" not in text
    assert reverse("reports:session_documents", args=[setup.session.public_id]) in text


def test_a_member_who_does_not_preside_sees_the_state_and_no_action(client, setup):
    client.force_login(setup.members[1].user)
    text = client.get(url(setup, "deliberation_decision", decision_of("ARNAUD")),
                      headers=EN).text
    assert BAR in text
    assert "Not signed yet" in text
    assert "Sign the minutes…" not in text


def test_the_confirmations_say_what_will_happen(client, setup, alice):
    client.force_login(setup.president.user)
    present = {"present": [str(m.public_id) for m in setup.members],
               "proposal_version": Deliberation.objects.get().proposal_version}
    sign = client.get(url(setup, "deliberation_sign"), present, headers=EN).text
    assert "The decisions, the scores and the enrolments of the session are locked." in sign
    assert "the minutes of the deliberation" in sign
    assert "bloc attestations (one per bloc validated)" in sign
    assert "(one per full success)" in sign
    deliberation_sign(deliberation=Deliberation.objects.get(), members_present=setup.members,
                      by=setup.president.user)
    publish = client.get(url(setup, "deliberation_publish"), headers=EN).text
    assert "see their results in their candidate space" in publish
    assert "Each candidate with an account is notified by e-mail," in publish
    assert "their documents are now available to download" in publish


# -- constant queries ----------------------------------------------------------------------
@pytest.mark.parametrize("page", ["overview", "candidate"])
def test_the_pages_run_a_constant_number_of_queries(client, alice, page,
                                                    django_assert_max_num_queries):
    setup = jury_setup()

    def path():
        if page == "overview":
            return url(setup, filter="divergent")
        return url(setup, "deliberation_decision",
                   CandidateDecision.objects.order_by("pk")[1], filter="departs")

    for _ in range(3):
        score_all(setup, enrol(setup), {"C1.1": [1, 3, 3]})
    deliberation_propose(session=setup.session, by=alice)
    client.force_login(setup.president.user)
    with django_assert_max_num_queries(40) as few:
        assert client.get(path()).status_code == 200
    for _ in range(9):
        score_all(setup, enrol(setup), {"C1.1": [1, 3, 3]})
    deliberation_propose(session=setup.session, by=alice)
    assert CandidateDecision.objects.count() == 12
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path()).status_code == 200


def test_the_pages_speak_french(client, setup):
    client.force_login(setup.president.user)
    overview = client.get(url(setup)).text
    assert ("Non décidés : une compétence n'a pas encore de niveau final (hors candidats "
            "absents ou excusés).") in overview
    assert "Tous <span" in overview
    assert "Signer le procès-verbal…" in overview
    page = client.get(url(setup, "deliberation_decision", decision_of("BERNARD"))).text
    for words in ("Précédent", "Suivant", "2 / 5", "Enregistrer et passer au candidat suivant",
                  "Recalculer la proposition à partir du formulaire",
                  "Proposé : <strong>réussite partielle</strong>"):
        assert words in page, words
