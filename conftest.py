"""Personas shared by every test: alice administers, bob sits on juries, charlie is a
candidate, dave is another candidate (for trying to reach charlie's data)."""

import pytest

from accounts.tests.factories import AdminFactory, JuryMemberFactory, UserFactory


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
