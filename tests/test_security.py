"""Security hardening (issue 9): the Content Security Policy and the templates it relies
on, production cookies and HSTS, session expiry, login rate limits, upload limits, and
WeasyPrint reading nothing outside static/."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accounts.tests.factories import PASSWORD, UserFactory
from candidates.tests.factories import SessionFactory
from certifications.models import ReferentielImport

BASE_DIR = Path(__file__).resolve().parent.parent
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
WRONG_TYPE = ("The file type “%(extension)s” is not accepted here. Accepted types: "
              "%(allowed_extensions)s.")
TOO_LARGE = "The file is too large (%(size)s): the limit is %(limit)s."


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- Content Security Policy -------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/verify/ABCDEFGHJKMN/", "/healthz"])
def test_it_sends_the_policy_with_every_response(client, path):
    assert policy(client.get(path)) == POLICY


def page_templates() -> list[Path]:
    """Templates of pages served to a browser (the PDF templates go to WeasyPrint)."""
    found = [*BASE_DIR.glob("templates/**/*.html"), *BASE_DIR.glob("*/templates/**/*.html")]
    return [path for path in found
            if ".venv" not in path.parts and "documents" not in path.parent.parts]


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\shx-on\b|javascript:", re.I), "script in an attribute"),
]
COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


def test_no_page_template_holds_an_inline_script_or_style():
    templates = page_templates()
    assert len(templates) > 20
    found = [(str(path.relative_to(BASE_DIR)), what)
             for path in templates
             for pattern, what in INLINE
             if pattern.search(COMMENTS.sub("", path.read_text()))]
    assert found == []


def test_every_page_loading_htmx_turns_its_indicator_style_off():
    for path in page_templates():
        text = path.read_text()
        if "htmx.min.js" in text:
            assert '"includeIndicatorStyles": false' in text, path
    css = (BASE_DIR / "static" / "css" / "app.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


# -- production settings ------------------------------------------------------------------
def settings_of(module: str, **environment: str) -> dict:
    """Settings as a fresh process sees them with this environment."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module, **environment}
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("ALLOWED_HOSTS", "certification.example.org")
    names = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT",
             "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
             "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
             "SECURE_PROXY_SSL_HEADER", "MIDDLEWARE", "SECURE_CSP", "ACCOUNT_SESSION_REMEMBER"]
    code = ("import json, django; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_sends_secure_cookies_and_hsts():
    values = settings_of("config.settings.production")
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
                 "SESSION_COOKIE_HTTPONLY"):
        assert values[name] is True, name
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in values["MIDDLEWARE"]
    assert values["SECURE_CSP"] == {name: value.split() for name, value in POLICY.items()}


def test_a_login_lasts_a_working_day_or_until_the_browser_closes_when_asked():
    values = settings_of("config.settings.production")
    assert values["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False
    assert values["ACCOUNT_SESSION_REMEMBER"] is None  # the user chooses "Remember me"
    closing = settings_of("config.settings.production", SESSION_EXPIRE_AT_BROWSER_CLOSE="true")
    assert closing["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert closing["ACCOUNT_SESSION_REMEMBER"] is False  # no choice: ends with the browser


def login(client: Client, user, **fields: str):
    return client.post(reverse("account_login"),
                       {"login": user.email, "password": PASSWORD, **fields})


@pytest.mark.django_db
def test_the_session_cookie_lasts_a_working_day_only_when_remembered(settings, bob):
    client = Client()
    cookie = login(client, bob, remember="on").cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"

    client = Client()
    cookie = login(client, bob).cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"]
    assert not cookie["expires"]
    # The server forgets it after a working day all the same.
    assert client.session.get_expiry_age() == 8 * 60 * 60


@pytest.mark.django_db
def test_on_shared_computers_no_login_outlives_the_browser(settings, bob):
    settings.ACCOUNT_SESSION_REMEMBER = False  # what SESSION_EXPIRE_AT_BROWSER_CLOSE sets
    assert 'name="remember"' not in Client().get(reverse("account_login")).content.decode()
    cookie = login(Client(), bob, remember="on").cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"]


# -- login rate limits ---------------------------------------------------------------------
@pytest.fixture
def empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_it_limits_failed_logins_from_one_address_across_accounts(client, bob,
                                                                  empty_rate_limits):
    # The per-account lockout has its test in accounts/tests/test_login.py; this is the
    # per-address limit (10 a minute): someone trying many accounts from one place.
    for number in range(10):
        victim = UserFactory(email=f"victim{number}@certif.example")
        client.post(reverse("account_login"), {"login": victim.email, "password": "wrong-one"})
    response = login(client, bob)  # the right password of another account: refused too
    assert response.status_code == 200
    assert gettext("Too many failed login attempts. Try again later.") in (
        response.content.decode().replace("&#x27;", "'"))
    assert client.get(reverse("home")).status_code == 302  # not logged in


# -- uploads -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["logo.png", "referentiel.doc", "referentiel.rtf",
                                  "script.html"])
