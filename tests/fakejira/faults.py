"""Fault injection for the fake Jira: latency, 5xx, timeouts, 429, applied-then-500, resets."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["error", "latency", "timeout", "rate_limit", "applied_then_error", "disconnect"]


@dataclass
class FaultRule:
    """One injected fault, matched by method and REST path (``fnmatch`` pattern).

    Kinds: ``error`` (answer ``status``/``body``/``headers``, nothing applied), ``latency``
    (add ``seconds``, then answer normally; adds up with other rules), ``timeout`` (sleep
    ``seconds``), ``rate_limit`` (429 + ``Retry-After``), ``applied_then_error`` (apply,
    then answer ``status``), ``disconnect`` (close the socket without an answer).
    ``query`` narrows the match to requests carrying those parameter values. ``count``
    limits how often it fires (None: always), ``skip`` lets the first matching requests
    through, ``probability`` draws from the fake's seeded RNG. ``apply`` (timeout,
    disconnect) makes Jira apply the change before the client is left without an answer.
    """

    kind: FaultKind
    method: str = "*"
    path: str = "*"
    query: dict[str, str] | None = None
    status: int = 500
    seconds: float = 0.0
    retry_after: float = 1
    apply: bool = False
    count: int | None = None
    probability: float = 1.0
    skip: int = 0
    body: Any = None
    headers: dict[str, str] | None = None  # extra answer headers ("error" kind)
    matched: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def matches(self, method: str, path: str, query: dict[str, list[str]]) -> bool:
        """Whether the request is one this rule is about (before count/probability)."""
        if self.method not in ("*", method.upper()):
            return False
        if not fnmatch.fnmatchcase(path, self.path):
            return False
        if self.query:
            return all(value in query.get(name, []) for name, value in self.query.items())
        return True

    @property
    def exhausted(self) -> bool:
        """True once the rule has fired ``count`` times."""
        return self.count is not None and self.fired >= self.count


@dataclass
class FaultDecision:
    """What the server does for one request: an extra delay and at most one fault."""

    delay: float = 0.0
    rule: FaultRule | None = None


class FaultSet:
    """The active rules; thread-safe, with a seeded RNG so probabilistic faults replay."""

    def __init__(self, seed: int | None = 0) -> None:
        """Start with no rules."""
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)

    @property
    def rules(self) -> list[FaultRule]:
        """A copy of the active rules."""
        with self._lock:
            return list(self._rules)

    def add(self, rule: FaultRule) -> FaultRule:
        """Activate a rule (rules are tried in the order they were added)."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self, seed: int | None = None) -> None:
        """Drop every rule; reseed the RNG when ``seed`` is given."""
        with self._lock:
            self._rules.clear()
            if seed is not None:
                self._rng.seed(seed)

    def decide(self, method: str, path: str, query: dict[str, list[str]]) -> FaultDecision:
        """Latency rules add up; the first other rule that fires wins."""
        decision = FaultDecision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path, query):
                    continue
                if rule.kind != "latency" and decision.rule is not None:
                    continue
                rule.matched += 1
                if rule.matched <= rule.skip or rule.exhausted:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.kind == "latency":
                    decision.delay += rule.seconds
                else:
                    decision.rule = rule
        return decision


def retry_after_header(value: float) -> str:
    """Jira sends whole seconds; tests may use fractions to stay fast."""
    return str(int(value)) if float(value).is_integer() else str(value)


class FaultInjection:
    """Fault-injection helpers of ``FakeJira`` (they need a ``faults`` attribute)."""

    faults: FaultSet

    def add_fault(self, rule: FaultRule) -> FaultRule:
        """Activate any fault rule."""
        return self.faults.add(rule)

    def fail(self, method: str, path: str, *, status: int = 500, **match: Any) -> FaultRule:
        """Answer ``status`` (a 5xx, or any status/body/headers) without applying anything."""
        return self.add_fault(FaultRule("error", method, path, status=status, **match))

    def delay(self, method: str, path: str, seconds: float, **match: Any) -> FaultRule:
        """Add latency, then answer normally."""
        return self.add_fault(FaultRule("latency", method, path, seconds=seconds, **match))

    def timeout(
        self, method: str, path: str, *, seconds: float = 5.0, apply: bool = False, **match: Any
    ) -> FaultRule:
        """Sleep past the client's read timeout; ``apply`` first applies the change.

        Without ``apply`` the late answer is a 504 and nothing changed.
        """
        return self.add_fault(
            FaultRule("timeout", method, path, seconds=seconds, apply=apply, **match)
        )

    def rate_limit(
        self, method: str, path: str, *, retry_after: float = 1, **match: Any
    ) -> FaultRule:
        """Answer 429 with ``Retry-After`` and the X-RateLimit headers."""
        rule = FaultRule("rate_limit", method, path, retry_after=retry_after, **match)
        return self.add_fault(rule)

    def apply_then_fail(
        self, method: str, path: str, *, status: int = 500, **match: Any
    ) -> FaultRule:
        """Apply the change, then answer ``status`` as if it had failed."""
        rule = FaultRule("applied_then_error", method, path, status=status, **match)
        return self.add_fault(rule)

    def disconnect(self, method: str, path: str, *, apply: bool = False, **match: Any) -> FaultRule:
        """Close the connection without an answer (optionally after applying the change)."""
        return self.add_fault(FaultRule("disconnect", method, path, apply=apply, **match))

    def clear_faults(self) -> None:
        """Drop every fault rule."""
        self.faults.clear()
