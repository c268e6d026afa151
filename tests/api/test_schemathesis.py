"""Schemathesis against the running app (pytest-django's live server, loopback): every
operation of /api/schema/, a few generated examples each (deterministic), as an
administrator with a read-write token — GETs and POSTs — then every GET as a candidate
signed in by session. No answer may be a 5xx, and every answer must conform to the schema
(documented status code, content type and body). Stateful testing is off."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiTokenScope
from accounts.services_tokens import api_token_create

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 5
statuses: Counter[int] = Counter()
# Keeps the run well under the time the suite may spend on it.
BUDGET_SECONDS = 90


def _run(operation, *, base_url: str, headers: dict, cookies: dict) -> tuple[int, list[str]]:
    ran: list[int] = []
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def test(case) -> None:
        ran.append(1)
        try:
            response = case.call_and_validate(base_url=base_url, headers=headers,
                                              cookies=cookies, checks=CHECKS)
            statuses[response.status_code] += 1
        except (AssertionError, BaseExceptionGroup) as exc:  # the checks' failures
            failures.append(f"{operation.label}: {str(exc).strip()[:2000]}")

    test()
    return len(ran), failures


@pytest.mark.django_db(transaction=True)
def test_the_api_conforms_to_its_schema(live_server, alice, charlie, documents, client):
    _token, secret = api_token_create(by=alice, name="schemathesis", scope=ApiTokenScope.WRITE)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    client.force_login(charlie)
    candidate = {"sessionid": client.cookies["sessionid"].value}
    started = time.monotonic()
    operations = cases = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        runs = [({"Authorization": f"Bearer {secret}"}, {})]
        if operation.method.upper() == "GET":
            runs.append(({}, candidate))
        for headers, cookies in runs:
            count, failed = _run(operation, base_url=live_server.url, headers=headers,
                                 cookies=cookies)
            cases += count
            failures += failed
        operations += 1
    elapsed = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {cases} cases, {len(failures)} failures, "
          f"{elapsed:.1f} s; answers by status: {dict(sorted(statuses.items()))}")
    assert operations >= 40
    assert not failures, "\n".join(sorted(set(failures)))
    assert elapsed < BUDGET_SECONDS
