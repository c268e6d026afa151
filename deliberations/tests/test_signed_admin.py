"""Django's admin after signing (issue 15): read-only for everything a signed deliberation
depends on — the session, its enrolments, sittings, scores, jury, the candidate's identity,
the certification, référentiel version and scale it used — and every change it makes
elsewhere is an audit event."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin_audit import AuditedAdmin
from accounts.models import AuditEvent
from assessments.models import Assessment, Score, Sitting
from candidates.models import Candidate, Enrolment, Session
from candidates.tests.factories import SessionFactory
from certifications.models import Certification, Level, Referentiel, Scale
from deliberations.models import (
    Amendment,
    BlocDecision,
    CandidateDecision,
    CompetenceDecision,
    Deliberation,
)
from deliberations.services import deliberation_propose, deliberation_sign
from deliberations.tests.deliberation_helpers import enrol, jury_setup, score_all
from juries.models import Jury

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The values a browser would post from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][0] += data.lstrip("\n") if not self.data[
                self._textarea][0] else data


def _post_change(client, obj, **changes) -> object:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    parser = _Form()
    parser.feed(client.get(url).content.decode())
    data = dict(parser.data)
    data.update({key: [value] for key, value in changes.items()})
    return client.post(url, data)


@pytest.fixture
def signed(alice):
    setup = jury_setup()
    enrolment = enrol(setup)
    score_all(setup, enrolment, 2)
    deliberation_propose(session=setup.session, by=alice)
    deliberation_sign(deliberation=Deliberation.objects.get(session=setup.session),
                      members_present=setup.members, by=setup.president.user)
    setup.session.refresh_from_db()
    return setup, enrolment


def _model_admin(model):
    return admin.site._registry[model]


def test_every_admin_of_the_project_is_audited():
    assert all(isinstance(model_admin, AuditedAdmin)
               for model_admin in admin.site._registry.values())


def test_decisions_have_no_admin_door():
    for model in (Deliberation, CandidateDecision, CompetenceDecision, BlocDecision,
                  Amendment):
        assert not admin.site.is_registered(model)


def test_what_a_signed_deliberation_depends_on_is_read_only(signed, alice):
    setup, enrolment = signed
    request = RequestFactory().get("/")
    request.user = alice
    referentiel = setup.session.referentiel
    objects = [
        setup.session, enrolment, Jury.objects.get(session=setup.session),
        Assessment.objects.get(session=setup.session), Score.objects.first(),
        referentiel, referentiel.certification, referentiel.scale,
    ]
    for obj in objects:
        model_admin = _model_admin(type(obj))
        assert not model_admin.has_change_permission(request, obj), obj
        assert not model_admin.has_delete_permission(request, obj), obj
    for parent, inline_models in ((enrolment, {"targetbloc", "acquiredbloc"}),
                                  (referentiel.certification, {"ruleset", "requirement"}),
                                  (referentiel.scale, {"level"})):
        for inline in _model_admin(type(parent)).get_inline_instances(request, parent):
            if inline.model._meta.model_name in inline_models:
                assert not inline.has_add_permission(request, parent)
                assert not inline.has_change_permission(request, parent)
                assert not inline.has_delete_permission(request, parent)
    sitting_inline = _model_admin(Assessment).inlines[0](Assessment, admin.site)
    assert not sitting_inline.has_change_permission(request, Sitting.objects.first())


def test_the_admin_refuses_to_edit_a_signed_session(signed, client, alice):
    setup, enrolment = signed
    client.force_login(alice)
    name = setup.session.name
    response = _post_change(client, setup.session, name="RENAMED after signing")
    assert response.status_code == 403
    assert Session.objects.get(pk=setup.session.pk).name == name
    assert _post_change(client, enrolment, status="withdrawn").status_code == 403
    assert Enrolment.objects.get(pk=enrolment.pk).status == enrolment.status
    certification = setup.session.referentiel.certification
    title = certification.title
    assert _post_change(client, certification, title="New title").status_code == 403
    assert Certification.objects.get(pk=certification.pk).title == title
    level = Level.objects.filter(scale=setup.session.referentiel.scale).first()
    assert not _model_admin(Scale).has_change_permission(
        RequestFactory().get("/"), level.scale)


def test_a_signed_candidates_identity_stays_their_contact_does_not(signed, client, alice):
    _setup, enrolment = signed
    candidate = enrolment.candidate
    client.force_login(alice)
    response = _post_change(client, candidate, usage_name="IMPOSTOR", phone="0102030405")
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate = Candidate.objects.get(pk=candidate.pk)
    assert candidate.usage_name != "IMPOSTOR"
    assert candidate.phone == "0102030405"
    event = AuditEvent.objects.get(action="admin.changed", object_type="candidates.candidate")
    # Personal data: which fields changed, not their values.
    assert event.old == {"fields": ["phone"]}
    assert "0102030405" not in str(event.new)
    assert event.actor == alice
    assert event.context == {"candidate": str(candidate.public_id)}


def test_an_admin_change_elsewhere_is_an_audit_event(client, alice):
    session = SessionFactory(name="Promotion 2027")
    client.force_login(alice)
    response = _post_change(client, session, name="Promotion 2027 bis")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.changed", object_type="candidates.session")
    assert event.old == {"name": "Promotion 2027"}
    assert event.new["name"] == "Promotion 2027 bis"
    assert event.context == {"session": str(session.public_id)}
    assert event.actor == alice


def test_admin_additions_and_deletions_are_audit_events(client, alice):
    client.force_login(alice)
    response = client.post(reverse("admin:auth_group_add"), {"name": "Correcteurs"})
    assert response.status_code == 302
    group = Group.objects.get(name="Correcteurs")
    added = AuditEvent.objects.get(action="admin.added")
    assert (added.object_type, added.object_id) == ("auth.group", str(group.pk))
    response = client.post(reverse("admin:auth_group_delete", args=[group.pk]),
                           {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action="admin.deleted")
    assert deleted.old == {"object": "Correcteurs"}


def test_a_referentiel_version_of_a_signed_session_is_read_only(signed, alice):
    setup, _enrolment = signed
    Referentiel.objects.filter(pk=setup.session.referentiel_id).update(locked_at=None)
    request = RequestFactory().get("/")
    request.user = alice
    referentiel = Referentiel.objects.get(pk=setup.session.referentiel_id)
    assert not _model_admin(Referentiel).has_change_permission(request, referentiel)
