"""Writes on the partners of a certification: the organisations habilitated to prepare for
it or to organise its assessment (the fiche's PARTENAIRES, or entered by hand). Every
change by hand is an audit event; an import keeps the fiche's list by SIRET."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_manage_certifications
from accounts.services import audit_log
from certifications.importers.draft import PartnerDraft
from certifications.models import Certification, Partner, PartnerSource

#: What an administrator sets on a partner.
PARTNER_FIELDS = ("legal_name", "siret", "kind", "starts_on", "ends_on", "active")


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _allowed(by: User) -> None:
    if not may_manage_certifications(by):
        raise ValidationError(_("Only an administrator may do this."), code="forbidden")


def _save(partner: Partner) -> None:
    partner.full_clean(validate_unique=False, validate_constraints=False)
    if Partner.objects.filter(certification_id=partner.certification_id,
                              siret=partner.siret).exclude(pk=partner.pk).exists():
        raise ValidationError({"siret": _("This certification already has a partner with "
                                          "this SIRET.")}, code="duplicate_siret")
    partner.save()


@transaction.atomic
def partner_create(*, certification: Certification, by: User,
                   values: dict[str, Any]) -> Partner:
    _allowed(by)
    partner = Partner(certification=certification, source=PartnerSource.MANUAL,
                      **{k: v for k, v in values.items() if k in PARTNER_FIELDS})
    _save(partner)
    audit_log(actor=by, action="partner.created", obj=partner,
              new={k: _json(getattr(partner, k)) for k in PARTNER_FIELDS},
              context={"certification": str(certification.public_id)})
    return partner


@transaction.atomic
def partner_update(*, partner: Partner, by: User, values: dict[str, Any]) -> Partner:
    """Correct a partner; its source stays (a re-import updates it again by SIRET)."""
    _allowed(by)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    old, new = {}, {}
    for name in PARTNER_FIELDS:
        if name in values and values[name] != getattr(partner, name):
            old[name], new[name] = _json(getattr(partner, name)), _json(values[name])
            setattr(partner, name, values[name])
    if new:
        _save(partner)
        audit_log(actor=by, action="partner.changed", obj=partner, old=old, new=new,
                  context={"certification": str(partner.certification.public_id)})
    return partner


def partner_deactivate(*, partner: Partner, by: User) -> Partner:
    """A partner is never deleted (sessions name it): it is made inactive."""
    return partner_update(partner=partner, by=by, values={"active": False})


def partners_import(*, certification: Certification, drafts: list[PartnerDraft] | None) -> None:
    """Bring the certification's partners in line with a fiche, inside the import's
    transaction: updated by SIRET, added, and those imported before that the fiche no
    longer names made inactive. Partners entered by hand are updated only when the fiche
    names their SIRET. ``None`` (the format says nothing of partners) changes nothing."""
    if drafts is None:
        return
    current = {p.siret: p for p in Partner.objects.select_for_update()
               .filter(certification=certification)}
    named = set()
    changed, added = [], []
    for draft in drafts:
        named.add(draft.siret)
        values = {"legal_name": draft.legal_name, "kind": draft.kind,
                  "starts_on": draft.starts_on, "ends_on": draft.ends_on,
                  "active": draft.active, "source": PartnerSource.RNCP}
        partner = current.get(draft.siret)
        if partner is None:
            added.append(Partner(certification=certification, siret=draft.siret, **values))
        elif any(getattr(partner, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(partner, key, value)
            changed.append(partner)
    for siret, partner in current.items():
        if siret not in named and partner.source == PartnerSource.RNCP and partner.active:
            partner.active = False
            changed.append(partner)
    Partner.objects.bulk_create(added)
    Partner.objects.bulk_update(
        changed, ["legal_name", "kind", "starts_on", "ends_on", "active", "source"])


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def partner_check_for_session(*, partner: Partner | None, certification: Certification,
                              starts_on: datetime.date, ends_on: datetime.date) -> None:
    """A session is opened for a partner only if the partner is habilitated to organise
    the assessment of this certification on every day of it; the refusal is a
    ValidationError on ``partner`` saying why."""
    if partner is None:
        return
    if partner.certification_id != certification.pk:
        message = _("%(partner)s is not a partner of this certification.")
    elif not partner.active:
        message = _("%(partner)s is no longer an active partner of this certification.")
    elif not partner.may_organise:
        message = _("%(partner)s is habilitated to prepare candidates, not to organise the "
                    "assessment.")
    elif not partner.organises_between(starts_on, ends_on):
        if partner.starts_on and partner.ends_on:
            message = _("%(partner)s is habilitated to organise the assessment from "
                        "%(start)s to %(end)s only: the session must fall within these dates.")
        elif partner.starts_on:
            message = _("%(partner)s is habilitated to organise the assessment from "
                        "%(start)s only: the session must not start before.")
        else:
            message = _("%(partner)s is habilitated to organise the assessment until "
                        "%(end)s only: the session must end by then.")
    else:
        return
    raise ValidationError({"partner": ValidationError(
        message % {"partner": partner.legal_name,
                   "start": _day(partner.starts_on) if partner.starts_on else "",
                   "end": _day(partner.ends_on) if partner.ends_on else ""},
        code="partner_not_habilitated")})
