"""One whole session, run in a real Chromium by clicking from the home page only — no typed
URL, no Django admin: the administrator imports a Word référentiel, opens a session, enrols
two candidates, invites two external jury members by e-mail, composes the jury and schedules
the épreuves from the session's hub; a jury member sets their password from the e-mail's link
and scores; the president deliberates one candidate at a time and signs; the administrator
publishes, issues the documents, downloads the Caisse des Dépôts file; the candidate, invited
by e-mail too, reads their results and downloads their certificate.

Every page is reached from a link or a button of the page before (``follow``); the only
addresses typed are the home page and the links the e-mails carry. The background work
(documents, e-mails) runs eagerly, as a worker would right after each request."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from certifications.tests.test_import_unseen import word_from_plain_text
from config.celery_app import app as celery_app
from tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, session_cookie, sync_api

pytestmark = BROWSER_MARKS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PASSWORD = "Un-mot-de-passe-solide-2027"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def eager_worker(monkeypatch):
    """Tasks run in the request's thread right after its commit, as a worker would."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # reads from the test thread
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


class Browser:
    """One person's browser: a context of its own, French, clicking only."""

    def __init__(self, playwright, live_server, cookie: str | None = None) -> None:
        from django.conf import settings

        self.base = live_server.url
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS)
        self.context = self.browser.new_context(locale="fr-FR")
        if cookie:
            self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                                       "url": self.base}])
        self.page = self.context.new_page()
        self.visited: list[str] = []

    def home(self) -> None:
        self.page.goto(f"{self.base}/")

    def open_link(self, url: str) -> None:
        """A link read in an e-mail (the only other address typed)."""
        assert url.startswith(self.base), url
        self.page.goto(url)

    def follow(self, selector: str) -> None:
        """Click a link or button of the page; the next page must answer 200."""
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        self.visited.append(self.page.url)
        assert "/admin/" not in self.page.url
        heading = self.page.locator("h1").first.inner_text()
        assert "Erreur" not in heading, (self.page.url, heading)
        assert "introuvable" not in heading.lower(), (self.page.url, heading)

    def text(self) -> str:
        return self.page.locator("#main").inner_text()

    def close(self) -> None:
        self.browser.close()


def shoot(person: Browser, name: str) -> None:
    """A full-page screenshot when SCREENSHOTS names a folder (to look at the pages)."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        person.page.screenshot(path=str(Path(folder) / f"walk-{name}.png"), full_page=True)


def last_mail_to(address: str):
    found = [message for message in mail.outbox if address in message.to]
    assert found, f"no e-mail to {address}: {[m.to for m in mail.outbox]}"
    return found[-1]


def link_in(message, base: str) -> str:
    links = [link.rstrip(".,>)") for link in LINK.findall(message.body)]
    links = [link for link in links if link.startswith(base)]
    assert links, message.body
    return links[0]


def set_password_from_invitation(person: Browser, address: str) -> None:
    """Open the invitation's link, choose a password, sign in with it."""
    invitation = [m for m in mail.outbox if address in m.to and "/password/reset/key/" in m.body]
    assert invitation, [m.subject for m in mail.outbox if address in m.to]
    person.open_link(link_in(invitation[-1], person.base))
    person.page.fill("input[name=password1]", PASSWORD)
    person.page.fill("input[name=password2]", PASSWORD)
    person.follow("main form button[type=submit]")
    if person.page.locator("input[name=password]").count() == 0:
        person.home()
        if person.page.locator("input[name=password]").count() == 0:
            return  # signed in already
    person.page.fill("input[name=login]", address)
    person.page.fill("input[name=password]", PASSWORD)
    person.follow("main form button[type=submit]")


def sign_in(person: Browser, address: str) -> None:
    person.home()
    person.page.fill("input[name=login]", address)
    person.page.fill("input[name=password]", PASSWORD)
    person.follow("main form button[type=submit]")


def hub(admin: Browser) -> None:
    """Back to the session's hub from the home page: Sessions → the session."""
    admin.home()
    admin.follow(f"header a[href='{reverse('candidates:session_list')}']")
    admin.follow("main table a")


