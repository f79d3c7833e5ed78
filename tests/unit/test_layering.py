"""Every arrow points down: services and models import no blueprint (an area's views, or print/), no Jinja
helpers (filters.py), and not the request (Flask's request, or htmx.py's request side). Read from the import
lines of every module under skillpass/services/ and skillpass/models/, so it stays true."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SKILLPASS = Path(__file__).resolve().parents[2] / "skillpass"
# An area with a views.py is a blueprint package: nothing below the views may import any of it.
BLUEPRINTS = sorted(p.parent.name for p in SKILLPASS.glob("*/views.py"))
FORBIDDEN_MODULES = {f"skillpass.{name}" for name in BLUEPRINTS} | {"skillpass.filters", "skillpass.htmx"}
FORBIDDEN_NAMES = {"flask": {"request"}}      # g, current_app, has_request_context are fine


def _forbidden(module: str) -> bool:
    return any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN_MODULES)


def offending_imports(source: str) -> list[str]:
    """The imports in *source* (at any depth: late imports count too) that point up."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _forbidden(alias.name) or alias.name == "flask.request"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _forbidden(node.module):
                found.append(node.module)
            for alias in node.names:
                if _forbidden(f"{node.module}.{alias.name}") or alias.name in FORBIDDEN_NAMES.get(node.module, ()):
                    found.append(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append(f"{'.' * node.level}{node.module or ''} (relative: name it from skillpass)")
    return found


LOW_MODULES = sorted(p for folder in ("services", "models") for p in (SKILLPASS / folder).rglob("*.py"))


def test_the_blueprints_are_found():
    assert {"print", "signoff", "passport", "team", "audit_log", "admin"} <= set(BLUEPRINTS)
    assert len(LOW_MODULES) > 20


@pytest.mark.parametrize("path", LOW_MODULES, ids=lambda p: str(p.relative_to(SKILLPASS)))
def test_services_and_models_import_nothing_above_them(path):
    assert offending_imports(path.read_text(encoding="utf-8")) == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(SKILLPASS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SKILLPASS.rglob("*.py")}


def _imported(path: Path) -> set[str]:
    """The skillpass modules a module imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            # "from skillpass.services import audit" imports the module audit; "from skillpass.rules import
            # Status" imports rules.
            names = [name for name in submodules if name in MODULES] or [node.module]
        # The package itself is the application factory: importing any module of it runs only its top lines.
        found |= {name for name in names if name in MODULES and name != "skillpass"}
    return found


def reaches_upward(module: str) -> list[str] | None:
    """The chain of imports by which *module* reaches a blueprint, the Jinja helpers or the request, if any."""
    seen = {module}
    paths = [[module]]
    while paths:
        chain = paths.pop()
        here = MODULES[chain[-1]]
        if len(chain) > 1 and offending_imports(here.read_text(encoding="utf-8")):
            return chain
        for name in sorted(_imported(here) - seen):
            seen.add(name)
            if _forbidden(name):
                return chain + [name]
            paths.append(chain + [name])
    return None


@pytest.mark.parametrize("path", LOW_MODULES, ids=lambda p: str(p.relative_to(SKILLPASS)))
def test_nothing_they_import_reaches_up_either(path):
    """Through any chain of imports: a service importing a module that imports the request reaches it too."""
    assert reaches_upward(_module_name(path)) is None


@pytest.mark.parametrize("source", [
    "from skillpass.print.views import render_passport_html",
    "from skillpass.print import bulk",
    "from skillpass import print",
    "import skillpass.signoff.views",
    "from skillpass.filters import field_labels",
    "from skillpass import filters",
    "from flask import current_app, request",
    "from skillpass import htmx",
    "def late():\n    from skillpass.team.views import bp\n",
])
def test_the_check_sees_an_import_that_points_up(source):
    assert offending_imports(source) != []


@pytest.mark.parametrize("source", [
    "from flask import current_app, g, has_request_context",
    "from skillpass.services import audit",
    "from skillpass.labels import Action, field_labels",
    "from skillpass import clock, rules",
    "import skillpass.models",
])
def test_the_check_lets_downward_imports_be(source):
    assert offending_imports(source) == []


# The modules that declare routes.
VIEW_MODULES = sorted(p for name in BLUEPRINTS for p in (SKILLPASS / name).glob("*.py")
                      if "@bp." in p.read_text(encoding="utf-8"))
QUERY_BUILDERS = {"select", "insert", "update", "delete", "text", "func"}


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(SKILLPASS)))
def test_views_parse_call_and_render_without_queries(path):
    """A view asks a service; it writes no query of its own."""
    source = path.read_text(encoding="utf-8")
    assert "select(" not in source
    builders = [f"{node.module}.{alias.name}" for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
                for alias in node.names if alias.name in QUERY_BUILDERS]
    assert builders == []


def test_the_view_modules_are_found():
    names = {str(p.relative_to(SKILLPASS)) for p in VIEW_MODULES}
    assert {"passport/views.py", "template_editor/structure.py", "team/views.py", "core/views.py"} <= names


@pytest.mark.parametrize("path", sorted(SKILLPASS.rglob("*.py")), ids=lambda p: str(p.relative_to(SKILLPASS)))
def test_no_module_grows_past_450_lines(path):
    """Past that, a module has more than one reason to change: split it by question."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 450


def test_the_chain_check_follows_imports_through():
    # A route module imports access, which reads the request: found through the chain.
    chain = reaches_upward("skillpass.permissions")
    assert chain is None
    assert reaches_upward("skillpass.team.views") is not None
    assert reaches_upward("skillpass.transaction") is None
