"""Users and their role. E-mail is the login; there is no username."""

import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    JURY = "jury", _("Jury member")
    CANDIDATE = "candidate", _("Candidate")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    # PII: e-mail, first and last name.
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CANDIDATE)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    # Who may do what is answered by accounts/permissions.py (is_administrator(user), …).


class AuditEvent(models.Model):
    """One recorded change: who, when, from which address, what, old → new.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger
    (migration 0002) refuses them in the database too. Every app records its changes
    through ``accounts.services.audit_log``.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # PROTECT: a user with recorded actions is deactivated, never deleted.
    actor = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("who"),
    )
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)  # "score.recorded"
    object_type = models.CharField(_("object type"), max_length=100)  # "assessments.score"
    object_id = models.CharField(_("object"), max_length=64)
    old = models.JSONField(_("before"), null=True, blank=True)
    new = models.JSONField(_("after"), null=True, blank=True)
    # Where it happened, for filtering: {"session": "<uuid>", "candidate": "<uuid>", ...}
    context = models.JSONField(_("context"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The audit page: newest first, filtered by session or candidate (JSON keys);
            # at two million events a filter without them reads every row's JSON.
            models.Index(fields=["-at", "-id"], name="audit_newest_first"),
            models.Index(KeyTransform("session", "context"), name="audit_context_session"),
            models.Index(KeyTransform("candidate", "context"), name="audit_context_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")


class ApiTokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A secret an integration sends as ``Authorization: Bearer <token>`` to act with its
    owner's rights (docs/api.md). Only a SHA-256 of the secret is kept: the secret is shown
    once, at creation. Revocation is a date, never a delete (the audit trail points here)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        "User", on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("scope"), max_length=10, choices=ApiTokenScope.choices, default=ApiTokenScope.READ,
    )
    # The first characters of the secret, to recognise a token in lists and logs.
    prefix = models.CharField(_("starts with"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_read_only(self) -> bool:
        return self.scope == ApiTokenScope.READ
