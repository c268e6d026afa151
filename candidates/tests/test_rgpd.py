"""RGPD: the export of everything held on a candidate, the erasure that keeps the legal
records, and who may do either: alice (administrator) for anyone, charlie (candidate) his
own export only, bob (jury) and dave (another candidate) nothing of charlie's."""

from __future__ import annotations

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD
from candidates import services
from candidates.models import (
    AcquiredBloc,
    AcquisitionOrigin,
    Candidate,
    Enrolment,
    ErasureRecord,
    TargetBloc,
)
from candidates.services import candidate_erase, candidate_export_data, rgpd
from candidates.tests.factories import CandidateFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(charlie) -> Enrolment:
    candidate = CandidateFactory(
        user=charlie, email=charlie.email, birth_name="Martin", usage_name="Durand",
        first_names="Charlie Jean", birth_date=datetime.date(1990, 5, 17), sex="M",
        phone="06 12 34 56 78",
    )
    enrolment = EnrolmentFactory(
        candidate=candidate, whole_certification=False, extra_time_percent=33,
        technical_aids="Large print", other_accommodations="Quiet room",
        jury_note="Dyslexia: read the questions aloud", invited_at=timezone.now(),
    )
    first, second = enrolment.session.referentiel.blocs.order_by("position")[:2]
    TargetBloc.objects.create(enrolment=enrolment, bloc=first)
    AcquiredBloc.objects.create(enrolment=enrolment, bloc=second,
                                acquired_on=datetime.date(2025, 6, 30),
                                origin=AcquisitionOrigin.CAPITALISATION, reference="ATT-42")
    return enrolment


@pytest.fixture
def candidate(enrolment) -> Candidate:
    return enrolment.candidate


# -- export ------------------------------------------------------------------------------
def test_it_exports_everything_held(candidate, charlie):
    data = json.loads(json.dumps(candidate_export_data(candidate=candidate)))
    assert data["schema"]["version"] == 1
    assert data["identity"]["birth_name"] == "Martin"
    assert data["identity"]["usage_name"] == "Durand"
    assert data["identity"]["birth_date"] == "1990-05-17"
    assert data["identity"]["phone"] == "06 12 34 56 78"
    assert data["account"]["email"] == "charlie@certif.example"
    assert data["account"]["date_joined"]
    assert "last_login" in data["account"]
    assert data["account"]["email_addresses"][0]["verified"] is True
    [enrolment] = data["enrolments"]
    assert enrolment["target_blocs"][0]["code"].endswith("BC01")
    assert enrolment["accommodations"] == {
        "extra_time_percent": 33, "technical_aids": "Large print",
        "other_accommodations": "Quiet room", "jury_note": "Dyslexia: read the questions aloud",
    }
    assert enrolment["acquired_blocs"][0]["reference"] == "ATT-42"
    assert data["invitations"][0]["session_name"] == enrolment["session"]["name"]


def test_the_export_never_holds_the_password_hash(candidate, charlie):
    text = json.dumps(candidate_export_data(candidate=candidate))
    assert charlie.password not in text
    assert "password" not in text


def test_a_later_app_adds_its_section(candidate, monkeypatch):
    monkeypatch.setattr(rgpd, "EXPORT_SECTIONS",
                        [*rgpd.EXPORT_SECTIONS, lambda c: ("scores", [{"level": 2}])])
    assert candidate_export_data(candidate=candidate)["scores"] == [{"level": 2}]


def test_two_sections_with_one_name_are_an_error(candidate, monkeypatch):
    monkeypatch.setattr(rgpd, "EXPORT_SECTIONS",
                        [*rgpd.EXPORT_SECTIONS, lambda c: ("identity", {})])
    with pytest.raises(ValueError, match="identity"):
        candidate_export_data(candidate=candidate)


# -- erasure -----------------------------------------------------------------------------
def test_it_erases_exactly_what_the_law_does_not_require(candidate, alice):
    erased = candidate_erase(candidate=candidate, erased_by=alice, reason="Request of 3 March")
    assert erased.anonymised_at is not None
    assert (erased.email, erased.phone, erased.usage_name) == ("", "", "")
    assert erased.sex == "M"  # reported to the Caisse des Dépôts with the holder's identity
    assert (erased.birth_name, erased.first_names) == ("Martin", "Charlie Jean")
    assert erased.birth_date == datetime.date(1990, 5, 17)
    assert (erased.birth_commune, erased.birth_insee_code) == ("Lyon", "69123")
    enrolment = erased.enrolments.get()
    assert (enrolment.technical_aids, enrolment.other_accommodations, enrolment.jury_note) == (
        "", "", "")
    assert enrolment.target_blocs.count() == 1
    assert enrolment.acquired_blocs.get().reference == "ATT-42"
    record = ErasureRecord.objects.get(candidate=erased)
    assert (record.erased_by, record.reason) == (alice, "Request of 3 March")


