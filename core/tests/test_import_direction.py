"""Imports point one way: dashboards, meetings → reports → inspections → criteria → communes, and
notifications → core (README, "Layout"). An app imports only the apps below it; none imports inside a
function to dodge a circle.

Checked on the application code (not tests, not migrations): every `import x` / `from x import y` of a
first-party app, at any depth of the syntax tree, is compared with the order below.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each app and the apps it may import (directly). `ntm_portal` (settings, home pages, the demo) is the top.
MAY_IMPORT = {
    "core": set(),
    "notifications": {"core"},
    "communes": {"core"},
    "criteria": {"communes", "core"},
    "inspections": {"criteria", "communes", "notifications", "core"},
    "reports": {"inspections", "criteria", "communes", "notifications", "core"},
    "meetings": {"reports", "inspections", "criteria", "communes", "notifications", "core"},
    "dashboards": {"reports", "inspections", "criteria", "communes", "notifications", "core"},
    "office": {"reports", "inspections", "criteria", "communes", "notifications", "core"},
}
APPS = set(MAY_IMPORT) | {"ntm_portal"}


def application_modules(apps=MAY_IMPORT):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name in ("conftest.py", "testing.py"):
                continue
            yield app, path


def imported_apps(tree, app=None):
    """(line, first-party app, inside a function?) for every import in the module (a relative import is
    of `app`, the module's own)."""
    functions = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and app:
            names = [app]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in APPS:
                yield node.lineno, top, id(node) in functions


def wrong_way_imports():
    found = []
    for app, path in application_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, other, _inside in imported_apps(tree):
            if other != app and other not in MAY_IMPORT[app]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {other}")
    return found


def imports_inside_functions():
    """First-party imports inside a function: the usual way to dodge a circle. (Importing a heavy library
    lazily, e.g. weasyprint, is not first-party and not counted.)"""
    found = []
    for app, path in application_modules(APPS):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, other, inside in imported_apps(tree, app):
            if inside and not _is_app_ready(path, line, tree):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {other} inside a function")
    return found


def _is_app_ready(path, line, tree):
    """AppConfig.ready() imports the app's own modules that register things (Django's documented place)."""
    if path.name != "apps.py":
        return False
    return any(isinstance(fn, ast.FunctionDef) and fn.name == "ready" and fn.lineno <= line for fn in ast.walk(tree))


def test_no_app_imports_an_app_above_it():
    assert wrong_way_imports() == []


def test_no_import_hides_inside_a_function():
    assert imports_inside_functions() == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from dashboards.selectors import overview\n", ["imports dashboards"]),
        ("def f():\n    from inspections import services\n", []),
        ("import meetings.models\n", ["imports meetings"]),
    ],
)
def test_the_check_itself_sees_a_wrong_way_import(source, expected):
    tree = ast.parse(source)
    found = [f"imports {other}" for _line, other, _inside in imported_apps(tree) if other not in MAY_IMPORT["reports"]]
    assert found == expected
