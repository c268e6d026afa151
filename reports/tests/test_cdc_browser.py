"""The declaration pages in a real Chromium: axe-core finds no WCAG 2.1 A/AA violation on
the « Déclarations » page (late session, rejected holder, flux), the flux page and the
identity page in its rectification mode. ``SCREENSHOT_DIR=...`` keeps a screenshot of each."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from django.urls import reverse

from deliberations.models import Deliberation
from deliberations.tests.deliberation_helpers import lock_opened
from reports.cdc_flux import cdc_flux_build, cdc_report_import
from reports.models import CdcPassage
from reports.tests.cdc_helpers import add_holders, configure, report_xml
from tests.browser import BROWSER_MARKS, axe_violations, open_page, session_cookie, sync_api

pytestmark = BROWSER_MARKS


def test_the_declaration_pages_have_no_violation(live_server, client, alice, signed):
    configure(signed.setup.session.referentiel.certification)
    add_holders(signed.deliberation, 2)
    flux = cdc_flux_build(by=alice, session=signed.setup.session).flux
    first, second, third = CdcPassage.objects.order_by("pk")
    cdc_report_import(content=report_xml(flux.id_flux, ok=[first.id_technique], ko=[
        (second.id_technique, "Aucun titulaire ne correspond aux critères obligatoires"),
        (third.id_technique, "Plusieurs titulaires ont été identifiés")]), by=alice)
    with lock_opened():
        Deliberation.objects.filter(pk=signed.deliberation.pk).update(
            signed_at=signed.deliberation.signed_at - datetime.timedelta(days=100))
    add_holders(signed.deliberation, 1)  # not declared yet: the session is late
    paths = {
        "cdc-declarations": reverse("reports:cdc_declarations"),
        "cdc-flux": reverse("reports:cdc_flux_detail", args=[flux.public_id]),
        "cdc-rectification": reverse("reports:cdc_passage_rectify", args=[second.public_id]),
        "cdc-session-hub": reverse("candidates:session_detail",
                                   args=[signed.setup.session.public_id]),
    }
    cookie = session_cookie(client, alice)
    seen = {}
    with sync_api.sync_playwright() as playwright:
        for name, path in paths.items():
            browser, page = open_page(playwright, live_server, cookie, path)
            try:
                if os.environ.get("SCREENSHOT_DIR"):
                    page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / f"{name}.png"),
                                    full_page=True)
                seen[name] = (axe_violations(page), page.inner_text("main"))
            finally:
                browser.close()
    assert {name: violations for name, (violations, _text) in seen.items()} == {
        name: [] for name in paths}
    assert "Rejected holders to fix" in seen["cdc-declarations"][1]
    assert "Rectification for the Caisse des Dépôts" in seen["cdc-rectification"][1]
    assert "Passages: 0 declared, 1 accepted, 2 rejected." in seen["cdc-session-hub"][1]