def test_it_deactivates_and_scrambles_the_account(candidate, charlie, alice):
    candidate_erase(candidate=candidate, erased_by=alice, reason="Request")
    charlie.refresh_from_db()
    assert not charlie.is_active
    assert charlie.email.startswith("erased-")
    assert charlie.email.endswith("@invalid")
    assert not charlie.has_usable_password()
    assert (charlie.first_name, charlie.last_name) == ("", "")
    assert not EmailAddress.objects.filter(user=charlie).exists()


def test_the_erased_candidate_can_no_longer_sign_in(client, candidate, charlie, alice):
    client.force_login(charlie)
    assert client.get(reverse("candidates:my_data")).status_code == 200
    candidate_erase(candidate=candidate, erased_by=alice, reason="Request")
    assert client.get(reverse("candidates:my_data")).status_code == 302
    assert not client.login(email="charlie@certif.example", password=PASSWORD)


def test_a_second_erasure_is_refused(candidate, alice):
    candidate_erase(candidate=candidate, erased_by=alice, reason="Request")
    with pytest.raises(ValidationError) as raised:
        candidate_erase(candidate=Candidate.objects.get(pk=candidate.pk), erased_by=alice,
                        reason="Again")
    assert raised.value.code == "already_erased"
    assert ErasureRecord.objects.count() == 1


def test_a_reason_is_required(candidate, alice):
    with pytest.raises(ValidationError) as raised:
        candidate_erase(candidate=candidate, erased_by=alice, reason="   ")
    assert raised.value.code == "no_reason"
    candidate.refresh_from_db()
    assert candidate.anonymised_at is None


def test_the_same_person_may_enrol_again_after_erasure(candidate, alice):
    candidate_erase(candidate=candidate, erased_by=alice, reason="Request")
    again = services.candidate_create(identity=services.Identity(
        birth_name="Martin", first_names="Charlie Jean", birth_date=datetime.date(1990, 5, 17),
        birth_commune="Lyon", birth_insee_code="69123",
    ))
    assert again.pk != candidate.pk


# -- pages -------------------------------------------------------------------------------
def _urls(candidate: Candidate) -> list[str]:
    return [reverse(f"candidates:rgpd_{name}", args=[candidate.public_id])
            for name in ("detail", "export", "erase")]


