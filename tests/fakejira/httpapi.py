"""A small ``requests`` helper for talking to a fake Jira in tests (admin PAT by default)."""

from __future__ import annotations

from typing import Any

import requests

from .fake import FakeJira

API = "/rest/api/2"


class Api:
    """Plain ``requests`` calls to a fake Jira, relative to ``/rest/api/2``."""

    def __init__(self, fake: FakeJira, **auth: Any) -> None:
        """``token=...``, ``basic=(user, password)``, ``anonymous=True``; default: admin PAT."""
        self.fake = fake
        self.http = requests.Session()
        self.auth = auth or {"token": fake.admin_token}

    def call(self, method: str, path: str, *, json: Any = None, **params: Any) -> requests.Response:
        """Send one request; ``params`` become the query string."""
        headers = {"Accept": "application/json"}
        basic = None
        if "token" in self.auth:
            headers["Authorization"] = f"Bearer {self.auth['token']}"
        elif "basic" in self.auth:
            basic = self.auth["basic"]
        return self.http.request(
            method,
            self.fake.url + API + path,
            params=params or None,
            json=json,
            headers=headers,
            auth=basic,
            timeout=5,
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        """GET ``path``."""
        return self.call("GET", path, **params)

    def post(self, path: str, json: Any = None, **params: Any) -> requests.Response:
        """POST ``path``."""
        return self.call("POST", path, json=json, **params)

    def put(self, path: str, json: Any = None, **params: Any) -> requests.Response:
        """PUT ``path``."""
        return self.call("PUT", path, json=json, **params)

    def delete(self, path: str, **params: Any) -> requests.Response:
        """DELETE ``path``."""
        return self.call("DELETE", path, **params)


def new_user(name: str, **extra: Any) -> dict[str, Any]:
    """A create-user body."""
    return {
        "name": name,
        "emailAddress": f"{name.lower()}@example.com",
        "displayName": name.title(),
        "notification": "false",
        **extra,
    }
