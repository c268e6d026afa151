"""`make run` serves with DEBUG off unless the developer opts in; the visitor then sees the
styled 404 and 500 pages, never Django's debug pages listing every URL (issue 15)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

BASE_DIR = Path(__file__).resolve().parent.parent


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]


def debug_seen_by_run(tmp_path: Path, **env: str) -> str:
    """Start bin/run with a stand-in Python that notes DEBUG and stops at its first call."""
    fake = tmp_path / "python"
    fake.write_text(f'#!/bin/sh\necho "$DEBUG" > {tmp_path}/debug\nexit 3\n')
    fake.chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "REDIS_URL")}
    environment.update(RUN_PYTHON=str(fake), VAR_DIR=str(tmp_path / "var"), PORT="18999", **env)
    subprocess.run([BASE_DIR / "bin" / "run"], env=environment, capture_output=True,
                   timeout=20, check=False)
    return (tmp_path / "debug").read_text().strip()


def test_make_run_serves_with_debug_off(tmp_path):
    assert debug_seen_by_run(tmp_path) in ("", "0", "false")


def test_debug_is_the_developers_opt_in(tmp_path):
    assert debug_seen_by_run(tmp_path, DEBUG="1") == "1"


@pytest.mark.django_db
def test_an_anonymous_404_is_the_styled_page_without_the_url_list(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page introuvable</h1>" in page
    assert 'class="site-header"' in page  # the site's layout
    assert "URLconf" not in page
    assert "admin/" not in page


@pytest.mark.django_db
def test_a_404_speaks_the_visitors_language(client, settings):
    settings.DEBUG = False
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Page not found</h1>" in page


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize(("language", "heading"), [("fr", "Erreur du serveur"),
                                                   ("en", "Server error")])
def test_a_500_is_the_styled_page_and_says_nothing_of_the_bug(settings, language, heading):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert "css/app.css" in page
    assert "a bug" not in page
    assert "RuntimeError" not in page
