"""Fixtures of the SCIM 1.1 tests: 1.1 clients, 1.1 bodies, and the write-through fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from configurations.models import ScimConfiguration
from configurations.services import IssuedCredentials
from tests.provisioning.conftest import SCIM, ScimClient

# The fake Jira, its site and directory, and IdP clients on it, as the write-through tests
# set them up (their autouse Jira applier is imported only where a test needs Jira).
from tests.provisioning.writethrough.conftest import (  # noqa: F401 - fixtures
    idp,
    jira,
    make_idp,
    site,
    wt_directory,
)

CORE = "urn:scim:schemas:core:1.0"
ENTERPRISE = "urn:scim:schemas:extension:enterprise:1.0"
ENTERPRISE_V2 = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def v1_client(token: str) -> ScimClient:
    """A SCIM client speaking to /scim/v1 with a configuration's bearer token."""
    return ScimClient(token, base="/scim/v1")


@pytest.fixture
def scim1(scim_configuration: tuple[ScimConfiguration, IssuedCredentials]) -> ScimClient:
    """A 1.1 client of the default configuration (writes are only logged, no Jira)."""
    return v1_client(scim_configuration[1].token)


def user11(user_name: str, **attributes: Any) -> dict[str, Any]:
    """A User as Okta's SCIM 1.1 connector POSTs it (names and email from the userName)."""
    local = user_name.split("@", 1)[0]
    given, _, family = local.partition(".")
    given, family = given.title(), (family or "Test").title()
    return {
        "schemas": [CORE],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [
            {
                "primary": True,
                "value": user_name if "@" in user_name else f"{user_name}@example.com",
                "type": "work",
            }
        ],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": f"00u{sum(map(ord, user_name)) * 7919 % 10**8}",
        "groups": [],
        "password": "t1meMach1ne!",
        "active": True,
        **attributes,
    }


def group11(display_name: str, *member_ids: str) -> dict[str, Any]:
    """A Group as Okta's SCIM 1.1 connector POSTs it."""
    return {
        "schemas": [CORE],
        "displayName": display_name,
        "members": [{"value": member_id} for member_id in member_ids],
    }


def assert_v1_error(response: Any, status: int) -> str:
    """The response is a SCIM 1.1 error with this status; returns its description."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert set(body) == {"Errors"}, body
    [error] = body["Errors"]
    assert set(error) == {"description", "code"}, error
    assert error["code"] == str(status)
    assert isinstance(error["description"], str)
    assert error["description"]
    return error["description"]
