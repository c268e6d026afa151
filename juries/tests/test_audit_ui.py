"""The audit trail for administrators: the table, its filters, the CSV export, and the
read-only Django admin; bob and charlie are told it does not exist."""

from __future__ import annotations

import csv
import datetime
import io
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.selectors_audit import AuditFilters, audit_events_for_user
from accounts.services import audit_log
from accounts.spreadsheets import cell_safe as _cell

pytestmark = pytest.mark.django_db
SESSION, OTHER_SESSION, CANDIDATE = (str(uuid.uuid4()) for _ in range(3))


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def events(alice, bob) -> list[AuditEvent]:
    audit_log(actor=bob, action="score.recorded", obj=alice, ip_address="10.0.0.7",
              old={"level": 3, "comment": "Écarts", "version": 1},
              new={"level": 2, "comment": "Écarts", "version": 2},
              context={"session": SESSION, "candidate": CANDIDATE})
    audit_log(actor=alice, action="assignment.created", obj=alice,
              new={"member": 4, "sitting": "abc"}, context={"session": SESSION})
    audit_log(actor=alice, action="jury.composed", obj=alice, old={"members": [1]},
              new={"members": [1, 2]}, context={"session": OTHER_SESSION})
    return list(AuditEvent.objects.order_by("id"))


def _actions(response) -> list[str]:
    assert response.status_code == 200
    return [row.event.action for row in response.context["rows"]]


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_it_answers_404_to_anyone_but_an_administrator(request, persona, events):
    client = _client(request.getfixturevalue(persona))
    assert client.get(reverse("juries:audit_log")).status_code == 404
    assert client.get(reverse("juries:audit_log_csv")).status_code == 404
    user = request.getfixturevalue(persona)
    assert not audit_events_for_user(user=user, filters=AuditFilters()).exists()


def test_it_shows_who_when_where_and_old_to_new(alice, events):
    response = _client(alice).get(reverse("juries:audit_log"))
    text = response.content.decode()
    assert _actions(response) == ["jury.composed", "assignment.created", "score.recorded"]
    assert "bob@certif.example" in text
    assert "10.0.0.7" in text
    assert "<del>3</del> → <ins>2</ins>" in text  # the level changed
    assert "<del>1</del> → <ins>1, 2</ins>" in text  # the members
    score_row = response.context["rows"][2]
    assert [change.key for change in score_row.changes] == ["level", "version"]
    assert [change.field for change in score_row.changes] == ["Level", "Version"]


def test_the_details_read_as_field_old_to_new_lines_not_json(alice, bob):
    """Issue 18: labels in the reader's language, values in words (yes/no, a choice's
    label, a date, nested details as « label: value »), long lists shortened; a key
    nobody labelled is shown as it is."""
    from candidates.tests.factories import EnrolmentFactory

    enrolment = EnrolmentFactory()
    audit_log(actor=bob, action="deliberation.requirement_ticked", obj=enrolment,
              old={"requirement": "3", "value": {}},
              new={"requirement": "3", "value": {"met": True, "justification": "Attesté."}})
    audit_log(actor=alice, action="admin.changed", obj=enrolment.session,
              old={"ends_on": "2026-11-20", "zz_custom": "a"},
              new={"ends_on": "2026-11-21", "zz_custom": "b",
                   "documents": [f"2026-{n:06d}" for n in range(1, 13)]})
    audit_log(actor=alice, action="admin.changed", obj=enrolment,
              old={"status": "enrolled"}, new={"status": "withdrawn"})
    client = _client(alice)
    text = client.get(reverse("juries:audit_log")).content.decode()
    assert ('<span class="audit-changes__field">Value</span>: <del>—</del> → '
            "<ins>Met: yes · Justification: Attesté.</ins>") in text
    assert ('<span class="audit-changes__field">Ends on</span>: <del>11/20/2026</del> → '
            "<ins>11/21/2026</ins>") in text
    assert ('<span class="audit-changes__field">zz_custom</span>: <del>a</del> → '
            "<ins>b</ins>") in text
    assert "2026-000008 … and 4 more</ins>" in text
    assert "<del>enrolled</del> → <ins>withdrawn</ins>" in text
    assert f"Session #{enrolment.session.pk}" in text
    assert "{&quot;" not in text  # no raw JSON
    assert "{&#x27;" not in text
    french = Client(headers={"accept-language": "fr"})
    french.force_login(alice)
    text = french.get(reverse("juries:audit_log")).content.decode()
    assert "<ins>Remplie : oui · Justification : Attesté.</ins>" in text
    assert ('<span class="audit-changes__field">Fin</span>\u00a0: '
            "<del>20/11/2026</del>") in text
    assert "<del>inscrit</del> → <ins>retiré</ins>" in text


