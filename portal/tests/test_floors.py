"""The house plan holds: no app imports an app above it (INSTALLED_APPS lists the project's
apps from the bottom of the dependency order to the top, DESIGN.md §3), and nothing below
the portal, not even a test, imports the portal."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def floors() -> list[str]:
    """The project's own apps, bottom first, as INSTALLED_APPS orders them."""
    return [config.name for config in apps.get_app_configs()
            if Path(config.path).resolve().parent == BASE_DIR.resolve()]


def imported_apps(module: Path, names: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in modules} & names
    return found


def modules_of(app: str, *, with_tests: bool) -> list[Path]:
    return [path for path in sorted((BASE_DIR / app).rglob("*.py"))
            if with_tests or not {"tests", "migrations"} & set(path.parts)]


def test_the_portal_sits_on_the_top_floor_beside_demo():
    order = floors()
    assert order[-2:] == ["portal", "demo"]
    assert {"accounts", "candidates", "juries", "reports"} < set(order)


def test_no_app_imports_an_app_above_it():
    order = floors()
    upward = [
        f"{module.relative_to(BASE_DIR)} imports {above}"
        for floor, app in enumerate(order)
        for module in modules_of(app, with_tests=False)
        for above in imported_apps(module, set(order[floor + 1:]))
    ]
    assert upward == []


def test_nothing_below_the_portal_imports_it_not_even_a_test():
    order = floors()
    below = order[:order.index("portal")]
    importers = [str(module.relative_to(BASE_DIR))
                 for app in below for module in modules_of(app, with_tests=True)
                 if imported_apps(module, {"portal"})]
    assert importers == []


def test_the_portal_has_no_models():
    assert list(apps.get_app_config("portal").get_models()) == []
