"""``manage.py cdc_declaration``: build, import-report, status."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.models import CdcFlux, CdcPassage, CdcPassageState
from reports.tests.cdc_helpers import add_holders, configure, report_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def certification(signed):
    certification = signed.setup.session.referentiel.certification
    configure(certification)
    return certification


def run(*args: str) -> str:
    out = StringIO()
    call_command("cdc_declaration", "--language", "en", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_build_a_session_then_import_its_report_then_status(signed, certification,
                                                              tmp_path):
    add_holders(signed.deliberation, 1)
    target = tmp_path / "flux.xml"
    out = run("build", "--session", str(signed.setup.session.public_id), "-o", str(target))
    flux = CdcFlux.objects.get()
    assert f"Flux {flux.id_flux} ({certification.code}): 2 declared, 0 declared again." in out
    assert target.read_bytes() == bytes(flux.content)
    first, second = CdcPassage.objects.order_by("pk")
    report = tmp_path / "report.xml"
    report.write_bytes(report_xml(flux.id_flux, ok=[first.id_technique], ko=[
        (second.id_technique, "Aucun titulaire ne correspond aux critères obligatoires")]))
    assert f"Flux {flux.id_flux}: 1 accepted, 1 rejected." in run("import-report", str(report))
    status = run("status")
    assert "accepted: 1" in status
    assert "rejected: 1" in status
    assert second.id_technique in status


def test_a_period_build_writes_one_file_per_certification(signed, certification, tmp_path):
    today = datetime.date.today()
    out = run("build", "--period", f"{today - datetime.timedelta(days=3)}:{today}",
              "-o", str(tmp_path / "out"))
    flux = CdcFlux.objects.get()
    assert (tmp_path / "out" / flux.filename).read_bytes() == bytes(flux.content)
    assert "1 declared" in out


@pytest.mark.parametrize("args", [
    ("build", "--period", "2027-02-01:2027-01-01"),
    ("build", "--period", "yesterday"),
    ("build", "--session", "not-a-uuid"),
    ("build", "--period", "2001-01-01:2001-12-31"),
])
def test_bad_arguments_are_refused(signed, args):
    with pytest.raises(CommandError):
        run(*args)


def test_a_refused_build_or_report_exits_with_the_reasons(signed, tmp_path):
    with pytest.raises(CommandError):
        run("build", "--session", str(signed.setup.session.public_id))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<rapport><idFlux>nowhere</idFlux><PassagesOK><idTechnique>a"
                    b"</idTechnique></PassagesOK></rapport>")
    with pytest.raises(CommandError, match="nothing changed"):
        run("import-report", str(bad))
    assert not CdcFlux.objects.exists()
    assert set(CdcPassage.objects.values_list("state", flat=True)) <= {CdcPassageState.TO_DECLARE}
