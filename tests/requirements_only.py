"""Run a Python module as if only requirements.txt were installed (a clean production install).

The test virtualenv also holds the dev tools and what they pull in (pytest brings `packaging`),
which hides a runtime dependency requirements.txt forgot. Run as a script, this file hides
every top-level module whose distributions are all outside requirements.txt's closure, then
runs the module or script named on the command line:
``python tests/requirements_only.py celery -A scimbridge worker``.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BLOCKED_ENV = "REQUIREMENTS_ONLY_BLOCKED"


def requirements(path: Path) -> list[Any]:
    """The requirements a file lists, following `-r` includes (needs `packaging`)."""
    from packaging.requirements import Requirement

    found: list[Any] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            found += requirements(path.parent / line[2:].strip())
        else:
            found.append(Requirement(line))
    return found


def closure(roots: list[Any]) -> set[str]:
    """Canonical names of the installed distributions the roots pull in, with their extras."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(req.name, frozenset(req.extras)) for req in roots]
    while pending:
        name, extras = pending.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in environments):
                pending.append((req.name, frozenset(req.extras)))
    return {name for name, _ in seen}


def blocked_modules(requirements_file: Path = ROOT / "requirements.txt") -> list[str]:
    """Top-level modules installed here that no distribution of the closure provides."""
    from packaging.utils import canonicalize_name

    allowed = closure(requirements(requirements_file))
    return sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if module not in sys.stdlib_module_names
        and not {canonicalize_name(dist) for dist in dists} & allowed
    )


def command(target: str, *args: str) -> list[str]:
    """argv running a module (`python -m target`) or a script (`*.py`), requirements only."""
    return [sys.executable, str(Path(__file__).resolve()), target, *args]


def environment(**extra: str) -> dict[str, str]:
    """os.environ plus the blocked modules for `command` and the given variables."""
    return {**os.environ, BLOCKED_ENV: json.dumps(blocked_modules()), **extra}


class _Hide:
    """A meta-path finder that makes hidden top-level modules fail like absent ones."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        """Refuse a hidden module; leave everything else to the other finders."""
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _main() -> None:
    import runpy

    hidden = set(json.loads(os.environ[BLOCKED_ENV])) - set(sys.modules)
    sys.meta_path.insert(0, _Hide(hidden))
    # As `python -m`: the working directory (the project) first on the path, not tests/.
    sys.path[0] = str(Path.cwd())
    target, sys.argv = sys.argv[1], sys.argv[1:]
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _main()
