"""Size limits of SCIM values and requests, shared by validation and the table definitions.

The fixed limits are those of Jira and of the tables. The request limits (`Limits`) are
settings (scimbridge/settings.py, docs/security.md "Limits"); the API builds them from the
settings and the protocol checks each request against them before anything is stored,
sent to Jira or turned into SQL. A violation names the limit and the setting that sets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ScimError, ScimType

# Jira holds usernames, full names and group names of up to 255 characters; longer values
# get 400. Indexed strings also stay below PostgreSQL's btree entry limit (~2700 bytes).
USER_NAME_MAX_LENGTH = 255
DISPLAY_NAME_MAX_LENGTH = 255
GROUP_NAME_MAX_LENGTH = 255
EXTERNAL_ID_MAX_LENGTH = 512
# Values per multi-valued attribute of one user (the default of SCIM_MAX_ATTRIBUTE_VALUES).
MAX_VALUES = 100

# Filter operators of both dialects; each occurrence outside a string is one comparison.
_OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"})
_FILTER_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[()\[\]]|[^\s()\[\]"]+')


@dataclass(frozen=True)
class Limits:
    """What one SCIM request may hold; each field is the setting named in `SETTINGS`."""

    members_per_write: int = 10_000
    patch_operations: int = 1_000
    filter_length: int = 10_000
    filter_depth: int = 20
    filter_terms: int = 200
    attribute_values: int = MAX_VALUES

    def check_filter(self, text: Any, *, length: bool = True) -> None:
        """Refuse a filter longer, deeper or with more comparisons than allowed (400).

        Checked on the text, before any parser sees it: a lexical scan costs O(length)
        and no recursion, whatever the filter. `length=False` skips the length (a 1.1
        filter already checked as sent, then rewritten in 2.0 terms).
        """
        if not isinstance(text, str):
            return
        if length and len(text) > self.filter_length:
            raise self._filter_error(
                f"is {len(text)} characters long", self.filter_length, "filter_length"
            )
        depth = deepest = terms = 0
        for match in _FILTER_TOKEN.finditer(text):
            word = match.group()
            if word in "([":
                depth += 1
                deepest = max(deepest, depth)
            elif word in ")]":
                depth -= 1
            elif word.lower() in _OPERATORS:
                terms += 1
        if deepest > self.filter_depth:
            raise self._filter_error(
                f"nests {deepest} levels deep", self.filter_depth, "filter_depth"
            )
        if terms > self.filter_terms:
            raise self._filter_error(f"has {terms} comparisons", self.filter_terms, "filter_terms")

    def check_members(self, count: int) -> None:
        """Refuse a write carrying more group members than allowed (413 tooMany)."""
        if count > self.members_per_write:
            raise ScimError(
                413,
                f"The request carries {count} group members; at most {self.members_per_write} "
                f"are accepted per write ({SETTINGS['members_per_write']}). Send the members "
                "in several PATCH requests.",
                ScimType.TOO_MANY,
            )

    def check_operations(self, count: int) -> None:
        """Refuse a PATCH with more operations than allowed (413 tooMany)."""
        if count > self.patch_operations:
            raise ScimError(
                413,
                f"The PATCH request has {count} operations; at most {self.patch_operations} "
                f"are accepted ({SETTINGS['patch_operations']}).",
                ScimType.TOO_MANY,
            )

    def check_values(self, attribute: str, count: int) -> None:
        """Refuse more values of one multi-valued user attribute than allowed (400)."""
        if count > self.attribute_values:
            raise ScimError(
                400,
                f"'{attribute}' holds {count} values; at most {self.attribute_values} are "
                f"accepted per attribute ({SETTINGS['attribute_values']}).",
                ScimType.INVALID_VALUE,
            )

    @staticmethod
    def _filter_error(what: str, limit: int, field: str) -> ScimError:
        return ScimError(
            400,
            f"The filter {what}; the limit is {limit} ({SETTINGS[field]}).",
            ScimType.INVALID_FILTER,
        )


# The setting behind each limit (scimbridge/settings.py, docs/configuration.md).
SETTINGS = {
    "members_per_write": "SCIM_MAX_MEMBERS_PER_WRITE",
    "patch_operations": "SCIM_MAX_PATCH_OPERATIONS",
    "filter_length": "SCIM_MAX_FILTER_LENGTH",
    "filter_depth": "SCIM_MAX_FILTER_DEPTH",
    "filter_terms": "SCIM_MAX_FILTER_TERMS",
    "attribute_values": "SCIM_MAX_ATTRIBUTE_VALUES",
}
