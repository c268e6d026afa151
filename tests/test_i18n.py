"""French is the default language and every UI string has its French translation."""

from pathlib import Path

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
