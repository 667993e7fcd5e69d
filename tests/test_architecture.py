"""Rules of the layout (docs/architecture.md): a pure protocol, no import cycle, small modules.

The rules between the layers are import-linter contracts in pyproject.toml (`lint-imports`,
run by CI and by `test_layer_contracts_hold` below).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "provisioning" / "scim"
# What the protocol may not import: the ORM, the tables and their SQL, the web layer, the
# Jira client, and every other app (they all reach the ORM).
BANNED = (
    "django.db",
    "django.apps",
    "rest_framework",
    "jiraclient",
    "provisioning.models",
    "provisioning.storage",
    "provisioning.selectors",
    "provisioning.services",
    "provisioning.api",
    "provisioning.writethrough",
    "provisioning.sync",
    "configurations",
    "auditlog",
)


def module_name(path: Path) -> str:
    """The dotted name of a source file of the project."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every module an import statement of `source` names (relative ones made absolute).

    `from a import b` yields both `a` and `a.b`, since `b` may be a module.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join([*base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            names.append(prefix)
            names.extend(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def violations(names: list[str]) -> list[str]:
    """The rules of `BANNED` that these imported modules break."""
    return sorted(
        {rule for rule in BANNED for name in names if name == rule or name.startswith(f"{rule}.")}
    )


def banned_imports(path: Path) -> list[str]:
    """The rules of `BANNED` one file of the protocol breaks."""
    source = path.read_text(encoding="utf-8")
    return violations(
        imported_names(source, module_name(path), is_package=path.name == "__init__.py")
    )


def test_scim_protocol_is_pure() -> None:
    """No module under provisioning/scim/ imports the ORM, the tables, DRF or Jira."""
    files = sorted(PROTOCOL.rglob("*.py"))
    assert len(files) > 10  # the walk sees the package (and its v1 dialect)
    offenders = {str(path.relative_to(ROOT)): banned_imports(path) for path in files}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_scim_protocol_imports_without_django() -> None:
    """Imported in a fresh interpreter, the whole protocol loads no Django and no app model.

    This also catches what the syntax walk cannot: a banned module imported indirectly.
    """
    script = (
        "import importlib, pkgutil, sys\n"
        "import provisioning.scim as protocol\n"
        "for info in pkgutil.walk_packages(protocol.__path__, 'provisioning.scim.'):\n"
        "    importlib.import_module(info.name)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter on a fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = result.stdout.split()
    assert "provisioning.scim.filter" in loaded
    assert [name for name in loaded if name == "django" or name.startswith("django.")] == []
    assert [name for name in loaded if name.startswith(BANNED)] == []


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from django.db.models import Q", "provisioning.scim.filter", ["django.db"]),
        ("import django.apps", "provisioning.scim.filter", ["django.apps"]),
        ("from ..models import ScimUser", "provisioning.scim.mapping", ["provisioning.models"]),
        ("from ...storage import columns", "provisioning.scim.v1.filter", ["provisioning.storage"]),
        ("from provisioning import models", "provisioning.scim.x", ["provisioning.models"]),
        ("from .errors import ScimError", "provisioning.scim.patch", []),
        ("from scim2_models import Path", "provisioning.scim.sort", []),
    ],
)
def test_the_rule_sees_banned_imports(source: str, module: str, expected: list[str]) -> None:
    """The checker itself: absolute, relative and `from package import module` forms."""
    assert violations(imported_names(source, module)) == expected


PACKAGES = ("scimbridge", "configurations", "provisioning", "auditlog", "jiraclient")
MAX_MODULE_LINES = 400
# settings.py is one flat list of environment-read knobs, in the order and sections of
# docs/configuration.md; its logging and beat schedule live in modules of their own
# (logconfig.py, schedule.py). It may run a little longer than code modules.
LONGER_MODULES = {"scimbridge/settings.py": 440}


def import_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))
    return cycles


def test_no_module_import_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    """No two modules of the project import each other, directly or round a loop.

    Imports inside functions count too: they are how a cycle usually hides.
    """
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph(*PACKAGES)
    edges = {
        module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules
    }
    assert len(edges) > 100
    assert import_cycles(edges) == []


def test_the_cycle_finder_finds_cycles() -> None:
    """The checker itself: a loop of three and a self-contained pair are found, a chain is not."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": set(), "f": {"g"}, "g": {"f"}}
    assert sorted(import_cycles(edges)) == [["a", "b", "c"], ["f", "g"]]


def test_no_source_module_over_400_lines() -> None:
    """Modules stay small enough to read in one go (STYLE.md: split past ~400 lines)."""
    sources = [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert len(sources) > 100
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sources
        if (lines := len(path.read_text(encoding="utf-8").splitlines()))
        > LONGER_MODULES.get(str(path.relative_to(ROOT)), MAX_MODULE_LINES)
    }
    assert long == {}


def test_layer_contracts_hold() -> None:
    """The import-linter contracts of pyproject.toml (the same check CI runs)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own tool on our own tree
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout
