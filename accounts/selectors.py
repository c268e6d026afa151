"""Reads on users."""

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import AuditEvent, Role, User
from accounts.permissions import administered_scope


def user_list_by_role(*, role: Role) -> QuerySet[User]:
    return User.objects.filter(role=role, is_active=True).order_by("email")


def user_list(*, viewer: User, role: str = "", query: str = "") -> QuerySet[User]:
    """Every account, for administrators (nothing for anyone else): by role, then
    name/e-mail containing ``query``; sorted by last name, first name, e-mail."""
    users = User.objects.filter(administered_scope(viewer))
    if role:
        users = users.filter(role=role)
    for word in query.split():
        users = users.filter(Q(email__icontains=word) | Q(first_name__icontains=word)
                             | Q(last_name__icontains=word))
    return users.order_by("last_name", "first_name", "email")


def user_get(*, viewer: User, pk: int) -> User:
    """One account, for administrators; ``User.DoesNotExist`` otherwise."""
    return User.objects.filter(administered_scope(viewer)).get(pk=pk)


def user_invitation_language(*, user: User) -> str:
    """The language of the last invitation sent to ``user`` from the users page (the
    default language otherwise)."""
    event = (AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk),
                                       action__in=["user.invited", "user.invitation_resent"])
             .order_by("-at", "-id").only("new").first())
    if event is None:
        return settings.LANGUAGE_CODE
    return (event.new or {}).get("language", settings.LANGUAGE_CODE)
