"""RFC-valid request shapes IdPs send: names in any case, optional sub-attributes left out."""

from __future__ import annotations

import pytest

from .conftest import ENTERPRISE, USER_SCHEMA, RecordingApplier, ScimClient, valid_resource

pytestmark = pytest.mark.django_db


class TestNameCase:
    """RFC 7643 section 2.1: attribute names are case-insensitive, everywhere."""

    def test_capitalised_enterprise_extension_is_created(
        self, scim: ScimClient, applier: RecordingApplier
    ) -> None:
        boss = scim.create_user("boss")
        response = scim.post(
            "Users",
            {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "UserName": "ann",
                "Emails": [{"Value": "ann@x.org", "Primary": True}],
                ENTERPRISE: {"Department": "Ops", "Manager": {"Value": boss["id"]}},
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        valid_resource(body)
        assert body[ENTERPRISE]["department"] == "Ops"
        assert body[ENTERPRISE]["manager"] == {
            "value": boss["id"],
            "$ref": f"http://testserver/scim/v2/Users/{boss['id']}",
        }
        assert body["emails"] == [{"value": "ann@x.org", "primary": True}]

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (f"{ENTERPRISE}:manager.value", "boss-2"),
            (f"{ENTERPRISE}:Manager.Value", "boss-2"),
            (f"{ENTERPRISE}:Manager", {"Value": "boss-2"}),
        ],
    )
    def test_manager_value_patched_without_ref(
        self, scim: ScimClient, path: str, value: object
    ) -> None:
        user = scim.create_user("ann", **{ENTERPRISE: {"manager": {"value": "boss-1"}}})
        response = scim.patch_ops(
            f"Users/{user['id']}",
            {"op": "replace", "path": path, "value": value},
            attributes=ENTERPRISE,
        )
        assert response.status_code == 200, response.content
        manager = response.json()[ENTERPRISE]["manager"]
        assert manager["value"] == "boss-2"
        stored = scim.get(f"Users/{user['id']}").json()
        assert stored[ENTERPRISE]["manager"]["value"] == "boss-2"

    def test_manager_by_ref_only_and_cleared(self, scim: ScimClient) -> None:
        ref = "http://testserver/scim/v2/Users/boss"
        user = scim.create_user("ann", **{ENTERPRISE: {"manager": {"$ref": ref}}})
        assert user[ENTERPRISE]["manager"] == {"value": "boss", "$ref": ref}
        response = scim.put(
            f"Users/{user['id']}",
            {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ann",
             ENTERPRISE: {"manager": {"value": ""}}},
        )
        assert response.status_code == 200, response.content
        assert "manager" not in response.json().get(ENTERPRISE, {})
