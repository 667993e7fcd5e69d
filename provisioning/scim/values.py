"""What may cross the protocol edge: values the tables, PostgreSQL's jsonb, logs and Jira take.

Python's JSON parser accepts what none of them can hold: NUL characters (PostgreSQL text
and jsonb refuse them), lone UTF-16 surrogates such as `"\\ud800"` (they cannot be encoded
as UTF-8 at all), the non-standard `NaN` / `Infinity` and numbers such as `1e400` that
overflow to infinity (jsonb refuses them, integers cannot hold them). `check_values` walks
a parsed body once and refuses all of them with 400 before any of it is used.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import ScimError, ScimType

# No SCIM request nests deeper than a handful of levels (PatchOp → value → members → item);
# deeper bodies are refused so that nothing downstream recurses on client input.
MAX_DEPTH = 32


def check_values(
    value: Any, what: str = "The request body", scim_type: ScimType = ScimType.INVALID_VALUE
) -> None:
    """Refuse NUL, lone surrogates, non-finite numbers and absurd nesting (400)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_string(item, what, scim_type)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ScimError(
                    400,
                    f"{what} contains a number that is not finite ({item!r}): JSON numbers "
                    "must be finite and within range.",
                    scim_type,
                )
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise ScimError(
                    400,
                    f"{what} nests more than {MAX_DEPTH} levels deep.",
                    ScimType.INVALID_SYNTAX,
                )
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def check_string(
    text: str, what: str = "The request body", scim_type: ScimType = ScimType.INVALID_VALUE
) -> None:
    """Refuse a string holding NUL or a lone surrogate (400, invalidValue by default)."""
    if "\x00" in text:
        raise ScimError(400, f"{what} contains a NUL character.", scim_type)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise ScimError(
            400,
            f"{what} contains a lone UTF-16 surrogate (\\u{code:04x}) at character "
            f"{exc.start}: it is not a character and cannot be stored. Send valid Unicode.",
            scim_type,
        ) from None
