"""SCIM requests over HTTP to the live server, as an identity provider sends them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Idp:
    """A bearer-token SCIM client of the live server (urllib: no extra dependency)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/") + "/scim/v2/"
        self.token = token

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON body or None)."""
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": SCIM,
                     "Accept": SCIM},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def create_user(self, user_name: str) -> tuple[int, Any]:
        """POST /Users with a name and a work email."""
        given, _, family = user_name.partition(".")
        return self.send("POST", "Users", {
            "schemas": [USER_SCHEMA],
            "userName": user_name,
            "name": {"givenName": given.title(), "familyName": family.title() or "User"},
            "displayName": f"{given.title()} {family.title()}".strip(),
            "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}],
            "active": True,
        })

    def deactivate(self, user_id: str) -> tuple[int, Any]:
        """PATCH active=false, as Okta and Entra deprovision."""
        return self.send("PATCH", f"Users/{user_id}", {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        })