def test_a_whole_session_is_run_from_the_pages(live_server, client, alice, eager_worker,
                                               settings):
    base = live_server.url
    settings.SITE_URL = base  # the links the e-mails carry
    with sync_api.sync_playwright() as playwright:
        admin = Browser(playwright, live_server, session_cookie(client, alice))
        try:
            run_the_session(playwright, live_server, admin, base)
        except Exception:
            shoot(admin, "failure")
            raise
        finally:
            admin.close()


def run_the_session(playwright, live_server, admin: Browser, base: str) -> None:
    # -- the administrator imports the référentiel ------------------------------------------
    admin.home()
    admin.follow(f"header a[href='{reverse('certifications:referentiel_list')}']")
    admin.follow(f"main a[href='{reverse('certifications:import_upload')}']")
    admin.page.set_input_files("input[type=file]", files=[
        {"name": "accompagnement.docx", "mimeType": DOCX,
         "buffer": word_from_plain_text("c_plain.txt")}])
    admin.follow("main form button[type=submit]")
    assert "Mobiliser les partenaires du territoire" in admin.text()
    admin.follow("form[action$='/confirm/'] button[type=submit]")

    # -- a session -----------------------------------------------------------------------
    admin.home()
    admin.follow(f"header a[href='{reverse('candidates:session_list')}']")
    admin.follow(f"main a[href='{reverse('candidates:session_create')}']")
    admin.page.select_option("select[name=referentiel]", index=1)
    admin.page.fill("input[name=name]", "Promotion hiver 2027")
    today = timezone.localdate()
    admin.page.fill("input[name=starts_on]", (today - datetime.timedelta(days=2)).isoformat())
    admin.page.fill("input[name=ends_on]", (today + datetime.timedelta(days=30)).isoformat())
    admin.page.fill("input[name=place]", "Lyon")
    admin.follow("main form button[type=submit]")
    assert "Inscrire des candidats" in admin.text()  # the hub's next step

    # -- two candidates, from the hub ------------------------------------------------------
    admin.follow("main a[href$='/enrol/']")
    enrol(admin, birth_name="Dupont", usage_name="Leroy", first_names="Sophie Anne-Laure",
          birth_date="1987-11-02", commune="Nantes", code="44109", country="", sex="F",
          email="sophie.dupont@exemple.fr", extra_time="33")
    assert "DUPONT" in admin.text()
    admin.follow("main a[href$='/enrol/']")
    enrol(admin, birth_name="Nguyen", usage_name="", first_names="Minh",
          birth_date="1990-07-03", commune="Hanoï", code="99243", country="Viêt Nam", sex="M",
          email="minh.nguyen@exemple.fr", extra_time="")
    assert "NGUYEN" in admin.text()

    # -- two external jury members invited by e-mail, a president ----------------------------
    admin.follow(".hub-next a.button")  # « Planifier les épreuves » or the jury
    hub(admin)
    admin.follow("#stage-jury a")
    invite(admin, "Claire", "Dubois", "claire.dubois@exemple.fr", "F")
    invite(admin, "Marc", "Petit", "marc.petit@exemple.fr", "M")
    admin.page.locator("input[name='jury-members']").first.check()
    admin.page.locator("input[name='jury-members']").nth(1).check()
    president = admin.page.locator("select[name='jury-president'] option",
                                   has_text="Dubois").get_attribute("value")
    admin.page.select_option("select[name='jury-president']", president)
    admin.follow("form:has(input[value=jury]) button[type=submit]")
    assert "La composition respecte les règles" in admin.text()

    # -- the épreuves, held four hours ago, every candidate on each ------------------------
    hub(admin)
    admin.follow(".hub-next a.button")  # « Planifier les épreuves »
    held = timezone.localtime() - datetime.timedelta(hours=4)
    for index in (1, 2):
        if index == 2:
            admin.follow("main a[href$='/assessments/']")  # « Retour aux épreuves »
            admin.follow("main a[href$='/assessments/new/']")
        admin.page.select_option("select[name=modality]", index=index)
        admin.page.fill("input[name=starts_at]", held.strftime("%Y-%m-%dT%H:%M"))
        admin.page.fill("input[name=place]", "Salle 12")
        admin.page.check("input[name=all_candidates]")
        admin.follow("main form button[type=submit]")
        # The épreuve's assignments page: Claire Dubois to every candidate.
        member = admin.page.locator("select[name=member] option",
                                    has_text="Dubois").get_attribute("value")
        admin.page.select_option("select[name=member]", member)
        admin.follow("form.assignment-bulk:has(select[name=member]) button[type=submit]")
    hub(admin)
    assert "Attendre ou saisir les évaluations" in admin.text()

    # -- the candidates are convoked to both épreuves, from the hub ---------------------------
    admin.follow("#stage-epreuves a:has-text('Convoquer les candidats')")
    for index in range(2):
        admin.follow(f"form.convoke-form button[type=submit] >> nth={index}")
    convocation = last_mail_to("sophie.dupont@exemple.fr")
    names = [name for name, _content, _type in convocation.attachments]
    assert any(name.endswith(".pdf") for name in names), names
    assert any(name.endswith(".ics") for name in names), names
    assert "temps supplémentaire" in convocation.body, convocation.body

    # -- Claire chooses her password from the invitation and scores ------------------------
    claire = Browser(playwright, live_server)
    try:
        set_password_from_invitation(claire, "claire.dubois@exemple.fr")
        claire.home()
        grids = claire.page.locator("main a[href*='/sittings/']:not([href*='conflict'])")
        assert grids.count() == 4, claire.text()
        for index in range(4):
            claire.home()
            claire.follow(f"main a[href*='/sittings/']:not([href*='conflict']) >> nth={index}")
            score_the_grid(claire.page, level="2")
    finally:
        claire.close()

    # -- the administrator opens the deliberation from the hub -------------------------------
    hub(admin)
    admin.follow(".hub-next a.button")  # « Délibérer »
    admin.follow("main form[action$='/propose/'] button[type=submit]")

    # -- the president decides one candidate at a time and signs ----------------------------
    claire = Browser(playwright, live_server)
    try:
        sign_in(claire, "claire.dubois@exemple.fr")
        claire.follow("main a[href$='/deliberation/']")
        claire.follow("main table a[href*='/deliberation/candidates/']")
        assert "1 / 2" in claire.text() or "1 sur 2" in claire.text(), claire.text()
        claire.follow("button[name=then][value=next]")
        claire.follow("#save-decision")
        claire.follow("main a[href$='/deliberation/']")
        claire.follow("nav button:has-text('Signer le procès-verbal')")
        confirmation = claire.text()
        assert "verrouill" in confirmation, confirmation
        claire.follow("main form button[type=submit]")
    finally:
        claire.close()
    from deliberations.models import Deliberation

    deliberation = Deliberation.objects.get()
    assert deliberation.is_signed
    assert deliberation.candidates.count() == 2
    assert sorted(deliberation.candidates.values_list("outcome", flat=True)) == [
        "full_success", "full_success"]

    # -- the administrator publishes, from the hub's next step -------------------------------
    hub(admin)
    admin.follow(".hub-next a.button")  # « Publier les résultats »: the deliberation
    admin.follow("nav a:has-text('Publier les résultats')")
    assert "courriel" in admin.text() or "e-mail" in admin.text(), admin.text()
    admin.follow("main form button[type=submit]")
    shoot(admin, "published")

    # -- the documents ---------------------------------------------------------------------
    hub(admin)
    shoot(admin, "hub-published")
    admin.follow(".hub-next a.button")  # « Émettre les documents »
    # The certification was imported without its registration facts and the certifier has
    # no signatory yet: the documents say what they lack and where to complete it.
    assert "Mentions obligatoires manquantes" in admin.text()
    admin.follow("main a:has-text('mentions légales de la certification')")
    admin.page.fill("input[name=registration_date]", "2022-03-01")
    admin.page.fill("input[name=nsf_codes]", "332t")
    admin.page.fill("input[name=cdc_client_id]", "03ABC123")
    admin.page.fill("input[name=cdc_contract_id]", "MCFCER000123")
    admin.follow("main form button[type=submit]")
    admin.follow(f"main a[href='{reverse('certifications:certifier_list')}']")
    admin.follow("main table a")
    admin.page.fill("input[name=representative_name]", "Hélène Martin")
    admin.page.fill("input[name=representative_quality]", "Directrice générale")
    admin.follow("main form button[type=submit]")
    hub(admin)
    admin.follow("#stage-documents a[href$='/documents/']")
    admin.follow("form.session-issue button[type=submit]")
    assert "Échoué" not in admin.text(), admin.text()
    shoot(admin, "documents")

    # -- the Caisse des Dépôts file, from the hub --------------------------------------------
    hub(admin)
    with admin.page.expect_download() as download:
        admin.page.locator("#stage-cdc a[href$='cdc-accrochage.xml']").click()
    xml = download.value.path().read_bytes()
    assert b"<idClient>03ABC123</idClient>" in xml
    assert xml.count(b"<passageCertification>") == 2 or xml.count(b"idTechnique") >= 2, xml[:500]
    shoot(admin, "hub-end")

    # -- Sophie chooses her password from her invitation and reads her results --------------
    sophie = Browser(playwright, live_server)
    try:
        set_password_from_invitation(sophie, "sophie.dupont@exemple.fr")
        sophie.home()
        space = sophie.text()
        assert "2 / 2 blocs validés ou acquis" in space, space
        with sophie.page.expect_download() as download:
            sophie.page.locator("main a[href*='/documents/'][href$='/download/']",
                                has_text="Certificat").first.click()
        assert download.value.path().read_bytes().startswith(b"%PDF-")
        shoot(sophie, "space")
    finally:
        sophie.close()

    # -- who was told what, in their language -------------------------------------------------
    def subjects(address: str) -> list[str]:
        return [m.subject for m in mail.outbox if address in m.to]

    assert subjects("sophie.dupont@exemple.fr") == [
        "Votre espace pour la certification « Chargé d'accompagnement social et "
        "professionnel »",
        f"Convocation : Étude de cas écrite le {date_format(held, 'DATE_FORMAT')}",
        "Convocation : Mise en situation professionnelle suivie d'un entretien avec le jury "
        f"le {date_format(held, 'DATE_FORMAT')}",
        "Vos résultats sont disponibles — Chargé d'accompagnement social et professionnel",
        "Vos documents sont disponibles — Chargé d'accompagnement social et professionnel",
    ]
    assert "Vos épreuves dans la session « Promotion hiver 2027 »" in subjects(
        "claire.dubois@exemple.fr")


