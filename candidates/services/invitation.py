"""The candidate's account and the e-mail that invites them to choose a password."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import is_candidate
from accounts.services import invitation_url, user_create
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
