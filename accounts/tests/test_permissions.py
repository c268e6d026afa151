"""Who may do what: each capability of accounts/permissions.py allowed and refused, and no
other module deciding by comparing roles."""

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.utils import timezone

from accounts import permissions as perm
from accounts.tests.factories import AdminFactory, JuryMemberFactory, UserFactory
from candidates.tests.factories import EnrolmentFactory
from deliberations.models import Deliberation
from juries.models import Jury
from juries.tests.factories import MemberFactory, SittingFactory, assign
from reports.models import Document, DocumentKind

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people():
    sitting = SittingFactory()
    session = sitting.assessment.session
    president, member = MemberFactory(), MemberFactory()
    assign(sitting, member)
    jury = Jury.objects.get(session=session)
    jury.members.add(president)
    jury.president = president
    jury.save()
    return {
        "sitting": sitting, "session": session, "president": president.user,
        "member": member.user, "admin": AdminFactory(), "candidate": UserFactory(),
        "anonymous": AnonymousUser(), "other_jury": MemberFactory().user,
        "jury_without_profile": JuryMemberFactory(),
    }


def test_role_predicates(people):
    assert perm.is_administrator(people["admin"])
    assert perm.is_jury_member(people["member"])
    assert perm.is_candidate(people["candidate"])
    for name in ("member", "candidate", "anonymous"):
        assert not perm.is_administrator(people[name])
    for name in ("admin", "candidate", "anonymous"):
        assert not perm.is_jury_member(people[name])
    for name in ("admin", "member", "anonymous"):
        assert not perm.is_candidate(people[name])


def test_role_predicates_read_the_role_not_the_staff_flags():
    staff_candidate = UserFactory(is_staff=True, is_superuser=True)
    assert not perm.is_administrator(staff_candidate)
    assert not perm.may_issue_documents(staff_candidate)


@pytest.mark.parametrize("capability", [
    perm.may_manage_session, perm.may_read_scores, perm.may_deliberate])
def test_administrator_capabilities_on_a_session(people, capability):
    assert capability(people["admin"], people["session"])
    for name in ("member", "candidate", "anonymous", "other_jury"):
        assert not capability(people[name], people["session"]), name


def test_may_manage_session_is_not_the_presidents(people):
    assert not perm.may_manage_session(people["president"], people["session"])


@pytest.mark.parametrize("capability", [perm.may_read_scores, perm.may_deliberate])
def test_the_president_reads_scores_and_deliberates(people, capability):
    assert capability(people["president"], people["session"])
    other_session = SittingFactory().assessment.session
    assert not capability(people["president"], other_session)


def test_only_the_president_signs(people):
    assert perm.may_sign(people["president"], people["session"])
    for name in ("admin", "member", "candidate", "anonymous", "other_jury"):
        assert not perm.may_sign(people[name], people["session"]), name


def test_only_assigned_members_score(people):
    assert perm.may_score_sitting(people["member"], people["sitting"])
    for name in ("admin", "president", "candidate", "anonymous", "other_jury",
                 "jury_without_profile"):
        assert not perm.may_score_sitting(people[name], people["sitting"]), name


def test_the_president_present_at_signing_amends_not_the_administrator(people):
    deliberation = Deliberation.objects.create(
        session=people["session"], status=Deliberation.Status.SIGNED, signed_at=timezone.now())
    president = people["president"].jury_member
    deliberation.members_present.add(president, people["member"].jury_member)
    assert perm.may_amend(people["president"], deliberation)
    for name in ("admin", "member", "candidate", "anonymous", "other_jury"):
        assert not perm.may_amend(people[name], deliberation), name


def test_a_president_absent_at_signing_does_not_amend(people):
    deliberation = Deliberation.objects.create(
        session=people["session"], status=Deliberation.Status.SIGNED, signed_at=timezone.now())
    deliberation.members_present.add(people["member"].jury_member)
    assert not perm.may_amend(people["president"], deliberation)


