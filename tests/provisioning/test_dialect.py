"""The dialect objects: 2.0 is the identity, 1.1 translates; every route names its dialect."""

from __future__ import annotations

import pytest
from django.urls import resolve

from provisioning.scim.dialect import NO_CHANGE, V1, V2
from provisioning.scim.errors import ScimError
from provisioning.scim.query import ListQuery
from provisioning.scim.schema import Locator
from provisioning.scim.v1.names import CORE_SCHEMA, Kind

LOCATOR = Locator("https://scim.example/scim/v1")


class TestV2:
    """SCIM 2.0 passes requests and answers through unchanged."""

    def test_identity(self) -> None:
        body = {"schemas": ["x"], "userName": "a"}
        assert V2.resource_in(body, Kind.USER) is body
        assert V2.patch_in(body, Kind.USER) is body
        assert V2.resource_out(body) is body

    def test_error_and_list(self) -> None:
        assert V2.error_body(ScimError(404, "gone"))["status"] == "404"
        listed = V2.list_response([], total=3, query=ListQuery(start_index=1, count=0))
        assert listed["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]


class TestV1:
    """SCIM 1.1 translates to and from the 2.0 core."""

    def test_patch_without_change(self) -> None:
        assert V1.patch_in({"schemas": [CORE_SCHEMA], "id": "x"}, Kind.USER) is NO_CHANGE
        assert V1.patch_in({"active": False}, Kind.USER)["Operations"] == [
            {"op": "replace", "path": "active", "value": False}
        ]

    def test_error_and_list(self) -> None:
        assert V1.error_body(ScimError(404, "gone")) == {
            "Errors": [{"description": "gone", "code": "404"}]
        }
        listed = V1.list_response([], total=3, query=ListQuery(start_index=1, count=0))
        assert listed["schemas"] == [CORE_SCHEMA]

    def test_find_schema(self) -> None:
        documents = V1.schemas(
            [
                {"id": "urn:ietf:params:scim:schemas:core:2.0:User", "attributes": []},
                {
                    "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "attributes": [],
                },
                {"id": "urn:ietf:params:scim:schemas:core:2.0:Group", "attributes": []},
            ],
            locator=LOCATOR,
        )
        assert V1.find_schema(documents, "users")["name"] == "User"
        with pytest.raises(ScimError):
            V1.find_schema(documents, "Bulk")


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("/scim/v2/Users", V2),
        ("/scim/v2/Groups/1", V2),
        ("/scim/v2/Schemas", V2),
        ("/scim/v2/ServiceProviderConfig", V2),
        ("/scim/v1/Users/", V1),
        ("/scim/v1/Groups/1", V1),
        ("/scim/v1/ServiceProviderConfigs", V1),
        ("/scim/v1/Schemas/User", V1),
        ("/scim/v1/Bulk", V1),
        ("/scim/v3/Users", V2),
    ],
)
def test_routes_pass_their_dialect(url: str, dialect: object) -> None:
    """Every route tells its view the dialect it speaks."""
    assert resolve(url).func.view_initkwargs.get("dialect") is dialect


@pytest.mark.parametrize("endpoint", ["Users", "Users/1", "Groups", "Groups/1", "Schemas"])
def test_one_set_of_views(endpoint: str) -> None:
    """/v1 and /v2 are served by the same view classes."""
    assert (
        resolve(f"/scim/v1/{endpoint}").func.view_class
        is resolve(f"/scim/v2/{endpoint}").func.view_class
    )
