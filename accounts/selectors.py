"""Reads on users."""

from django.db.models import QuerySet

from accounts.models import Role, User


def user_list_by_role(*, role: Role) -> QuerySet[User]:
    return User.objects.filter(role=role, is_active=True).order_by("email")
