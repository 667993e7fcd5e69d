"""An identity-provider-like SCIM client over `requests`, and checks on what the server answers."""

from __future__ import annotations

import json
from typing import Any

import requests

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
CORE_1 = "urn:scim:schemas:core:1.0"

# Marks "send no Content-Type header at all" apart from "use the client's default".
NO_CONTENT_TYPE = ""


class IdpClient:
    """Speaks SCIM over real HTTP the way one IdP does: its User-Agent, its Content-Type."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        basic: tuple[str, str] | None = None,
        user_agent: str = "scimbridge-idp-replay",
        content_type: str = SCIM,
    ) -> None:
        """`content_type` is what writes carry by default (`NO_CONTENT_TYPE`: none at all)."""
        self.base_url = base_url.rstrip("/")
        self.content_type = content_type
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = f"{SCIM}, application/json"
        if basic is not None:
            self.session.auth = basic
        elif token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: str | dict[str, Any] | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one request; a `str` query is appended verbatim (so `+` stays a `+`)."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        params = None
        if isinstance(query, str):
            url = f"{url}?{query}"
        else:
            params = query
        sent_headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            kind = self.content_type if content_type is None else content_type
            if kind:
                sent_headers["Content-Type"] = kind
        return self.session.request(
            method, url, params=params, data=data, headers=sent_headers, timeout=30
        )

    def get(self, path: str, query: str | dict[str, Any] | None = None) -> requests.Response:
        """GET, with a verbatim query string or parameters."""
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any, **options: Any) -> requests.Response:
        """POST a JSON body."""
        return self.request("POST", path, body, **options)

    def put(self, path: str, body: Any, **options: Any) -> requests.Response:
        """PUT a JSON body."""
        return self.request("PUT", path, body, **options)

    def patch(self, path: str, body: Any, **options: Any) -> requests.Response:
        """PATCH a JSON body."""
        return self.request("PATCH", path, body, **options)

    def patch_ops(
        self, path: str, *operations: dict[str, Any], **options: Any
    ) -> requests.Response:
        """PATCH a SCIM 2.0 PatchOp made of these operations."""
        return self.patch(path, {"schemas": [PATCH_OP], "Operations": list(operations)}, **options)

    def delete(self, path: str) -> requests.Response:
        """DELETE (IdPs send no body)."""
        return self.request("DELETE", path)

    def close(self) -> None:
        """Close the connections (the live server keeps a thread and a database connection each)."""
        self.session.close()


def expect(response: requests.Response, status: int) -> Any:
    """The response has this status; a body, if any, is SCIM JSON. Returns the parsed body."""
    assert response.status_code == status, (response.status_code, response.text)
    if status == 204:
        assert response.content == b""
        return None
    assert response.headers["Content-Type"].split(";")[0] == SCIM, response.headers
    assert response.content  # Okta counts an empty 200/201 as a failure
    return response.json()


def expect_created(response: requests.Response) -> dict[str, Any]:
    """A 201 with the resource, its `Location` (its own meta.location) and an `ETag`."""
    body = expect(response, 201)
    assert response.headers["Location"] == body["meta"]["location"]
    assert response.headers["ETag"] == body["meta"]["version"]
    assert "password" not in response.text
    return body


def expect_list(response: requests.Response, total: int) -> list[dict[str, Any]]:
    """A 200 ListResponse with `total` results; returns its resources."""
    body = expect(response, 200)
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == total, body
    return body.get("Resources", [])


def expect_error(response: requests.Response, status: int, scim_type: str | None = None) -> str:
    """A SCIM 2.0 Error with this status (and scimType); returns its detail."""
    body = expect(response, status)
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body["detail"]


def expect_error_v1(response: requests.Response, status: int) -> str:
    """A SCIM 1.1 error (`{"Errors": [{"description", "code"}]}`); returns the description."""
    assert response.status_code == status, (response.status_code, response.text)
    [error] = response.json()["Errors"]
    assert str(error["code"]) == str(status)
    return error["description"]
