"""Stored resources answered as stored: the same JSON scim2-models would render, or not used."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from scim2_models import Context

from provisioning.scim import leniency, mapping
from provisioning.scim.mapping import GroupRef, MemberRow
from provisioning.scim.rendering import Canonical
from provisioning.scim.schema import ENTERPRISE_SCHEMA, GroupResource, Locator, UserResource

LOCATOR = Locator("https://scim.example.com/scim/v2")
WHEN = datetime(2026, 12, 2, 6, 0, 0, 123456, tzinfo=UTC)
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"

FULL_USER = {
    "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
    "userName": "bo@example.com",
    "externalId": "e-1",
    "name": {"givenName": "Bo", "familyName": "Ek", "formatted": "Bo Ek"},
    "displayName": "Bo",
    "nickName": "b",
    "title": "Engineer",
    "userType": "Employee",
    "preferredLanguage": "en",
    "locale": "en-US",
    "timezone": "Europe/Paris",
    "profileUrl": "https://example.com/bo",
    "active": True,
    "password": "never-returned",
    "emails": [
        {"value": "bo@example.com", "type": "work", "primary": True},
        {"value": "bo@home.example", "type": "home"},
    ],
    "phoneNumbers": [{"value": "+33 1 23", "type": "mobile"}],
    "addresses": [{"streetAddress": "1 rue", "locality": "Paris", "type": "work"}],
    "roles": [{"value": "r1", "display": "Role"}],
    "entitlements": [{"value": "ent"}],
    "x509Certificates": [{"value": "TUlJ"}],
    ENTERPRISE_SCHEMA: {
        "employeeNumber": "7",
        "department": "R&D",
        "manager": {"value": str(uuid.uuid4())},
    },
}
USERS = [
    FULL_USER,
    {"schemas": [USER_SCHEMA], "userName": "min"},
    {"schemas": [USER_SCHEMA], "userName": "off", "active": False, "displayName": "Off"},
    {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "userName": "e",
        ENTERPRISE_SCHEMA: {"division": "d"},
    },
]


def stored_user(body: dict[str, Any]) -> SimpleNamespace:
    """A row as the tables hold a user created with `body`."""
    normalised = leniency.normalise_resource(dict(body), UserResource, locator=LOCATOR)
    fields = mapping.user_fields(
        mapping.validate_user(normalised, Context.RESOURCE_CREATION_REQUEST)
    )
    return SimpleNamespace(
        id=uuid.uuid4(), external_id=fields.external_id, created=WHEN, last_modified=WHEN,
        etag='W/"2"', user_name=fields.user_name, display_name=fields.display_name,
        active=fields.active, resource=fields.resource,
    )  # fmt: skip


def by_models(model: Any, document: dict[str, Any]) -> dict[str, Any]:
    """What scim2-models renders for a document (the path the shortcut replaces)."""
    return model.model_validate(document).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


class TestCanonical:
    """The shortcut answers byte for byte what scim2-models would (same keys, same order)."""

    @pytest.mark.parametrize("body", USERS, ids=lambda body: body["userName"])
    @pytest.mark.parametrize("groups", [None, [GroupRef(uuid.uuid4(), "Staff")]])
    def test_users(self, body: dict[str, Any], groups: Any) -> None:
        document = mapping.user_document(stored_user(body), locator=LOCATOR, groups=groups)
        canonical = Canonical(UserResource)
        assert canonical.trusted(document)
        assert json.dumps(canonical.ordered(document)) == json.dumps(
            by_models(UserResource, document)
        )
        assert "password" not in canonical.ordered(document)

    @pytest.mark.parametrize(
        "members", [None, [MemberRow(uuid.uuid4(), "bo"), MemberRow(uuid.uuid4(), None)]]
    )
    @pytest.mark.parametrize("external_id", [None, "ext"])
    def test_groups(self, members: Any, external_id: Any) -> None:
        group = SimpleNamespace(
            id=uuid.uuid4(), external_id=external_id, created=WHEN, last_modified=WHEN,
            etag='W/"1"', display_name="Staff",
        )  # fmt: skip
        document = mapping.group_document(group, locator=LOCATOR, members=members)
        canonical = Canonical(GroupResource)
        assert canonical.trusted(document)
        assert json.dumps(canonical.ordered(document)) == json.dumps(
            by_models(GroupResource, document)
        )

    @pytest.mark.parametrize(
        "extra",
        [
            {"unknownAttribute": 1},
            {"title": None},
            {ENTERPRISE_SCHEMA: {}},
            {ENTERPRISE_SCHEMA: "x"},
        ],
    )
    def test_what_it_does_not_know_goes_to_the_models(self, extra: dict[str, Any]) -> None:
        document = {**mapping.user_document(stored_user(USERS[1]), locator=LOCATOR), **extra}
        assert not Canonical(UserResource).trusted(document)