@pytest.mark.parametrize(("query", "expected"), [
    ({"action": "score.recorded"}, ["score.recorded"]),
    ({"actor": "alice@"}, ["jury.composed", "assignment.created"]),
    ({"session": SESSION}, ["assignment.created", "score.recorded"]),
    ({"candidate": CANDIDATE}, ["score.recorded"]),
    ({"session": OTHER_SESSION, "actor": "bob"}, []),
])
def test_it_filters_the_events(alice, events, query, expected):
    assert _actions(_client(alice).get(reverse("juries:audit_log"), query)) == expected


def test_it_filters_by_date_range(alice, events):
    today = timezone.localdate(events[0].at)  # the filter's days are Paris days
    url = reverse("juries:audit_log")
    client = _client(alice)
    assert len(_actions(client.get(url, {"since": today, "until": today}))) == 3
    tomorrow = today + datetime.timedelta(days=1)
    assert _actions(client.get(url, {"since": tomorrow})) == []
    assert _actions(client.get(url, {"until": today - datetime.timedelta(days=1)})) == []


def test_an_invalid_filter_is_shown_and_ignored(alice, events):
    response = _client(alice).get(reverse("juries:audit_log"), {"session": "not-a-uuid"})
    assert len(_actions(response)) == 3
    assert response.context["form"].errors["session"]


def test_it_exports_the_filtered_events_as_csv(alice, events):
    response = _client(alice).get(reverse("juries:audit_log_csv"), {"session": SESSION})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["When", "Who", "From address", "Action"]
    assert [row[3] for row in rows[1:]] == ["assignment.created", "score.recorded"]
    assert rows[2][1:3] == ["bob@certif.example", "10.0.0.7"]
    assert '"level": 3' in rows[2][5]


def test_the_csv_defuses_spreadsheet_formulas():
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("-2") == "'-2"
    assert _cell("Écarts") == "Écarts"


def test_the_pages_take_constant_queries(alice, bob):
    client = _client(alice)
    url = reverse("juries:audit_log")
    counts = []
    for total in (5, 40):
        while AuditEvent.objects.count() < total:
            audit_log(actor=bob, action="score.recorded", obj=alice, old={"level": 1},
                      new={"level": 2}, context={"session": SESSION})
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_pages_the_events_and_keeps_the_filters(alice, bob):
    for _ in range(55):
        audit_log(actor=bob, action="score.recorded", obj=alice, context={"session": SESSION})
    client = _client(alice)
    first = client.get(reverse("juries:audit_log"), {"session": SESSION})
    assert len(first.context["rows"]) == 50
    assert f"session={SESSION}&amp;page=2" in first.content.decode()
    second = client.get(reverse("juries:audit_log"), {"session": SESSION, "page": 2})
    assert len(second.context["rows"]) == 5


# -- the Django admin: read-only -----------------------------------------------------------
def test_the_admin_shows_the_trail_read_only(alice, events):
    client = _client(alice)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    change = client.get(reverse("admin:accounts_auditevent_change", args=[events[0].pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    delete = client.post(reverse("admin:accounts_auditevent_delete", args=[events[0].pk]),
                         {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.count() == 3
