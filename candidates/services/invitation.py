"""The candidate's account and the e-mail that invites them to choose a password."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
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
from accounts.permissions import is_candidate
from accounts.services import user_create
from candidates.models import Candidate, Session


def _ensure_account(candidate: Candidate) -> User:
    if candidate.user_id is not None:
        return candidate.user
    user = User.objects.filter(email__iexact=candidate.email).first()
    if user is None:
        user = user_create(
            email=candidate.email, role=Role.CANDIDATE, first_name=candidate.first_names,
            last_name=candidate.usage_name or candidate.birth_name,
        )
    if not is_candidate(user):
        raise ValidationError(
            _("%(email)s belongs to a staff or jury account: use another address.")
            % {"email": candidate.email}, code="email_taken",
        )
    candidate.user = user
    candidate.save(update_fields=["user"])
    return user


def invitation_url(user: User) -> str:
    """The link to choose a password (allauth's reset-from-key view, valid
    PASSWORD_RESET_TIMEOUT seconds)."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def candidate_invite(*, candidate: Candidate, session: Session) -> None:
    """Create the candidate's account if needed and e-mail them the link to choose a
    password; the mail leaves after the transaction commits."""
    if not candidate.email:
        raise ValidationError(_("This candidate has no e-mail address."), code="no_email")
    user = _ensure_account(candidate)
    context = {
        "candidate": candidate,
        "session": session,
        "certification": session.referentiel.certification,
        "url": invitation_url(user),
        "site_name": settings.CERTIFIER_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    # In the candidate's language; plain text, never HTML-escaped (templates autoescape off).
    with translation.override(candidate.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("candidates/email/invitation_subject.txt",
                                            context).split())
        body = render_to_string("candidates/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [candidate.email])
