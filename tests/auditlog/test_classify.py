"""Operation, resource type and id from method, path and response alone."""

from __future__ import annotations

from typing import Any

import pytest

from auditlog.classify import Classification as Kind
from auditlog.classify import classify
from auditlog.models import Operation as Op

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
SPC = "ServiceProviderConfig"


def req(method: str, path: str, status: int = 200, **response: Any) -> dict[str, Any]:
    """A request/response pair as classify takes it."""
    return {"method": method, "path": path, "status": status, **response}


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (req("GET", "/scim/v2/Users"), Kind(Op.LIST, "User")),
        (req("GET", "/scim/v2/Users/"), Kind(Op.LIST, "User")),
        (req("GET", "/scim/v2/users"), Kind(Op.LIST, "User")),
        (req("POST", "/scim/v2/Users", 201, document={"id": "u1"}), Kind(Op.CREATE, "User", "u1")),
        (req("POST", "/scim/v2/Groups", 201, location="https://h/scim/v2/Groups/g%201"),
         Kind(Op.CREATE, "Group", "g 1")),
        (req("POST", "/scim/v2/Users", 409, document={"status": "409"}), Kind(Op.CREATE, "User")),
        (req("POST", "/scim/v2/Users/.search"), Kind(Op.SEARCH, "User")),
        (req("POST", "/scim/v2/.search"), Kind(Op.SEARCH)),
        (req("GET", "/scim/v2/Users/u1", document={"id": "u1"}), Kind(Op.READ, "User", "u1")),
        (req("PUT", "/scim/v2/Users/u1"), Kind(Op.REPLACE, "User", "u1")),
        (req("PATCH", "/scim/v2/Groups/g1", 204), Kind(Op.PATCH, "Group", "g1")),
        (req("DELETE", "/scim/v2/Users/u%2F1", 204), Kind(Op.DELETE, "User", "u/1")),
        (req("GET", "/scim/v2/Me", document={"id": "u9"}), Kind(Op.READ, "User", "u9")),
        (req("POST", "/scim/v2/Bulk"), Kind(Op.BULK)),
        (req("GET", "/scim/v2/ServiceProviderConfig"), Kind(Op.DISCOVERY, SPC)),
        (req("GET", "/scim/v1/ServiceProviderConfigs"), Kind(Op.DISCOVERY, SPC)),
        (req("GET", f"/scim/v2/Schemas/{USER_URN}"), Kind(Op.DISCOVERY, "Schema", USER_URN)),
        (req("GET", "/scim/v2/ResourceTypes"), Kind(Op.DISCOVERY, "ResourceType")),
        (req("GET", "/scim/v1/Users/u1"), Kind(Op.READ, "User", "u1")),
        (req("GET", "/scim/v2/Nothing", 404), Kind(Op.OTHER, "Nothing")),
        (req("GET", "/scim/v2/", 404), Kind(Op.OTHER)),
        (req("HEAD", "/scim/v2/Users"), Kind(Op.OTHER, "User")),
        (req("GET", "/scim/v2/Users/u1/extra", 404), Kind(Op.OTHER, "User")),
    ],
)  # fmt: skip
def test_classify(request_, expected):
    assert classify(**request_) == expected


def test_long_ids_are_cut_to_the_column():
    kind = classify(method="GET", path="/scim/v2/Users/" + "x" * 300, status=404)
    assert len(kind.resource_id) == 255
