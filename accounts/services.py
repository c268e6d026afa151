"""Writes on users. Every function is keyword-only and transactional."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import grants_admin_site, is_administrator, is_jury_member, require


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


# -- invitations: an account without a password and the link to choose one ---------------------
def invitation_url(user: User) -> str:
    """The link to choose a password (allauth's reset-from-key view, valid
    PASSWORD_RESET_TIMEOUT seconds)."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return f"{settings.SITE_URL}{path}"


def _email_taken(email: str) -> ValidationError:
    return ValidationError({"email": _("An account with the address %(email)s already exists.")
                            % {"email": email}}, code="email_taken")


@transaction.atomic
def user_invited_account(
    *, email: str, role: Role, first_name: str = "", last_name: str = "", reuse: bool = True,
) -> tuple[User, bool]:
    """The account an invitation goes to: a new one with ``role`` and no password, or,
    with ``reuse``, the existing account with that e-mail if it has ``role`` (never a
    second account). Another role's account with that e-mail is refused (on ``email``).
    Returns the account and whether it was created."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return user_create(email=email, role=role, first_name=first_name.strip(),
                           last_name=last_name.strip()), True
    if not reuse:
        raise _email_taken(email)
    if user.role != role:
        raise ValidationError({"email": _(
            "%(email)s belongs to an account with another role (%(role)s): use another "
            "address.") % {"email": email, "role": user.get_role_display()}},
            code="email_taken")
    return user, False


def _send_account_invitation(user: User, language: str, by: User) -> None:
    context = {
        "user": user, "invited_by": by,
        "url": invitation_url(user), "site_name": settings.CERTIFIER_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    # Plain text, never HTML-escaped (the templates turn autoescape off).
    with translation.override(language or settings.LANGUAGE_CODE):
        context["role"] = user.get_role_display()  # the role in the mail's language
        subject = " ".join(render_to_string("accounts/email/invitation_subject.txt",
                                            context).split())
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


INVITABLE_ROLES = (Role.ADMIN, Role.JURY)


@transaction.atomic
def user_invite(
    *, email: str, first_name: str, last_name: str, role: Role, language: str, by: User,
    ip_address: str | None = None,
) -> User:
    """Create an administrator's or a jury member's account without a password and e-mail
    them the link to choose one, in ``language``. An existing address is refused (candidates
    get their account when enrolled; a jury member joins a jury from the jury page)."""
    require(is_administrator(by))
    if role not in INVITABLE_ROLES:
        raise ValidationError({"role": _("Only administrators and jury members are invited "
                                         "here; candidates are invited when enrolled.")},
                              code="role")
    existing = User.objects.filter(email__iexact=email.strip()).first()
    if existing is not None and is_jury_member(existing):
        raise ValidationError({"email": _(
            "%(email)s is already the account of a jury member (%(name)s): add them to a "
            "session's jury from its jury page.") % {"email": existing.email,
                                                      "name": existing}}, code="email_taken")
    user, _created = user_invited_account(email=email, role=role, first_name=first_name,
                                          last_name=last_name, reuse=False)
    audit_log(actor=by, action="user.invited", obj=user,
              new={"email": user.email, "role": role, "language": language},
              ip_address=ip_address)
    _send_account_invitation(user, language, by)
    return user


@transaction.atomic
def user_invitation_resend(
    *, user: User, language: str, by: User, ip_address: str | None = None,
) -> None:
    """A new link to choose a password, while the account has none (the earlier link may
    have expired)."""
    require(is_administrator(by))
    if user.has_usable_password():
        raise ValidationError(_("%(user)s has already chosen a password: they sign in, or "
                                "use “Forgot your password?” on the sign-in page.")
                              % {"user": user}, code="has_password")
    if not user.is_active:
        raise ValidationError(_("This account is deactivated: reactivate it first."),
                              code="inactive")
    audit_log(actor=by, action="user.invitation_resent", obj=user,
              new={"email": user.email, "language": language}, ip_address=ip_address)
    _send_account_invitation(user, language, by)


# -- role and activation ---------------------------------------------------------------------
def _other_active_administrators(user: User) -> bool:
    """Another active administrator remains besides ``user`` (rows locked, so two
    administrators demoting each other at once cannot both succeed)."""
    admins = list(User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
                  .exclude(pk=user.pk).values_list("pk", flat=True))
    return bool(admins)


def _refuse_removing_administrator(user: User, by: User, message_self: str) -> None:
    if user.pk == by.pk:
        raise ValidationError(message_self, code="self")
    if is_administrator(user) and user.is_active and not _other_active_administrators(user):
        raise ValidationError(_("%(user)s is the last active administrator: nobody could "
                                "manage the platform any more.") % {"user": user},
                              code="last_admin")


@transaction.atomic
def user_role_change(
    *, user: User, role: Role, by: User, ip_address: str | None = None,
) -> User:
    """Between administrator and jury member only: a candidate's account belongs to their
    enrolments, and a jury member who sits on a jury keeps their role. An administrator
    never demotes themself; the last active administrator stays one."""
    require(is_administrator(by))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return user
    if user.role not in INVITABLE_ROLES or role not in INVITABLE_ROLES:
        raise ValidationError({"role": _("Only an administrator can become a jury member and "
                                         "a jury member an administrator; a candidate's "
                                         "account keeps its role.")}, code="role")
    if is_administrator(user):
        _refuse_removing_administrator(
            user, by, _("You cannot remove your own administrator role: ask another "
                        "administrator."))
    elif hasattr(user, "jury_member"):
        raise ValidationError({"role": _(
            "%(user)s has a jury member profile (juries, scores, signatures): they keep the "
            "jury member role. Invite the administrator with another address.")
            % {"user": user}}, code="jury_profile")
    old = {"role": user.role}
    user.role = role
    user.is_staff = user.is_superuser = grants_admin_site(role)
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    audit_log(actor=by, action="user.role_changed", obj=user, old=old, new={"role": role},
              ip_address=ip_address)
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User, ip_address: str | None = None) -> User:
    """The account can no longer sign in (its open sessions end at the next request); its
    records — enrolments, scores, signatures, audit entries — stay as they are."""
    require(is_administrator(by))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    _refuse_removing_administrator(
        user, by, _("You cannot deactivate your own account: ask another administrator."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_log(actor=by, action="user.deactivated", obj=user, old={"is_active": True},
              new={"is_active": False}, ip_address=ip_address)
    return user


@transaction.atomic
def user_reactivate(*, user: User, by: User, ip_address: str | None = None) -> User:
    require(is_administrator(by))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_log(actor=by, action="user.reactivated", obj=user, old={"is_active": False},
              new={"is_active": True}, ip_address=ip_address)
    return user
