"""Apps import only the apps config/architecture.py allows (docs/architecture.md).

Every non-test, non-migration module of every project app is parsed with `ast`; imports at
module level, inside functions and under `if TYPE_CHECKING:` all count, and so do literal
`importlib.import_module("app...")` and `apps.get_model("app", ...)` calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.architecture import ALLOWED_IMPORTS, PROJECT_APPS, import_allowed

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Import:
    path: str
    line: int
    module: str


def is_production_module(path: Path, app_root: Path) -> bool:
    parts = path.relative_to(app_root).parts
    return not (
        "tests" in parts
        or "migrations" in parts
        or path.name.startswith("test_")
        or path.name in ("conftest.py", "factories.py")
    )


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every absolute import in the tree, however deep."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in ("import_module", "get_model") and isinstance(first, ast.Constant):
                if isinstance(first.value, str):
                    yield node.lineno, first.value.replace("/", ".")


def cross_app_imports(source: str, *, app: str, path: str) -> list[Import]:
    found = []
    for line, module in imported_modules(ast.parse(source, filename=path)):
        top = module.split(".")[0]
        if top in PROJECT_APPS and top != app:
            found.append(Import(path=path, line=line, module=module))
    return found


def violations(source: str, *, app: str, path: str) -> list[Import]:
    return [
        found
        for found in cross_app_imports(source, app=app, path=path)
        if not import_allowed(importer=app, module=found.module)
    ]


def app_modules(app: str) -> Iterator[Path]:
    app_root = ROOT / app
    for path in sorted(app_root.rglob("*.py")):
        if is_production_module(path, app_root):
            yield path


@pytest.mark.parametrize("app", PROJECT_APPS)
def test_app_imports_only_what_the_rules_allow(app):
    modules = list(app_modules(app))
    assert modules, f"no module found for {app}"
    broken = []
    for path in modules:
        relative = str(path.relative_to(ROOT))
        broken += violations(path.read_text(encoding="utf-8"), app=app, path=relative)
    assert not broken, "imports the rules in config/architecture.py do not allow:\n" + "\n".join(
        f"  {found.path}:{found.line} imports {found.module} (allowed: {sorted(ALLOWED_IMPORTS[app])})"
        for found in broken
    )


def test_every_project_app_has_a_rule_and_every_rule_names_a_project_app():
    assert set(ALLOWED_IMPORTS) == set(PROJECT_APPS)
    for app, allowed in ALLOWED_IMPORTS.items():
        for entry in allowed:
            assert entry.split(".")[0] in PROJECT_APPS, f"{app} allows unknown {entry}"
            assert entry.split(".")[0] != app


def test_nothing_imports_assessment_or_retention():
    for app, allowed in ALLOWED_IMPORTS.items():
        assert not {entry.split(".")[0] for entry in allowed} & {"assessment", "retention"}, app


def test_the_apps_depend_on_each_other_without_cycles():
    # config is the composition root (it wires every app); the one module of it an app may
    # import, config.health, must itself import no project app, so no cycle goes through it.
    graph = {
        app: {entry.split(".")[0] for entry in allowed} - {"config"}
        for app, allowed in ALLOWED_IMPORTS.items()
        if app != "config"
    }
    done: set[str] = set()

    def visit(app: str, path: tuple[str, ...]) -> None:
        assert app not in path, "cycle: " + " -> ".join((*path, app))
        if app in done:
            return
        for other in graph[app]:
            visit(other, (*path, app))
        done.add(app)

    for app in graph:
        visit(app, ())
    module_entries = {entry for allowed in ALLOWED_IMPORTS.values() for entry in allowed if "." in entry}
    for entry in module_entries:
        path = ROOT / (entry.replace(".", "/") + ".py")
        app = entry.split(".")[0]
        assert not cross_app_imports(path.read_text(encoding="utf-8"), app=app, path=str(path))


def test_the_check_finds_forbidden_imports_at_top_level_in_functions_and_by_name():
    source = """
from volunteers.models import Volunteer
import dispatch.models
from config import urls

def handle():
    from dispatch.services import incident_open
    from assessment.pilot import selectors
    return importlib.import_module("dispatch.tasks"), apps.get_model("dispatch", "Incident")
"""
    found = [(v.line, v.module) for v in violations(source, app="hotline", path="hotline/bad.py")]
    assert found == [
        (3, "dispatch.models"),
        (4, "config.urls"),
        (7, "dispatch.services.incident_open"),
        (8, "assessment.pilot.selectors"),
        (9, "dispatch.tasks"),
        (9, "dispatch"),
    ]
    # The same imports are fine where the rules allow them.
    assert violations("from dispatch.models import Incident\n", app="assessment", path="x.py") == []
    assert violations("from config.health import health_report\n", app="volunteers", path="x.py") == []
    assert violations("from config.settings import DEBUG\n", app="volunteers", path="x.py") != []


def test_tests_and_migrations_are_not_production_modules():
    app_root = ROOT / "dispatch"
    assert not is_production_module(app_root / "tests" / "test_x.py", app_root)
    assert not is_production_module(app_root / "migrations" / "0001_initial.py", app_root)
    assert is_production_module(app_root / "services" / "outbox.py", app_root)
    assert is_production_module(app_root / "services.py", app_root)
