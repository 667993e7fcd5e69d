"""scim2-tester's compliance checks against a live scimbridge server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from scim2_client import BaseSyncSCIMClient
from scim2_tester import Status, check_server

from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import ScimGroup, ScimUser

from .conftest import make_site


class RequestsSCIMClient(BaseSyncSCIMClient):
    """A scim2-client engine over `requests` (the project's HTTP library)."""

    def __init__(self, base_url: str, token: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") + "/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _stays_under_base_url(self, endpoint: str) -> bool:
        target = urlsplit(urljoin(self.base_url, endpoint.lstrip("/")))
        base = urlsplit(self.base_url)
        return target.netloc == base.netloc and target.path.startswith(base.path)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one request under the base URL."""
        target = url if urlsplit(url).scheme else urljoin(self.base_url, url.lstrip("/"))
        return self.session.request(
            method,
            target,
            params=params,
            json=json,
            data=content,
            headers=headers,
            timeout=30,
        )


@pytest.mark.django_db(transaction=True)
def test_every_check_passes(live_server: Any) -> None:
    """Discovery, CRUD, queries with attributes, PATCH add/replace/remove on every attribute."""
    directory = directory_get_or_create(name="tester", jira_site=make_site("tester"))
    # "delete users" on: the tester expects a deleted user to be gone.
    # A conformance run creates and deletes many groups in seconds: no breaker limits.
    _, credentials = scim_configuration_create(
        name="tester", directory=directory, max_deprovisions=0, max_group_deletions=0
    )
    client = RequestsSCIMClient(f"{live_server.url}/scim/v2", credentials.token)

    try:
        results = check_server(client)
    finally:
        # The test server keeps a thread (and its database connection) per open HTTP
        # connection: close ours, so the test database can be dropped afterwards.
        client.session.close()

    failures = [
        f"{result.resource_type or ''} {result.title}: {result.reason}"
        for result in results
        if result.status in (Status.ERROR, Status.CRITICAL)
    ]
    assert not failures, "\n".join(failures)
    passed = [result for result in results if result.status == Status.SUCCESS]
    # The run exercised both resource types, not only discovery.
    assert {result.resource_type for result in passed} >= {"User", "Group"}
    assert len(passed) > 50
    # Everything the tester created it deleted again; users were hidden, not kept visible.
    assert not ScimGroup.objects.filter(directory=directory).exists()
    assert not ScimUser.objects.filter(directory=directory, hidden_at__isnull=True).exists()
