"""Stored resources rendered as response JSON without a pydantic round trip.

What the SCIM tables hold was validated on write (`mapping.user_fields`, the sync's own
mapping) and dumped by scim2-models in its canonical form; reading it back through
`model_validate` + `model_dump` costs most of a read and changes nothing. A response
without `attributes`/`excludedAttributes` is therefore the stored document itself, its
top-level attributes put in the order scim2-models dumps them. A document holding anything
this shortcut does not know (an attribute outside the schema, an empty extension) is left
to scim2-models (`trusted` is False), so the shortcut never answers what the models would
not.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Resource

# Never in a response (RFC 7643 section 4.1: password is returned "never").
_NEVER_RETURNED = frozenset({"password"})


def _order(model: type[Resource[Any]]) -> tuple[str, ...]:
    return tuple(
        field.serialization_alias or name
        for name, field in model.model_fields.items()
        if (field.serialization_alias or name) not in _NEVER_RETURNED
    )


class Canonical:
    """The top-level attribute order of one resource model, and whether a document fits it."""

    def __init__(self, model: type[Resource[Any]]) -> None:
        """Read the attribute names and their order from the model's fields."""
        self.order = _order(model)
        self.known = frozenset(self.order)
        # Extension attributes are objects named by their schema URN.
        self.extensions = frozenset(name for name in self.order if name.startswith("urn:"))

    def trusted(self, document: dict[str, Any]) -> bool:
        """Whether `document` may be answered as it is (else scim2-models renders it)."""
        for key, value in document.items():
            if key not in self.known or value is None:
                return False
            if key in self.extensions and not (isinstance(value, dict) and value):
                return False
        return True

    def ordered(self, document: dict[str, Any]) -> dict[str, Any]:
        """`document` with its top-level attributes in the models' order."""
        return {key: document[key] for key in self.order if key in document}
