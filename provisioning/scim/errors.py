"""SCIM errors (RFC 7644 section 3.12) and their wire shapes in SCIM 2.0 and SCIM 1.1."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimType(StrEnum):
    """The scimType values RFC 7644 defines for 400 and 409 errors."""

    INVALID_FILTER = "invalidFilter"
    TOO_MANY = "tooMany"
    UNIQUENESS = "uniqueness"
    MUTABILITY = "mutability"
    INVALID_SYNTAX = "invalidSyntax"
    INVALID_PATH = "invalidPath"
    NO_TARGET = "noTarget"
    INVALID_VALUE = "invalidValue"
    INVALID_VERS = "invalidVers"
    SENSITIVE = "sensitive"


class ScimError(Exception):
    """An error answered to the SCIM client; carries status, scimType and a human detail."""

    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: ScimType | str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = ScimType(scim_type) if scim_type else None
        self.headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"ScimError({self.status}, {self.detail!r}, {self.scim_type})"


def error_body_v2(error: ScimError) -> dict[str, Any]:
    """Return the SCIM 2.0 Error message for an error."""
    body: dict[str, Any] = {
        "schemas": [ERROR_SCHEMA],
        "status": str(error.status),
        "detail": error.detail,
    }
    if error.scim_type:
        body["scimType"] = error.scim_type.value
    return body


def error_body_v1(error: ScimError) -> dict[str, Any]:
    """Return the SCIM 1.1 error envelope for an error."""
    return {"Errors": [{"description": error.detail, "code": str(error.status)}]}
