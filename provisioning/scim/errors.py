"""SCIM errors (RFC 7644 section 3.12) and their wire shapes in SCIM 2.0 and SCIM 1.1."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from scim2_models import SCIMException

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


def from_scim2(exc: SCIMException) -> ScimError:
    """Translate a scim2-models exception (filter, path, PATCH) into a ScimError."""
    scim_type = exc.scim_type if exc.scim_type in _SCIM_TYPES else None
    return ScimError(exc.status, exc.detail, scim_type)


def from_validation(exc: ValidationError, *, what: str = "request body") -> ScimError:
    """Translate a pydantic validation error of a SCIM payload into a 400 ScimError.

    scim2-models raises its protocol errors (mutability, uniqueness of primary, ...) inside
    validation, carrying their scimType; any other failure is a value that does not fit.
    """
    messages: list[str] = []
    scim_type: str | None = None
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        if scim_type is None and ctx.get("scim_type") in _SCIM_TYPES:
            scim_type = ctx["scim_type"]
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "Operations")
        message = error.get("msg", "invalid value")
        messages.append(f"{location}: {message}" if location else message)
    detail = f"Invalid {what}: " + "; ".join(messages[:5])
    return ScimError(400, detail, scim_type or ScimType.INVALID_VALUE)


_SCIM_TYPES = {member.value for member in ScimType}
