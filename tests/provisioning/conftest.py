"""Fixtures for the SCIM API tests: a configuration, a SCIM client, a recording applier."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.services import (
    IssuedCredentials,
    directory_get_or_create,
    scim_configuration_create,
)
from provisioning.scim.errors import ScimError
from provisioning.services.apply import applier_override, log_changes
from provisioning.services.changes import ChangeSet

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@dataclass
class RecordingApplier:
    """An applier that records every change set and can be told to fail (tests the seam)."""

    change_sets: list[ChangeSet] = field(default_factory=list)
    fail_with: Exception | None = None

    def __call__(self, change_set: ChangeSet) -> None:
        self.change_sets.append(change_set)
        if self.fail_with is not None:
            raise self.fail_with

    @property
    def kinds(self) -> list[list[str]]:
        """The kinds of each recorded change set."""
        return [change_set.kinds for change_set in self.change_sets]

    @property
    def last(self) -> ChangeSet:
        """The most recent change set."""
        return self.change_sets[-1]

    def fail(self, status: int = 503, detail: str = "Jira is unreachable.") -> None:
        """Make the next applications fail like an unreachable Jira."""
        self.fail_with = ScimError(status, detail, headers={"Retry-After": "30"})


@pytest.fixture(autouse=True)
def _no_jira() -> Iterator[None]:
    """SCIM protocol tests run without a Jira: writes are only logged (the write-through
    tests in writethrough/ install the Jira applier on a fake Jira over this)."""
    with applier_override(log_changes):
        yield


@pytest.fixture
def applier() -> Iterator[RecordingApplier]:
    """Every write in the test goes through this applier."""
    recorder = RecordingApplier()
    with applier_override(recorder):
        yield recorder


def make_site(name: str = "scim-tests") -> JiraSite:
    """A Jira site nobody listens on: the SCIM API never calls Jira on its own."""
    site = JiraSite(name=name, base_url="http://127.0.0.1:9")
    site.set_secret("x")
    site.save()
    return site


@pytest.fixture
def scim_directory(db: Any) -> Directory:
    """The directory the default configuration provisions into."""
    return directory_get_or_create(name="SCIM tests", jira_site=make_site())


@pytest.fixture
def scim_configuration(
    scim_directory: Directory,
) -> tuple[ScimConfiguration, IssuedCredentials]:
    """A configuration on `scim_directory` with "delete users" off."""
    return scim_configuration_create(name="idp", directory=scim_directory)


class ScimClient:
    """Django's test client speaking SCIM with a configuration's bearer token."""

    def __init__(self, token: str, base: str = "/scim/v2") -> None:
        self.client = Client()
        self.token = token
        self.base = base

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"{self.base}/{path}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str | None = SCIM,
        raw: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> Any:
        """Send a request; `body` is JSON-encoded unless `raw` is given."""
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else "")
        # No Content-Type at all (Django's client would default to application/octet-stream).
        kwargs: dict[str, Any] = {"content_type": content_type or ""}
        url = self._url(path)
        if params:
            return self.client.generic(
                method, url, data, QUERY_STRING=_query(params), **kwargs, **extra
            )
        return self.client.generic(method, url, data, **kwargs, **extra)

    def get(self, path: str, **params: Any) -> Any:
        """GET with query parameters."""
        headers = params.pop("headers", None)
        return self.request("GET", path, None, content_type=None, headers=headers, **params)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """POST a JSON body."""
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """PUT a JSON body."""
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        """PATCH a JSON body."""
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE."""
        return self.request("DELETE", path, None, content_type=None, **kwargs)

    # Shorthands for the tests' common steps.

    def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        """POST /Users and return the created resource (asserting 201)."""
        response = self.post(
            "Users", {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}
        )
        assert response.status_code == 201, response.content
        return response.json()

    def create_group(self, display_name: str, members: list[str] | None = None) -> dict[str, Any]:
        """POST /Groups and return the created resource (asserting 201)."""
        body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": display_name}
        if members is not None:
            body["members"] = [{"value": member} for member in members]
        response = self.post("Groups", body)
        assert response.status_code == 201, response.content
        return response.json()

    def patch_ops(self, path: str, *operations: dict[str, Any], **kwargs: Any) -> Any:
        """PATCH with a PatchOp of these operations."""
        return self.patch(
            path, {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}, **kwargs
        )


def _query(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


@pytest.fixture
def scim(scim_configuration: tuple[ScimConfiguration, IssuedCredentials]) -> ScimClient:
    """A SCIM client authenticated as the default configuration."""
    return ScimClient(scim_configuration[1].token)


def assert_scim_error(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """The response is a SCIM Error with this status (and scimType)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body["detail"]
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    return body


def valid_resource(body: dict[str, Any], model: Any = None) -> Any:
    """The body validated by scim2-models as a query response (User or Group by schema)."""
    from scim2_models import Context

    from provisioning.scim.schema import GroupResource, UserResource

    if model is None:
        model = GroupResource if GROUP_SCHEMA in body.get("schemas", []) else UserResource
    return model.model_validate(body, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def valid_list(body: dict[str, Any], model: Any = None) -> Any:
    """A ListResponse validated by scim2-models, each resource as its own type."""
    from scim2_models import Context, ListResponse

    from provisioning.scim.schema import GroupResource, UserResource

    assert body["schemas"] == [LIST_SCHEMA]
    response_type = ListResponse[model or (UserResource | GroupResource)]
    return response_type.model_validate(body, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
