"""Resource ↔ storage mapping without a database: what is split where, what is refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from provisioning.scim import mapping
from provisioning.scim.errors import ScimError
from provisioning.scim.schema import Locator
from tests.provisioning.factories import group_resource, user_resource

LOCATOR = Locator("https://scim.example/scim/v2")
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
FULL_USER: dict[str, Any] = {
    "userName": "bjensen",
    "externalId": "ext-1",
    "name": {
        "formatted": "Ms. Barbara J Jensen, III",
        "familyName": "Jensen",
        "givenName": "Barbara",
        "middleName": "Jane",
        "honorificPrefix": "Ms.",
        "honorificSuffix": "III",
    },
    "displayName": "Babs Jensen",
    "nickName": "Babs",
    "profileUrl": "https://login.example.com/bjensen",
    "title": "Tour Guide",
    "userType": "Employee",
    "preferredLanguage": "en-US",
    "locale": "en-US",
    "timezone": "America/Los_Angeles",
    "active": True,
    "password": "t1meMa$heen",
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
    "ims": [{"value": "someaimhandle", "type": "aim"}],
    "photos": [
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}
    ],
    "addresses": [
        {
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "type": "work",
            "primary": True,
        }
    ],
    "entitlements": [{"value": "Jira Admin"}],
    "roles": [{"value": "Student", "display": "student"}],
    "x509Certificates": [{"value": "aGVsbG8="}],
    ENTERPRISE: {
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
    },
}


class TestUserFields:
    """A User split into columns, JSON and rows."""

    def test_split(self) -> None:
        fields = mapping.user_fields(user_resource(FULL_USER))
        assert (fields.user_name, fields.external_id, fields.display_name, fields.active) == (
            "bjensen",
            "ext-1",
            "Babs Jensen",
            True,
        )
        assert fields.password == "t1meMa$heen"
        assert "password" not in fields.resource
        assert "userName" not in fields.resource
        # The manager's $ref is derived at render time, from this server's URL.
        assert fields.resource[ENTERPRISE]["manager"] == {
            "value": "26118915-6090-4610-87e4-49d8ca9f808d"
        }
        rows = {(row.attribute, row.position): row for row in fields.values}
        assert rows["emails", 0].value == "bjensen@example.com"
        assert rows["emails", 0].primary is True
        assert rows["emails", 1].type == "home"
        assert rows["addresses", 0].value is None
        assert rows["addresses", 0].data["locality"] == "Hollywood"
        assert "password" not in repr(fields)

    @pytest.mark.parametrize(
        ("change", "detail"),
        [
            ({"userName": " "}, "userName"),
            ({"userName": "u" * 256}, "userName"),
            ({"displayName": "d" * 256}, "displayName"),
            ({"externalId": "e" * 513}, "externalId"),
            ({"roles": [{"value": str(n)} for n in range(1001)]}, "roles"),
        ],
    )
    def test_limits(self, change: dict[str, Any], detail: str) -> None:
        with pytest.raises(ScimError) as caught:
            mapping.user_fields(user_resource({**FULL_USER, **change}))
        assert caught.value.status == 400
        assert detail in caught.value.detail


class TestGroupFields:
    """Group members must be users, named by our ids."""

    def test_members(self) -> None:
        member = str(uuid.uuid4())
        fields = mapping.group_fields(
            group_resource(
                {
                    "displayName": "g",
                    "members": [
                        {"value": member, "display": "Ann", "type": "User"},
                        {"value": member},
                    ],
                }
            )
        )
        assert fields.members == [mapping.MemberRef(uuid.UUID(member), None)]

    @pytest.mark.parametrize(
        "member",
        [
            {"value": "not-a-uuid"},
            {"value": str(uuid.uuid4()), "type": "Group"},
            {"value": str(uuid.uuid4()).upper()},
        ],
    )
    def test_refused_members(self, member: dict[str, Any]) -> None:
        with pytest.raises(ScimError) as caught:
            mapping.group_fields(group_resource({"displayName": "g", "members": [member]}))
        assert caught.value.scim_type == "invalidValue"

    def test_name_limits(self) -> None:
        with pytest.raises(ScimError):
            mapping.group_fields(group_resource({"displayName": "g" * 256}))


@dataclass(frozen=True)
class StoredUser:
    """Any object with the stored attributes renders: no table row is needed."""

    id: uuid.UUID
    user_name: str
    external_id: str | None
    display_name: str | None
    active: bool | None
    resource: dict[str, Any]
    created: datetime
    last_modified: datetime
    etag: str = 'W/"3"'


class TestRendering:
    """Stored values rendered back as a resource, with URLs from the locator."""

    def test_user_document(self) -> None:
        fields = mapping.user_fields(user_resource(FULL_USER))
        moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        user = StoredUser(
            id=uuid.uuid4(),
            user_name=fields.user_name,
            external_id=fields.external_id,
            display_name=fields.display_name,
            active=fields.active,
            resource=fields.resource,
            created=moment,
            last_modified=moment,
        )
        document = mapping.user_document(user, locator=LOCATOR)
        assert document["meta"] == {
            "resourceType": "User",
            # As scim2-models writes timestamps: the document is answered as it is.
            "created": "2024-05-01T12:00:00Z",
            "lastModified": "2024-05-01T12:00:00Z",
            "location": LOCATOR.user(user.id),
            "version": 'W/"3"',
        }
        assert document["userName"] == "bjensen"
        assert document["schemas"][-1] == ENTERPRISE
        manager = document[ENTERPRISE]["manager"]
        assert manager["$ref"] == LOCATOR.user(manager["value"])
        assert "groups" not in document
        assert "password" not in document

    def test_parse_id_is_case_exact(self) -> None:
        member = uuid.uuid4()
        assert mapping.parse_id(str(member)) == member
        assert mapping.parse_id(str(member).upper()) is None
        assert mapping.parse_id(7) is None
