"""A real Chromium fills a whole grid with the keyboard only (htmx saving each cell), and
axe-core finds no WCAG 2.1 A/AA violation on the grid and the member's home."""


import pytest
from django.urls import reverse

from assessments.models import CriterionCheck, Score
from candidates.tests.factories import SessionFactory, make_referentiel
from juries.tests.factories import AssessmentFactory, MemberFactory, SittingFactory, assign
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS

FOCUSED = """() => {
  const e = document.activeElement;
  const form = e && e.closest ? e.closest("form.cell") : null;
  return {tag: e.tagName, type: e.type || "", name: e.name || "", form: form ? form.id : ""};
}"""
IDLE = "() => !document.querySelector('.htmx-request')"


@pytest.fixture
def sitting(bob):
    session = SessionFactory(referentiel=make_referentiel(blocs=2, competences=2))
    sitting = SittingFactory(assessment=AssessmentFactory(session=session),
                             enrolment__extra_time_percent=33,
                             enrolment__technical_aids="Logiciel de synthèse vocale")
    assign(sitting, MemberFactory(user=bob))
    return sitting


def choose_level(page, level: int) -> None:
    """Focus is on the first radio of an empty level group: Space picks level 1, each
    arrow the next one (htmx saves every change, one after the other)."""
    page.keyboard.press("Space")
    for _ in range(level - 1):
        page.keyboard.press("ArrowDown")
    page.wait_for_function(IDLE)
    if level >= 3:  # refused without a comment (422): say what the gaps are
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["name"] == "comment"
        page.keyboard.type("Écarts : analyse des risques incomplète")
        page.keyboard.press("Tab")  # leaving the field saves it
        page.wait_for_function(IDLE)


def check_criterion(page, index: int) -> None:
    """Focus is on the checked radio, "not assessed" (the last one)."""
    page.keyboard.press("ArrowUp" if index % 2 else "ArrowDown")  # not observed / observed
    page.wait_for_function(IDLE)
    if index == 0:
        page.keyboard.press("Tab")
        page.keyboard.type("Vu pendant la soutenance")
        page.keyboard.press("Shift+Tab")  # back to the radios: the note is saved
        page.wait_for_function(IDLE)


def test_it_fills_a_whole_grid_with_the_keyboard_only(live_server, client, bob, sitting):
    competences = list(sitting.assessment.modality.competences.all())
    criteria = list(sitting.assessment.modality.criteria.all())
    wanted = {c.pk: (index % 4) + 1 for index, c in enumerate(competences)}
    cookie, path = session_cookie(client, bob), reverse("juries:grid", args=[sitting.public_id])
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            page.wait_for_function("() => window.htmx !== undefined")
            done: set[str] = set()
            for _ in range(400):
                focused = page.evaluate(FOCUSED)
                form = focused["form"]
                if focused["type"] == "radio" and form not in done:
                    if focused["name"] == "level":
                        choose_level(page, wanted[int(form.removeprefix("cell-c"))])
                        done.add(form)
                    elif focused["name"] == "observed":
                        check_criterion(page, len([f for f in done if f.startswith("cell-k")]))
                        done.add(form)
                if len(done) == len(competences) + len(criteria):
                    break
                page.keyboard.press("Tab")
            page.wait_for_function(IDLE)
            statuses = page.locator(".cell__status--invalid, .cell__status--conflict, "
                                    ".cell__status--failed").count()
        finally:
            browser.close()
    assert len(done) == len(competences) + len(criteria)
    assert statuses == 0
    scores = {s.competence_id: s for s in Score.objects.filter(scorer=bob)}
    assert {pk: s.level for pk, s in scores.items()} == wanted
    assert all(s.comment for s in scores.values() if s.level >= 3)
    checks = {c.criterion_id: c for c in CriterionCheck.objects.filter(scorer=bob)}
    assert set(checks) == {c.pk for c in criteria}
    assert all(check.observed is not None for check in checks.values())
    assert "Vu pendant la soutenance" in {check.note for check in checks.values()}


def test_it_finds_no_violation_on_the_grid(live_server, client, bob, sitting):
    competence = sitting.assessment.modality.competences.first()
    cookie, path = session_cookie(client, bob), reverse("juries:grid", args=[sitting.public_id])
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            page.wait_for_function("() => window.htmx !== undefined")
            page.focus(f"#cell-c{competence.pk}-level-1")
            page.keyboard.press("Space")
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")  # level 3 without comment: refused, explained
            page.wait_for_function(IDLE)
            page.wait_for_selector(f"#cell-c{competence.pk}-comment[aria-invalid='true']")
            found = axe_violations(page)
        finally:
            browser.close()
    assert found == []


def test_it_finds_no_violation_on_the_member_home(live_server, client, bob, sitting):
    cookie, path = session_cookie(client, bob), reverse("deliberations:member_home")
    with sync_api.sync_playwright() as playwright:
        browser, page = open_page(playwright, live_server, cookie, path)
        try:
            found = axe_violations(page)
        finally:
            browser.close()
    assert found == []
