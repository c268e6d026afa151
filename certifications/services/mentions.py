"""Writes on what documents print about a certification and its certifier (DESIGN.md §6):
the certification's legal mentions and the certifier's legal representative. Every
change is an audit event. Signed documents do not change with them: they read the
facts frozen at signing (``candidates.facts``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_manage_certifications
from accounts.services import audit_log
from certifications.models import Certification, Certifier

#: The certification fields an administrator completes on the legal mentions page.
MENTION_FIELDS = ("code", "title", "level", "eqf_level", "nsf_codes", "registration_date",
                  "registration_end_date", "last_issuing_date", "certifier_name",
                  "certifier_siret", "cdc_client_id", "cdc_contract_id")
#: Fields a signed deliberation has printed: completed when empty, never rewritten.
SETTLED_FIELDS = ("code", "title")
CERTIFIER_FIELDS = ("siret", "representative_name", "representative_quality")


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def certification_mentions_update(*, certification: Certification, by: User,
                                  values: dict[str, Any], signed: bool) -> Certification:
    """Complete or correct the legal mentions. When a signed deliberation stands on the
    certification (``signed``), its code and title are completed if empty, never
    rewritten (the documents already issued print them)."""
    if not may_manage_certifications(by):
        raise ValidationError(_("Only an administrator may do this."), code="forbidden")
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    old, new = {}, {}
    for name in MENTION_FIELDS:
        if name not in values:
            continue
        value, current = values[name], getattr(certification, name)
        if value == current:
            continue
        if signed and name in SETTLED_FIELDS and current:
            raise ValidationError(
                _("The %(field)s is printed on signed documents: it can no longer change.")
                % {"field": Certification._meta.get_field(name).verbose_name},
                code="settled")
        old[name], new[name] = _json(current), _json(value)
        setattr(certification, name, value)
    if new:
        certification.full_clean(validate_unique=True)
        certification.save()
        audit_log(actor=by, action="certification.mentions_changed", obj=certification,
                  old=old, new=new, context={"certification": str(certification.public_id)})
    return certification


@transaction.atomic
def certifier_update(*, certifier: Certifier, by: User, values: dict[str, Any],
                     signature: Any = None, logo: Any = None) -> Certifier:
    """The certifier's legal representative (who signs) and images; audited."""
    if not may_manage_certifications(by):
        raise ValidationError(_("Only an administrator may do this."), code="forbidden")
    certifier = Certifier.objects.select_for_update().get(pk=certifier.pk)
    legal_name = certifier.legal_name
    old = {name: getattr(certifier, name) for name in CERTIFIER_FIELDS}
    for name in CERTIFIER_FIELDS:
        if name in values:
            setattr(certifier, name, values[name])
    images = {}
    if signature is not None:
        certifier.signature = signature
        images["signature"] = getattr(signature, "name", "")
    if logo is not None:
        certifier.logo = logo
        images["logo"] = getattr(logo, "name", "")
    certifier.full_clean()
    certifier.save()
    new = {name: getattr(certifier, name) for name in CERTIFIER_FIELDS}
    changed = {k: v for k, v in new.items() if old[k] != v}
    if changed or images:
        audit_log(actor=by, action="certifier.changed", obj=certifier,
                  old={k: old[k] for k in changed}, new={**changed, **images},
                  context={"certifier": legal_name})
    return certifier


def certifiers_ensure() -> None:
    """A profile row for every certifier a certification names (or this installation's
    own), so each has a page where its signatory is filled in. Idempotent."""
    names = {c.certifier_legal_name
             for c in Certification.objects.only("certifier_name")}
    names.add(settings.CERTIFIER_NAME)
    known = set(Certifier.objects.values_list("legal_name", flat=True))
    Certifier.objects.bulk_create([Certifier(legal_name=n) for n in sorted(names - known)],
                                  ignore_conflicts=True)