IDLE = "() => !document.querySelector('.htmx-request')"


def score_the_grid(page, *, level: str) -> None:
    """Every compétence at ``level`` with a comment (htmx saves each cell)."""
    page.wait_for_function("() => window.htmx !== undefined")
    cells = page.locator("form.cell[id^='cell-c']")
    assert cells.count() > 0
    for index in range(cells.count()):
        cell = cells.nth(index)
        cell.locator("[name=comment]").fill("Observé pendant l'épreuve, conforme aux attentes")
        cell.locator(f"input[name=level][value='{level}']").check()
        page.wait_for_function(IDLE)
    page.reload()
    checked = page.locator(f"form.cell[id^='cell-c'] input[name=level][value='{level}']:checked")
    assert checked.count() == cells.count()


def enrol(admin: Browser, *, birth_name, usage_name, first_names, birth_date, commune, code,
          country, sex, email, extra_time) -> None:
    page = admin.page
    page.fill("input[name=birth_name]", birth_name)
    page.fill("input[name=usage_name]", usage_name)
    page.fill("input[name=first_names]", first_names)
    page.fill("input[name=birth_date]", birth_date)
    page.fill("input[name=birth_commune]", commune)
    page.fill("input[name=birth_insee_code]", code)
    page.fill("input[name=birth_country]", country)
    page.select_option("select[name=sex]", sex)
    page.fill("input[name=email]", email)
    page.select_option("select[name=access_route]", index=2)
    if extra_time:
        page.fill("input[name=extra_time_percent]", extra_time)
    invite_box = page.locator("input[name=invite]")
    if invite_box.count() and not invite_box.is_checked():
        invite_box.check()
    admin.follow("main form button[type=submit]:not([name=use_existing])")


def invite(admin: Browser, first_name: str, last_name: str, email: str, sex: str) -> None:
    page = admin.page
    page.fill("input[name='invite-first_name']", first_name)
    page.fill("input[name='invite-last_name']", last_name)
    page.fill("input[name='invite-email']", email)
    page.fill("input[name='invite-organisation']", "Association Trajectoires")
    page.select_option("select[name='invite-sex']", sex)
    external = page.locator("input[name='invite-external']")
    if not external.is_checked():
        external.check()
    admin.follow("form:has(input[value=invite]) button[type=submit]")
    assert f"{first_name} {last_name}" in admin.text() or last_name in admin.text()
