"""Reads on users."""

from django.db.models import Q, QuerySet

from accounts.models import Role, User
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
