"""The issuer's public keys and the credential issued with each certificate and bloc
attestation (issue 19). No private key is ever stored here: the signing key is a file
named by ``CREDENTIAL_KEY_PATH`` (``credentials.keys``); its public half is recorded the
first time it signs, so credentials signed before a rotation still verify."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.models import Document


class IssuerKey(models.Model):
    """A public key the issuer signed credentials with, published at ``/.well-known/jwks.json``."""

    kid = models.CharField(_("key id (JWK thumbprint)"), max_length=64, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=10)
    public_jwk = models.JSONField(_("public key (JWK)"))
    public_pem = models.TextField(_("public key (PEM)"))
    created_at = models.DateTimeField(_("first used"), auto_now_add=True)
    retired_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    retired_reason = models.TextField(_("why withdrawn"), blank=True)

    class Meta:
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"


class Credential(models.Model):
    """The signed Open Badges 3.0 credential (a VC-JWT) of one issued document."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.OneToOneField(Document, on_delete=models.PROTECT,
                                    related_name="credential", verbose_name=_("document"))
    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="credentials",
                            verbose_name=_("signed with"))
    # Its bit in the revocation list ``/credentials/status/<status_list>``: drawn at random
    # so that neighbouring bits say nothing of neighbouring holders.
    status_list = models.PositiveIntegerField(_("status list"), default=1)
    status_index = models.PositiveIntegerField(_("status list index"))
    token = models.TextField(_("signed credential (VC-JWT)"))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("digital credential")
        verbose_name_plural = _("digital credentials")
        constraints = [models.UniqueConstraint(fields=["status_list", "status_index"],
                                               name="credential_status_bit_once")]

    def __str__(self) -> str:
        return f"urn:uuid:{self.public_id}"

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.public_id}"
