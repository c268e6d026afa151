"""Writes on users. Every function is keyword-only and transactional."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import Role, User
from accounts.permissions import grants_admin_site


@transaction.atomic
def user_create(
    *,
    email: str,
    role: Role,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email_verified: bool = False,
) -> User:
    """Create a user with a role; administrators get access to the Django admin."""
    user = User.objects.create_user(
        email=email,
        password=password,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=grants_admin_site(role),
        is_superuser=grants_admin_site(role),
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


@transaction.atomic
def user_ensure(
    *,
    email: str,
    role: Role,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, bool]:
    """Create the user unless one with that e-mail exists (demo data, idempotent)."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    user = user_create(
        email=email,
        role=role,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email_verified=True,
    )
    return user, True


def user_email_mark_verified(*, user: User) -> None:
    """The user proved they read the mailbox (they used a link sent to it)."""
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


def audit_log(
    *,
    actor: User | None,
    action: str,
    obj: object,
    old: dict | None = None,
    new: dict | None = None,
    context: dict | None = None,
    ip_address: str | None = None,
) -> None:
    """Record one change in the append-only audit trail.

    ``action`` is namespaced ("score.recorded", "assignment.created"); ``obj`` is the
    model instance changed; ``context`` holds public ids to filter on (session, candidate).
    """
    from accounts.models import AuditEvent

    meta = obj._meta  # type: ignore[attr-defined]
    AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        ip_address=ip_address or None,
        action=action,
        object_type=f"{meta.app_label}.{meta.model_name}",
        object_id=str(obj.pk),  # type: ignore[attr-defined]
        old=old,
        new=new,
        context=context or {},
    )
