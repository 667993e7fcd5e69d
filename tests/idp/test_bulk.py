"""A SailPoint-style connector batching its provisioning into SCIM Bulk, replayed over HTTP.

One Bulk request creates a manager and a report (the report's manager by `bulkId`, sent
before the manager), a group of both, and a protected group; a second one disables the
report, changes the manager, and removes him from the group. Every operation is served by
the single-request endpoints, so Jira holds exactly what the BulkResponse reports, and the
protected group is refused (403) without touching Jira. Also: Bulk is advertised, the SCIM
1.1 endpoint keeps answering 501.
"""

from __future__ import annotations

import pytest

from tests.fakejira import FakeJira

from .client import ENTERPRISE, GROUP, PATCH_OP, USER, IdpClient, expect, expect_error_v1
from .conftest import MakeIdp

pytestmark = pytest.mark.django_db(transaction=True)

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


def _user(bulk_id: str, name: str, manager: str | None = None) -> dict:
    enterprise: dict = {"department": "Ops"}
    if manager:
        enterprise["manager"] = {"value": manager}
    data = {
        "schemas": [USER, ENTERPRISE],
        "userName": name,
        "active": True,
        "displayName": name.title(),
        "emails": [{"value": f"{name}@sail.example", "type": "work", "primary": True}],
        ENTERPRISE: enterprise,
    }
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}


def _bulk(idp: IdpClient, *operations: dict) -> list[dict]:
    body = expect(idp.post("Bulk", {"schemas": [BULK], "Operations": list(operations)}), 200)
    assert body["schemas"] == [BULK_RESPONSE]
    return body["Operations"]


def test_sailpoint_batch_in_bulk(make_idp: MakeIdp, jira: FakeJira) -> None:
    sailpoint = make_idp("sailpoint-bulk", user_agent="SailPoint-IdentityNow-SCIM2-replay")
    config = expect(sailpoint.get("ServiceProviderConfig"), 200)
    assert config["bulk"] == {"supported": True, "maxOperations": 1000, "maxPayloadSize": 4194304}
    members = [{"value": "bulkId:report"}, {"value": "bulkId:boss"}]
    first = _bulk(
        sailpoint,
        _user("report", "sp-report", manager="bulkId:boss"),  # forward reference
        _user("boss", "sp-boss"),
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "ops",
            "data": {"schemas": [GROUP], "displayName": "sp-ops", "members": members},
        },
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "admins",
            "data": {"schemas": [GROUP], "displayName": "jira-administrators"},
        },
    )
    assert [(r["bulkId"], r["status"]) for r in first] == [
        ("report", "201"),
        ("boss", "201"),
        ("ops", "201"),
        ("admins", "403"),
    ]
    ids = {r["bulkId"]: r["location"].rsplit("/", 1)[1] for r in first if r["status"] == "201"}
    assert first[0]["location"] == f"{sailpoint.base_url}/Users/{ids['report']}"
    report = expect(sailpoint.get(f"Users/{ids['report']}"), 200)
    assert report[ENTERPRISE]["manager"]["value"] == ids["boss"]
    assert report["meta"]["version"] == first[0]["version"]
    assert jira.members("sp-ops") == {"sp-report", "sp-boss"}
    assert "protected" in first[3]["response"]["detail"].lower()
    assert len(jira.requests("POST", "/rest/api/2/group")) == 1  # sp-ops only
    assert jira.members("jira-administrators") == {jira.admin_username}

    second = _bulk(
        sailpoint,
        {
            "method": "PATCH",
            "path": f"/Users/{ids['report']}",
            "version": first[0]["version"],
            "data": {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        },
        {
            "method": "PATCH",
            "path": f"/Users/{ids['boss']}",
            "data": {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "displayName", "value": "The Boss"}],
            },
        },
        {
            "method": "PATCH",
            "path": f"/Groups/{ids['ops']}",
            "data": {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "remove", "path": f'members[value eq "{ids["boss"]}"]'}],
            },
        },
    )
    assert [(r["method"], r["status"]) for r in second] == [
        ("PATCH", "200"),
        ("PATCH", "200"),
        ("PATCH", "204"),
    ]
    assert jira.user("sp-report").active is False
    assert jira.user("sp-boss").display_name == "The Boss"
    assert jira.members("sp-ops") == {"sp-report"}


def test_v1_bulk_stays_501(make_idp: MakeIdp) -> None:
    v1 = make_idp("sailpoint-v1", version="v1")
    assert "Not implemented" in expect_error_v1(v1.post("Bulk", {"Operations": []}), 501)
    config = v1.get("ServiceProviderConfigs").json()
    assert config["bulk"]["supported"] is False
