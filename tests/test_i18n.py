"""French is the default language and every UI string has its French translation."""

import datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    return PO.read_text().split("\n\n")[1:]


def test_every_string_has_a_french_translation():
    # An empty translation is an entry that ends on `msgstr ""` (a long one continues).
    untranslated = [entry for entry in entries() if entry.strip().endswith('msgstr ""')]
    assert untranslated == []


def test_no_translation_is_left_fuzzy():
    assert [entry for entry in entries() if "#, fuzzy" in entry] == []


def test_french_is_the_default_language(settings):
    assert settings.LANGUAGE_CODE == "fr"
    assert [code for code, _ in settings.LANGUAGES] == ["fr", "en"]


# -- the language switcher, dates and numbers ------------------------------------------------
@pytest.mark.django_db
def test_every_page_has_a_labelled_language_switcher(client, alice):
    for path in (reverse("account_login"), reverse("home")):
        page = client.get(path).content.decode()
        assert f'action="{reverse("set_language")}" method="post"' in page
        assert '<label for="language-select">Langue</label>' in page
        assert '<option value="fr" lang="fr" selected>Français</option>' in page
        assert '<option value="en" lang="en">English</option>' in page
        assert f'name="next" type="hidden" value="{path}"' in page
        client.force_login(alice)


@pytest.mark.django_db
def test_the_switcher_switches_to_english_and_back(client, settings):
    login = reverse("account_login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert response["Location"] == login
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] == 365 * 24 * 60 * 60  # the choice outlives the browser session
    page = client.get(login).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Sign In</h1>" in page
    assert '<option value="en" lang="en" selected>English</option>' in page

    client.post(reverse("set_language"), {"language": "fr", "next": login})
    assert '<html lang="fr">' in client.get(login).content.decode()


@pytest.mark.django_db
def test_the_switcher_keeps_a_logged_in_user_on_the_same_page(client, alice):
    client.force_login(alice)
    sessions = reverse("candidates:session_list")
    response = client.post(reverse("set_language"), {"language": "en", "next": sessions},
                           follow=True)
    assert response.redirect_chain == [(sessions, 302)]
    assert '<html lang="en">' in response.content.decode()


def test_dates_and_numbers_follow_the_language():
    template = Template('{{ day|date:"DATE_FORMAT" }} · {{ day|date:"SHORT_DATE_FORMAT" }} · '
                        '{{ share|floatformat:"1g" }}')
    context = Context({"day": datetime.date(2027, 7, 3), "share": 1234.5})
    with translation.override("fr"):
        assert template.render(context) == "3 juillet 2027 · 03/07/2027 · 1\xa0234,5"
    with translation.override("en"):
        assert template.render(context) == "July 3, 2027 · 07/03/2027 · 1,234.5"
        # Months are spelt out on official pages, never Django's "Aug.".
        assert Template('{{ day|date:"DATE_FORMAT" }}').render(
            Context({"day": datetime.date(2027, 8, 3)})) == "August 3, 2027"