def test_the_referentiel_import_refuses_other_file_types(alice, name):
    response = logged_in(alice).post(reverse("certifications:import_upload"), {
        "file": SimpleUploadedFile(name, b"Bloc 1\n"), "format": "auto"})
    assert response.status_code == 200
    extension = name.rsplit(".", 1)[1]
    message = gettext(WRONG_TYPE) % {"extension": extension,
                                     "allowed_extensions":
                                         "txt, md, tsv, docx, pdf, odt, xml, csv, xlsx, json"}
    assert response.context["form"].errors["file"] == [message]
    assert not ReferentielImport.objects.exists()


@pytest.mark.django_db
def test_the_referentiel_import_refuses_a_file_over_the_limit(alice, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 1000
    response = logged_in(alice).post(reverse("certifications:import_upload"), {
        "file": SimpleUploadedFile("gros.txt", b"Bloc 1\n" * 200), "format": "auto"})
    message = gettext(TOO_LARGE) % {"size": filesizeformat(1400), "limit": filesizeformat(1000)}
    assert message in response.context["form"].errors["file"][0]
    assert not ReferentielImport.objects.exclude(drafts=[]).exists()


@pytest.mark.django_db
def test_the_referentiel_import_api_refuses_a_binary_file(alice):
    client = logged_in(alice)
    response = client.post("/api/v1/imports/", {
        "file": SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))})
    assert response.status_code == 400
    assert "binaire" in json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["photo.jpg", "inscrits.xls", "inscrits.ods", "inscrits.pdf"])
def test_the_enrolment_import_refuses_other_file_types(alice, name):
    session = SessionFactory()
    url = reverse("candidates:enrolment_import_upload", args=[session.public_id])
    response = logged_in(alice).post(url, {"file": SimpleUploadedFile(name, b"a;b\n1;2\n")})
    assert response.status_code == 200
    extension = name.rsplit(".", 1)[1]
    message = gettext(WRONG_TYPE) % {"extension": extension,
                                     "allowed_extensions": "csv, tsv, txt, xlsx"}
    assert response.context["form"].errors["file"] == [message]


@pytest.mark.django_db
def test_the_enrolment_import_refuses_a_file_over_the_limit(alice, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 100
    session = SessionFactory()
    url = reverse("candidates:enrolment_import_upload", args=[session.public_id])
    response = logged_in(alice).post(url, {"file": SimpleUploadedFile("f.csv", b"x;y\n" * 50)})
    message = gettext(TOO_LARGE) % {"size": filesizeformat(200), "limit": filesizeformat(100)}
    assert response.context["form"].errors["file"] == [message]


# -- WeasyPrint ----------------------------------------------------------------------------
def test_a_document_template_cannot_make_weasyprint_read_local_files(settings, tmp_path,
                                                                     monkeypatch):
    # A template (the real pipeline: render_pdf → our fetcher) that asks for /etc/passwd
    # as an image, a stylesheet and an attachment gets nothing; the fetcher was asked.
    override = tmp_path / "reports" / "documents"
    override.mkdir(parents=True)
    (override / "certificate.html").write_text(
        '<html><head><link rel="stylesheet" href="file:///etc/passwd"></head><body>'
        '<img src="file:///etc/passwd"><img src="../../../../../../etc/passwd">'
        '<a rel="attachment" href="file:///etc/passwd">x</a><p>Certificat</p></body></html>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]
                                                             ["DIRS"]]}]
    from reports import documents

    asked: list[str] = []
    fetch = documents.StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(documents.StaticOnlyURLFetcher, "fetch", spy)
    pdf = documents.render_pdf("certificate", {"document": {}})
    assert pdf.startswith(b"%PDF-")
    assert b"root:x:0:0" not in pdf
    assert "file:///etc/passwd" in asked
    passwd = Path("/etc/passwd").read_bytes()
    assert passwd[:40] not in pdf
