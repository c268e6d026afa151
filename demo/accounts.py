"""Demo users, one per role (embedded mode only; never run in production)."""

from dataclasses import dataclass

from accounts.models import Role, User
from accounts.services import user_ensure


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    first_name: str
    last_name: str


DEMO_LOGINS = (
    DemoLogin(Role.ADMIN, "admin@certif.example", "demo-admin-2026", "Alice", "Martin"),
    DemoLogin(Role.JURY, "jury@certif.example", "demo-jury-2026", "Bruno", "Lefèvre"),
    DemoLogin(Role.CANDIDATE, "candidat@certif.example", "demo-candidat-2026", "Chloé", "Bernard"),
)


def load() -> list[tuple[DemoLogin, User, bool]]:
    """Create the demo users that do not exist yet; returns (login, user, created)."""
    loaded = []
    for login in DEMO_LOGINS:
        user, created = user_ensure(
            email=login.email,
            role=login.role,
            password=login.password,
            first_name=login.first_name,
            last_name=login.last_name,
        )
        loaded.append((login, user, created))
    return loaded
