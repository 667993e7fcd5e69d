"""The SCIM 1.1 filter grammar, parsed and rewritten as a SCIM 2.0 filter for the core.

1.1 (API 1.1, "Filtering") knows `eq co sw pr gt ge lt le`, joined by `and` (binding
tighter) and `or`; no `ne`/`ew`, no `not`, no grouping and no `attr[...]` value filters.
Operators and keywords are matched without case, as IdPs send `Eq` and `EQ`. Attribute
names become 2.0 names (`names.attribute_to_v2`); whether an attribute exists and how it
compares is then the core's business, in SQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from provisioning.scim.errors import ScimError, ScimType

from .names import attribute_to_v2

OPERATORS = ("eq", "co", "sw", "gt", "ge", "lt", "le")
PRESENT = "pr"
# Operators and keywords a 2.0 client might send; named in the error so it can be fixed.
_V2_ONLY = {"ne", "ew", "not"}
_LITERALS = {"true": True, "false": False, "null": None}
# JSON numbers only, so that json.loads reads every one the pattern lets through.
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ATTRIBUTE = re.compile(r"[A-Za-z][\w$.:-]*")
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<open>[(\[])
      | (?P<close>[)\]])
      | (?P<word>[^\s()\[\]"]+)
    )""",
    re.VERBOSE,
)
_UNSET: Any = object()


@dataclass(frozen=True)
class Token:
    """A lexical token and where it starts in the filter."""

    kind: str
    text: str
    position: int


@dataclass(frozen=True)
class Comparison:
    """`attribute op value`, or `attribute pr` (value unused)."""

    attribute: str
    op: str
    value: Any = None

    def to_v2(self) -> str:
        """The comparison in 2.0 syntax, with the attribute's 2.0 name."""
        attribute = attribute_to_v2(self.attribute)
        if self.op == PRESENT:
            return f"{attribute} pr"
        return f"{attribute} {self.op} {json.dumps(self.value, ensure_ascii=False)}"


@dataclass(frozen=True)
class Filter:
    """A 1.1 filter: a disjunction of conjunctions of comparisons."""

    alternatives: tuple[tuple[Comparison, ...], ...]

    def to_v2(self) -> str:
        """The same filter in 2.0 syntax (conjunctions grouped, which 2.0 allows)."""
        terms = []
        for conjunction in self.alternatives:
            term = " and ".join(comparison.to_v2() for comparison in conjunction)
            grouped = len(self.alternatives) > 1 and len(conjunction) > 1
            terms.append(f"({term})" if grouped else term)
        return " or ".join(terms)


def _invalid(text: str, reason: str) -> ScimError:
    return ScimError(400, f"Invalid filter {text!r}: {reason}", ScimType.INVALID_FILTER)


def tokenize(text: str) -> list[Token]:
    """Split a filter into tokens (strings keep their quotes); 400 on an unclosed string."""
    tokens: list[Token] = []
    position = 0
    end = len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            rest = text[position:].lstrip()
            reason = (
                "a string is not closed." if rest.startswith('"') else f"unexpected {rest[:20]!r}."
            )
            raise _invalid(text, reason)
        kind = match.lastgroup
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Parses the flat 1.1 grammar: `or`-separated chains of `and`-joined comparisons."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def _next(self) -> Token | None:
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        self.index += 1
        return token

    def _peek_keyword(self) -> str | None:
        if self.index < len(self.tokens) and self.tokens[self.index].kind == "word":
            return self.tokens[self.index].text.lower()
        return None

    def parse(self) -> Filter:
        """The whole filter, or 400 saying what is wrong and where."""
        if not self.tokens:
            raise _invalid(self.text, "the filter is empty.")
        alternatives = [self._conjunction()]
        while self._peek_keyword() == "or":
            self.index += 1
            alternatives.append(self._conjunction())
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise _invalid(
                self.text,
                f"expected 'and' or 'or' at position {token.position}, not {token.text!r}.",
            )
        return Filter(tuple(alternatives))

    def _conjunction(self) -> tuple[Comparison, ...]:
        comparisons = [self._comparison()]
        while self._peek_keyword() == "and":
            self.index += 1
            comparisons.append(self._comparison())
        return tuple(comparisons)

    def _comparison(self) -> Comparison:
        token = self._next()
        if token is None:
            raise _invalid(self.text, "it ends where an attribute name was expected.")
        self._refuse_grouping(token)
        if token.kind != "word" or not _ATTRIBUTE.fullmatch(token.text):
            raise _invalid(
                self.text,
                f"expected an attribute name at position {token.position}, not {token.text!r}.",
            )
        if token.text.lower() == "not":
            raise _invalid(self.text, "'not' is SCIM 2.0 only; SCIM 1.1 filters have no 'not'.")
        attribute = token.text
        operator = self._next()
        if operator is None:
            raise _invalid(
                self.text,
                f"'{attribute}' is not followed by an operator "
                f"({', '.join((*OPERATORS, PRESENT))}).",
            )
        self._refuse_grouping(operator)
        op = operator.text.lower()
        if op == PRESENT and operator.kind == "word":
            return Comparison(attribute, PRESENT)
        if operator.kind != "word" or op not in OPERATORS:
            hint = " (SCIM 2.0 only)" if op in _V2_ONLY else ""
            raise _invalid(
                self.text,
                f"unknown operator {operator.text!r}{hint} at position "
                f"{operator.position}; SCIM 1.1 has {', '.join((*OPERATORS, PRESENT))}.",
            )
        return Comparison(attribute, op, self._value(attribute, op))

    def _value(self, attribute: str, op: str) -> Any:
        token = self._next()
        if token is None:
            raise _invalid(self.text, f"'{attribute} {op}' needs a value.")
        self._refuse_grouping(token)
        if token.kind == "string":
            try:
                return json.loads(token.text, strict=False)
            except ValueError:
                raise _invalid(
                    self.text, f"the string at position {token.position} has a bad escape."
                ) from None
        lowered = token.text.lower()
        value = _LITERALS.get(lowered, _UNSET)
        if value is not _UNSET:
            return value
        if _NUMBER.fullmatch(token.text):
            return json.loads(token.text)
        raise _invalid(
            self.text,
            f"the value {token.text!r} at position {token.position} must be a "
            'quoted string ("..."), a number, true, false or null.',
        )

    def _refuse_grouping(self, token: Token) -> None:
        if token.kind in ("open", "close"):
            what = "value filters in [ ]" if token.text in "[]" else "grouping with ( )"
            raise _invalid(
                self.text,
                f"{what} (position {token.position}): SCIM 2.0 only; "
                "SCIM 1.1 filters are comparisons joined by 'and' / 'or'.",
            )


def parse_filter(text: str) -> Filter:
    """Parse a 1.1 filter, or raise 400 with what is wrong and where."""
    if "\x00" in text:
        raise _invalid(text.replace("\x00", "\\0"), "it contains a NUL character.")
    return _Parser(text).parse()


def filter_to_v2(text: str) -> str:
    """A 1.1 filter rewritten as the equivalent 2.0 filter."""
    return parse_filter(text).to_v2()