def test_the_holder_reads_a_document_once_results_are_published(people):
    enrolment = EnrolmentFactory(session=people["session"])
    holder = enrolment.candidate.user
    document = Document(kind=DocumentKind.CERTIFICATE, enrolment=enrolment,
                        session=people["session"])
    assert perm.may_read_document(people["admin"], document)
    assert not perm.may_read_document(holder, document)  # not published yet
    people["session"].results_published_at = timezone.now()
    assert perm.may_read_document(holder, document)
    for name in ("member", "president", "candidate", "anonymous"):
        assert not perm.may_read_document(people[name], document), name


@pytest.mark.parametrize("capability", [
    perm.may_issue_documents, perm.may_read_audit, perm.may_manage_tokens,
    perm.may_carry_rattrapage, perm.may_manage_certifications,
    perm.may_read_internal_reasons])
def test_administrator_only_capabilities(people, capability):
    assert capability(people["admin"])
    for name in ("member", "president", "candidate", "anonymous"):
        assert not capability(people[name]), name


def test_an_inactive_administrator_does_not_manage_tokens():
    assert not perm.may_manage_tokens(AdminFactory(is_active=False))


def test_scopes(people):
    from accounts.models import User
    everyone = User.objects.count()
    assert User.objects.filter(perm.administered_scope(people["admin"])).count() == everyone
    assert not User.objects.filter(perm.administered_scope(people["member"])).exists()
    mine = perm.by_role(people["member"], admin=None, jury=perm.Q(pk=people["member"].pk))
    assert list(User.objects.filter(mine)) == [people["member"]]
    assert not User.objects.filter(perm.by_role(people["anonymous"], admin=perm.Q())).exists()
    assert not User.objects.filter(perm.by_role(people["candidate"], admin=perm.Q())).exists()


def test_require_raises_the_services_refusal():
    perm.require(True)
    with pytest.raises(PermissionDenied, match="No"):
        perm.require(False, "No.")


def test_template_tags(people):
    template = Template("{% load permissions %}{% if user|is_administrator %}A{% endif %}"
                        "{% if user|is_jury_member %}J{% endif %}")
    assert template.render(Context({"user": people["admin"]})) == "A"
    assert template.render(Context({"user": people["member"]})) == "J"
    assert template.render(Context({"user": people["anonymous"]})) == ""


# -- nobody else decides by comparing roles --------------------------------------------------
ROLE_COMPARISON = re.compile(
    r"role\s*(==|!=)\s*Role\.|role\s+(not\s+)?in\s*[(\[{]|"
    r"def\s+_is_administrator\b|def\s+_require_admin\b|Role\.(ADMIN|JURY|CANDIDATE)\s*(==|!=)")
TEMPLATE_ROLE_COMPARISON = re.compile(r"\.role\s*(==|!=)")
LITERAL_ROLE_COMPARISON = re.compile(r"\.role\s*(==|!=)\s*[\"']|\.role\s+(not\s+)?in\s*[(\[{]")
SKIPPED_DIRS = {".venv", "var", "tmp", "node_modules", "migrations", "tests", "demo", "bench",
                ".git", "static", "locale"}
SKIPPED_FILES = {ROOT / "accounts" / "permissions.py", ROOT / "accounts" / "models.py"}


def _scanned(pattern: str) -> list[Path]:
    found = []
    for path in ROOT.rglob(pattern):
        relative = path.relative_to(ROOT)
        if set(relative.parts[:-1]) & SKIPPED_DIRS or path in SKIPPED_FILES:
            continue
        if "factories" in path.name or "demo" in path.name or path.name.startswith("test_"):
            continue
        found.append(path)
    return found


def _knows_the_roles(path: Path) -> bool:
    """The module imports the users' Role (not, say, the document parser's own Role)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.ImportFrom) and node.module == "accounts.models"
               and any(alias.name == "Role" for alias in node.names)
               for node in ast.walk(tree))


def test_no_other_module_decides_by_comparing_roles():
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _scanned("*.py") if _knows_the_roles(path) or "_require_admin" in
        path.read_text(encoding="utf-8") or "_is_administrator" in path.read_text(encoding="utf-8")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_COMPARISON.search(line)
    ]
    offences += [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _scanned("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LITERAL_ROLE_COMPARISON.search(line)
    ]
    offences += [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _scanned("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_ROLE_COMPARISON.search(line)
    ]
    assert not offences, "ask accounts/permissions.py instead:\n" + "\n".join(offences)