def test_an_administrator_downloads_everything_held(client, alice, candidate):
    client.force_login(alice)
    page = client.get(reverse("candidates:rgpd_detail", args=[candidate.public_id]))
    assert page.status_code == 200
    assert reverse("candidates:rgpd_export", args=[candidate.public_id]) in page.text
    response = client.get(reverse("candidates:rgpd_export", args=[candidate.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    assert response.json()["identity"]["id"] == str(candidate.public_id)


def test_an_administrator_erases_after_confirming_with_a_reason(client, alice, candidate):
    client.force_login(alice)
    url = reverse("candidates:rgpd_erase", args=[candidate.public_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200
    candidate.refresh_from_db()
    assert candidate.anonymised_at is None
    response = client.post(url, {"reason": "Request of the candidate"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.anonymised_at is not None
    assert client.get(response.url).status_code == 200


def test_a_second_erasure_through_the_page_is_refused(client, alice, candidate):
    client.force_login(alice)
    url = reverse("candidates:rgpd_erase", args=[candidate.public_id])
    client.post(url, {"reason": "Request"})
    response = client.post(url, {"reason": "Again"}, follow=True)
    assert response.status_code == 200
    assert ErasureRecord.objects.count() == 1


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_only_administrators_reach_the_rgpd_pages(client, request, persona, candidate):
    client.force_login(request.getfixturevalue(persona))
    for url in _urls(candidate):
        assert client.get(url).status_code == 404
    assert client.post(_urls(candidate)[2], {"reason": "Mine"}).status_code == 404
    candidate.refresh_from_db()
    assert candidate.anonymised_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client, candidate):
    for url in [*_urls(candidate), reverse("candidates:my_data")]:
        assert client.get(url).status_code == 302


def test_a_candidate_downloads_their_own_data(client, charlie, candidate):
    client.force_login(charlie)
    response = client.get(reverse("candidates:my_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.json()["identity"]["id"] == str(candidate.public_id)


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_nobody_else_gets_a_candidates_data_as_their_own(client, request, persona, candidate):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("candidates:my_data")).status_code == 404


def test_dave_gets_his_data_not_charlies(client, dave, candidate):
    CandidateFactory(user=dave, email=dave.email, birth_name="Petit")
    client.force_login(dave)
    data = client.get(reverse("candidates:my_data")).json()
    assert data["identity"]["birth_name"] == "Petit"
    assert str(candidate.public_id) not in json.dumps(data)


# -- every copy (issue 15): the admin log, the audit trail, past imports, mail files ----------
ERASED_VALUES = ("Durand", "DURAND", "charlie@certif.example", "06 12 34 56 78", "Dyslexia",
                 "Large print", "Quiet room")


def holds_erased_value(text: str) -> list[str]:
    return [value for value in ERASED_VALUES if value.lower() in text.lower()]


def test_erasure_scrubs_djangos_admin_log(candidate, charlie, alice):
    from django.contrib.admin.models import CHANGE, LogEntry

    LogEntry.objects.log_actions(alice.pk, [candidate], CHANGE,
                                 change_message="Nom d'usage : Durand (mariage)")
    LogEntry.objects.log_actions(alice.pk, [charlie], CHANGE,
                                 change_message=[{"changed": {"fields": ["Email"]}}])
    LogEntry.objects.log_actions(alice.pk, [candidate.enrolments.get()], CHANGE,
                                 change_message="Aménagement : Quiet room")
    other = CandidateFactory(usage_name="Durand", user=None)  # someone else called Durand
    LogEntry.objects.log_actions(alice.pk, [other], CHANGE, change_message="Durand")
    # Entries are told apart by their content type AND id: ids of different models collide.
    other_entry = LogEntry.objects.get(object_id=str(other.pk), change_message="Durand")
    assert all(holds_erased_value(e.object_repr + e.change_message)
               for e in LogEntry.objects.exclude(user_id=None).exclude(
                   change_message__startswith="[").exclude(pk=other_entry.pk))

    candidate_erase(candidate=candidate, erased_by=alice, reason="Request of 3 March")

    about_charlie = LogEntry.objects.exclude(pk=other_entry.pk)
    assert about_charlie.count() == 3  # what was done stays, not who it named
    for entry in about_charlie:
        assert holds_erased_value(entry.object_repr + entry.change_message) == [], entry
    assert '[{"changed": {"fields": ["Email"]}}]' in [e.change_message for e in about_charlie]
    untouched = LogEntry.objects.get(pk=other_entry.pk)
    assert "Durand" in untouched.change_message


def test_erasure_scrubs_past_enrolment_imports(candidate, alice):
    from candidates.models import EnrolmentImport

    mine = {"birth_name": "Martin", "usage_name": "Durand", "first_names": "Charlie Jean",
            "birth_date": "1990-05-17", "email": "charlie@certif.example",
            "phone": "06 12 34 56 78", "technical_aids": "Large print",
            "other_accommodations": "Quiet room", "jury_note": "Dyslexia"}
    theirs = {**mine, "first_names": "Zoé", "email": "zoe@exemple.fr"}
    imported = EnrolmentImport.objects.create(
        session=candidate.enrolments.get().session, file_name="inscriptions.csv",
        rows=[{"number": 2, "values": mine, "errors": []},
              {"number": 3, "values": theirs, "errors": []}])
    candidate_erase(candidate=candidate, erased_by=alice, reason="Request of 3 March")
    imported.refresh_from_db()
    assert holds_erased_value(json.dumps(imported.rows[0])) == []
    assert imported.rows[0]["values"]["birth_name"] == "Martin"  # kept, as on the candidate
    assert imported.rows[1]["values"] == theirs


def test_erasure_scrubs_the_mail_files(candidate, alice, settings, tmp_path,
                                       django_capture_on_commit_callbacks):
    from django.core.mail import EmailMessage, get_connection

    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    connection.send_messages([
        EmailMessage("Invitation", "Bonjour Charlie DURAND, tél. 06 12 34 56 78",
                     to=["charlie@certif.example"]),
        EmailMessage("Invitation", "Bonjour Zoé Durand", to=["zoe@exemple.fr"]),
    ])
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(candidate=candidate, erased_by=alice, reason="Request of 3 March")
    text = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert holds_erased_value(text.replace("Zoé Durand", "")) == []
    assert "Bonjour Zoé Durand" in text  # another person's message stays as it was
    assert "Invitation" in text
