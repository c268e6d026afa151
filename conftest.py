"""Personas shared by every test: alice administers, bob sits on juries, charlie is a
candidate, dave is another candidate (for trying to reach charlie's data)."""

import pytest

from accounts.tests.factories import AdminFactory, JuryMemberFactory, UserFactory

# What makes a test slow enough for `make test-fast` (-m "not slow") to leave it out: a real
# browser, a real Celery worker, a live server. The default `make test` (and CI) runs them.
SLOW_MARKERS = ("browser", "worker")
SLOW_FIXTURES = ("live_server",)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS) or any(
                name in getattr(item, "fixturenames", ()) for name in SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def alice(db):
    return AdminFactory(email="alice@certif.example", first_name="Alice")


@pytest.fixture
def bob(db):
    return JuryMemberFactory(email="bob@certif.example", first_name="Bob")


@pytest.fixture
def charlie(db):
    return UserFactory(email="charlie@certif.example", first_name="Charlie")


@pytest.fixture
def dave(db):
    return UserFactory(email="dave@certif.example", first_name="Dave")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (a request in English must not leak into
    the next test of the same thread)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits live in the cache: one test's failed logins must not lock the next out."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
