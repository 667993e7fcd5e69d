"""What scripts/topology-check found: named checks and figures."""

from __future__ import annotations


class Checks:
    """Named outcomes and figures, printed at the end."""

    def __init__(self) -> None:
        """Nothing checked yet."""
        self.results: list[tuple[str, bool, str]] = []
        self.figures: dict[str, object] = {}

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record one check."""
        self.results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    @property
    def ok(self) -> bool:
        """Every check held."""
        return bool(self.results) and all(ok for _, ok, _ in self.results)
