"""Who may do what, answered in one place (DESIGN.md §8).

Every selector, service, view, API permission and template asks this module instead of
comparing roles itself. ``accounts`` is the lowest app: nothing here imports a higher one;
the capabilities take the objects (a session, a sitting, a deliberation, a document) and
follow their relationships by name.

Refusals keep the project's answers: services raise ``PermissionDenied`` (through
``require``), pages and the API answer 404 for what is out of reach.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Role

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from rest_framework.request import Request
    from rest_framework.views import APIView


# -- roles --------------------------------------------------------------------------------------
def _has_role(user: Any, role: str) -> bool:
    return bool(user is not None and user.is_authenticated and user.role == role)


def is_administrator(user: Any) -> bool:
    """A signed-in administrator (the certifier's staff)."""
    return _has_role(user, Role.ADMIN)


def is_jury_member(user: Any) -> bool:
    """A signed-in account with the jury member role (it may have no member profile yet)."""
    return _has_role(user, Role.JURY)


def is_candidate(user: Any) -> bool:
    return _has_role(user, Role.CANDIDATE)


def is_administrator_or_jury(user: Any) -> bool:
    """Administrators and jury members: the people who run and score sessions."""
    return is_administrator(user) or is_jury_member(user)


def grants_admin_site(role: str) -> bool:
    """Accounts created with this role get the Django admin site (staff, superuser)."""
    return role == Role.ADMIN


# -- capabilities on objects --------------------------------------------------------------------
def presides(user: Any, session: Any) -> bool:
    """``user`` is the president of ``session``'s jury."""
    if not is_jury_member(user):
        return False
    return type(session).objects.filter(pk=session.pk, jury__president__user=user).exists()


def may_manage_session(user: Any, session: Any = None) -> bool:
    """Create and change sessions, their épreuves, jury, sittings, assignments and
    enrolments: administrators."""
    return is_administrator(user)


def may_score_sitting(user: Any, sitting: Any) -> bool:
    """Score a sitting: the jury members assigned to it, nobody else."""
    return is_jury_member(user) and sitting.assignments.filter(member__user=user).exists()


def may_open_assessment_early(user: Any) -> bool:
    """Opening an épreuve to scoring before its date: administrators only (recorded)."""
    return is_administrator(user)


def may_read_scores(user: Any, session: Any) -> bool:
    """Read every member's scores of a session side by side: administrators and the
    president of its jury."""
    return is_administrator(user) or presides(user, session)


def may_read_jury_note(user: Any) -> bool:
    """Read an enrolment's note for the jury: administrators and jury members (on the
    grid), never the candidate it is about."""
    return is_administrator_or_jury(user)


def may_deliberate(user: Any, session: Any) -> bool:
    """Propose the deliberation and publish its results: the president or an
    administrator."""
    return is_administrator(user) or presides(user, session)


def may_sign(user: Any, session: Any) -> bool:
    """Decide and sign: the president of the jury only."""
    return presides(user, session)


def may_amend(user: Any, deliberation: Any) -> bool:
    """Amend a signed deliberation: the president of the jury that signed, among the
    members present at the signature (docs/decisions/0004-who-amends.md). Administrators
    read; they do not amend."""
    return is_jury_member(user) and deliberation.members_present.filter(
        user=user, presided__session=deliberation.session_id).exists()


def may_carry_rattrapage(user: Any) -> bool:
    """Enrol a candidate in a later session for what is left: administrators."""
    return is_administrator(user)


def may_read_document(user: Any, document: Any) -> bool:
    """Administrators read every document; the holder reads theirs once the session's
    results are published (DESIGN.md §5)."""
    if is_administrator(user):
        return True
    if user is None or not user.is_authenticated:
        return False
    return (document.enrolment.candidate.user_id == user.pk
            and document.session.results_published_at is not None)


def may_issue_documents(user: Any) -> bool:
    """Issue, revoke, reissue and export documents: administrators."""
    return is_administrator(user)


def may_read_internal_reasons(user: Any) -> bool:
    """Why the certifier revoked a document, beyond the public reason: administrators."""
    return is_administrator(user)


def may_manage_certifications(user: Any) -> bool:
    """Import référentiels, edit certifiers and mentions: administrators."""
    return is_administrator(user)


def may_read_audit(user: Any) -> bool:
    return is_administrator(user)


def may_manage_tokens(user: Any) -> bool:
    """Create and revoke API tokens: active administrators."""
    return is_administrator(user) and bool(user.is_active)


# -- scopes for selectors -----------------------------------------------------------------------
NOTHING = Q(pk__in=[])


def administered_scope(user: Any) -> Q:
    """Everything for an administrator, nothing for anyone else: ``qs.filter(scope)``."""
    return Q() if is_administrator(user) else NOTHING


def by_role(user: Any, *, admin: Q | None = None, jury: Q | None = None,
            candidate: Q | None = None) -> Q:
    """The filter for ``user``'s role (``None``: nothing); anonymous users get nothing."""
    scope = None
    if is_administrator(user):
        scope = admin
    elif is_jury_member(user):
        scope = jury
    elif is_candidate(user):
        scope = candidate
    return NOTHING if scope is None else scope


# -- refusing -----------------------------------------------------------------------------------
def require(allowed: bool, message: str | None = None) -> None:
    """The services' refusal: ``PermissionDenied`` (the views answer 404, DESIGN.md §8)."""
    if not allowed:
        raise PermissionDenied(message) if message is not None else PermissionDenied


def administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the administrators': anyone else signed in is told it does not exist;
    anonymous visitors are sent to sign in."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_administrator(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


# -- the API (the view base saying 404 to signed-in non-administrators is config.api's
# AdministratorAPIView) ------------------------------------------------------------------------
class IsAdministrator(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_administrator(request.user)


class AdministratorWrites(BasePermission):
    """Everyone signed in reads (through the selectors); administrators write."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or is_administrator(request.user)


class AdministratorWritesObject(BasePermission):
    """For a detail view whose writes all look the object up (``get_object``): the lookup
    goes through the view's queryset, the selector, first — an object out of reach is a
    404 (DESIGN §8) — then only administrators write an object in reach (a 403)."""

    def has_object_permission(self, request: Request, view: APIView, obj: object) -> bool:
        return request.method in SAFE_METHODS or is_administrator(request.user)
