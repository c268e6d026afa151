"""`make test` runs the suite on several pytest-xdist workers: each must have its own test
database (pytest-django adds the worker's name: var/test.sqlite3_gw0 on SQLite,
test_<name>_gw0 on PostgreSQL), or one worker's flush and rollbacks undo another's."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_each_xdist_worker_has_its_own_test_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        pytest.skip("the suite runs in one process (no pytest-xdist worker)")
    assert connection.settings_dict["NAME"].endswith(f"_{worker}")
