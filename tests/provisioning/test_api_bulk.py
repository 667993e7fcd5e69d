"""POST /Bulk through Django's test client: each operation served like a single request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings

from auditlog import services as audit_services
from auditlog.models import AuditEntry
from configurations.services import scim_configuration_create
from provisioning.models import Directory, ScimGroup, ScimUser

from .conftest import ENTERPRISE, USER_SCHEMA, RecordingApplier, ScimClient, assert_scim_error

pytestmark = pytest.mark.django_db

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def bulk(scim: ScimClient, *operations: dict[str, Any], **fields: Any) -> Any:
    """POST /Bulk with these operations; the BulkResponse's Operations."""
    response = scim.post("Bulk", {"schemas": [BULK], "Operations": list(operations), **fields})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["schemas"] == [BULK_RESPONSE]
    return body["Operations"]


def new_user(bulk_id: str, user_name: str, **attributes: Any) -> dict[str, Any]:
    """A POST /Users operation."""
    data = {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}


def new_group(bulk_id: str, name: str, members: list[str]) -> dict[str, Any]:
    """A POST /Groups operation whose members are `bulkId:` references or ids."""
    data = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": m} for m in members],
    }
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}


class TestBulk:
    """The RFC 7644 section 3.7 shapes."""

    def test_group_refers_to_users_created_before(self, scim: ScimClient) -> None:
        results = bulk(
            scim,
            new_user("u1", "ann"),
            new_user("u2", "bob"),
            new_group("g1", "ops", ["bulkId:u1", "bulkId:u2"]),
        )
        assert [r["status"] for r in results] == ["201", "201", "201"]
        ann, bob = ScimUser.objects.get(user_name="ann"), ScimUser.objects.get(user_name="bob")
        assert results[0]["location"].endswith(f"/scim/v2/Users/{ann.pk}")
        assert results[0]["version"] == ann.etag
        assert results[0]["bulkId"] == "u1"
        group = ScimGroup.objects.get(display_name="ops")
        assert set(group.memberships.values_list("user_id", flat=True)) == {ann.pk, bob.pk}

    def test_forward_reference_runs_after_its_post_answers_in_request_order(
        self, scim: ScimClient
    ) -> None:
        results = bulk(scim, new_group("g1", "ops", ["bulkId:u1"]), new_user("u1", "ann"))
        assert [(r["bulkId"], r["status"]) for r in results] == [("g1", "201"), ("u1", "201")]
        ann = ScimUser.objects.get(user_name="ann")
        assert list(ScimGroup.objects.get().memberships.values_list("user_id", flat=True)) == [
            ann.pk
        ]

    def test_patch_put_delete_with_paths_and_versions(self, scim: ScimClient) -> None:
        ann = scim.create_user("ann")
        group = scim.create_group("ops")
        stale = scim.get(f"Users/{ann['id']}").headers["ETag"]
        results = bulk(
            scim,
            new_user("u2", "bob"),
            {
                "method": "PATCH",
                "path": "/groups/" + group["id"],
                "data": {
                    "schemas": [PATCH_OP],
                    "Operations": [
                        {"op": "add", "path": "members", "value": [{"value": "bulkId:u2"}]}
                    ],
                },
            },
            {
                "method": "PUT",
                "path": f"/Users/{ann['id']}",
                "version": stale,
                "data": {"schemas": [USER_SCHEMA], "userName": "ann", "active": False},
            },
            {
                "method": "PUT",
                "path": f"/Users/{ann['id']}",
                "version": stale,
                "data": {"schemas": [USER_SCHEMA], "userName": "ann", "displayName": "Ann"},
            },
            {"method": "DELETE", "path": "/Groups/" + group["id"]},
        )
        assert [r["status"] for r in results] == ["201", "204", "200", "412", "204"]
        assert results[1]["location"] == f"http://testserver/scim/v2/Groups/{group['id']}"
        assert results[2]["version"] != stale
        assert results[3]["response"]["status"] == "412"
        assert results[3]["location"] == f"http://testserver/scim/v2/Users/{ann['id']}"
        assert "version" not in results[4]
        assert ScimUser.objects.get(user_name="ann").active is False
        assert not ScimGroup.objects.exists()

    def test_fail_on_errors_stops_and_leaves_earlier_successes(self, scim: ScimClient) -> None:
        scim.create_user("taken")
        operations = [new_user("a", "ann"), new_user("t", "taken"), new_user("b", "bob")]
        results = bulk(scim, *operations, failOnErrors=1)
        assert [r["status"] for r in results] == ["201", "409"]
        assert results[1]["response"]["scimType"] == "uniqueness"
        assert "location" not in results[1]
        assert set(ScimUser.objects.values_list("user_name", flat=True)) == {"ann", "taken"}

    def test_without_fail_on_errors_every_operation_runs(self, scim: ScimClient) -> None:
        scim.create_user("taken")
        operations = [
            new_user("t", "taken"),
            new_user("b", "bob"),
            new_group("g", "x", ["bulkId:t"]),
        ]
        results = bulk(scim, *operations)
        assert [r["status"] for r in results] == ["409", "201", "409"]
        assert 'bulkId "t"' in results[2]["response"]["detail"]
        assert "failed" in results[2]["response"]["detail"]
        assert not ScimGroup.objects.exists()

    def test_unknown_bulk_id_and_cycle(self, scim: ScimClient) -> None:
        manager_of = lambda ref: {ENTERPRISE: {"manager": {"value": f"bulkId:{ref}"}}}  # noqa: E731
        results = bulk(
            scim,
            new_group("g", "ops", ["bulkId:nobody"]),
            new_user("a", "ann", schemas=[USER_SCHEMA, ENTERPRISE], **manager_of("b")),
            new_user("b", "bob", schemas=[USER_SCHEMA, ENTERPRISE], **manager_of("a")),
        )
        assert [r["status"] for r in results] == ["400", "409", "409"]
        assert results[0]["response"]["scimType"] == "invalidValue"
        assert "circular" in results[1]["response"]["detail"]
        assert not ScimUser.objects.exists()

    def test_bad_operation_body_is_that_operations_400(self, scim: ScimClient) -> None:
        results = bulk(scim, new_user("a", ""), new_user("b", "bob"))
        assert [r["status"] for r in results] == ["400", "201"]
        assert results[0]["response"]["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]

    def test_another_directory_is_not_reached(self, scim: ScimClient, scim_directory: Any) -> None:
        other = Directory.objects.create(name="other", jira_site=scim_directory.jira_site)
        _, credentials = scim_configuration_create(name="other-idp", directory=other)
        theirs = ScimClient(credentials.token).create_user("theirs")
        results = bulk(scim, {"method": "DELETE", "path": f"/Users/{theirs['id']}"})
        assert [r["status"] for r in results] == ["404"]
        assert ScimUser.objects.filter(pk=theirs["id"]).exists()

    def test_search_endpoint_is_not_an_operation(self, scim: ScimClient) -> None:
        results = bulk(scim, {"method": "DELETE", "path": "/Users/.search"})
        assert results[0]["status"] == "400"
        assert results[0]["response"]["scimType"] == "invalidPath"

    def test_jira_failure_half_way(self, scim: ScimClient, applier: RecordingApplier) -> None:
        results = bulk(scim, new_user("a", "ann"))
        applier.fail()
        results += bulk(scim, new_user("b", "bob"), new_group("g", "ops", ["bulkId:b"]))
        assert [r["status"] for r in results] == ["201", "503", "409"]
        assert results[1]["response"]["detail"] == "Jira is unreachable."
        assert list(ScimUser.objects.values_list("user_name", flat=True)) == ["ann"]


class TestLimits:
    """maxOperations and maxPayloadSize: advertised, and past them 413 with nothing run."""

    @override_settings(SCIM_BULK_MAX_OPERATIONS=2)
    def test_too_many_operations(self, scim: ScimClient) -> None:
        body = {"schemas": [BULK], "Operations": [new_user(f"u{i}", f"u{i}") for i in range(3)]}
        error = assert_scim_error(scim.post("Bulk", body), 413, "tooMany")
        assert "maxOperations is 2" in error["detail"]
        assert not ScimUser.objects.exists()
        assert scim.get("ServiceProviderConfig").json()["bulk"]["maxOperations"] == 2

    @override_settings(SCIM_BULK_MAX_PAYLOAD_BYTES=2000, SCIM_MAX_BODY_BYTES=1000)
    def test_payload_limit_is_the_bulk_one(self, scim: ScimClient) -> None:
        ops = [new_user(f"u{i}", f"user-{i}") for i in range(12)]
        body = {"schemas": [BULK], "Operations": ops}
        assert 1000 < len(json.dumps(body)) <= 2000
        assert [r["status"] for r in bulk(scim, *ops)] == ["201"] * 12
        body["Operations"] += [new_user(f"v{i}", f"user-v{i}") for i in range(12)]
        error = assert_scim_error(scim.post("Bulk", body), 413)
        assert "maxPayloadSize (2000 bytes)" in error["detail"]
        assert ScimUser.objects.count() == 12

    def test_malformed_request_is_400_nothing_run(self, scim: ScimClient) -> None:
        body = {"schemas": [BULK], "Operations": [new_user("a", "ann"), {"method": "GET"}]}
        assert_scim_error(scim.post("Bulk", body), 400, "invalidSyntax")
        assert not ScimUser.objects.exists()

    @override_settings(SCIM_BULK_BUDGET_SECONDS=0)
    def test_past_the_budget_operations_are_not_run(self, scim: ScimClient) -> None:
        results = bulk(scim, new_user("a", "ann"))
        assert results[0]["status"] == "503"
        assert "SCIM_BULK_BUDGET_SECONDS" in results[0]["response"]["detail"]
        assert not ScimUser.objects.exists()

    def test_anonymous_is_401(self, client: Any) -> None:
        assert client.post("/scim/v2/Bulk", {}, content_type="application/json").status_code == 401

    def test_v1_bulk_stays_501(self, scim: ScimClient) -> None:
        response = ScimClient(scim.token, base="/scim/v1").post("Bulk", {"Operations": []})
        assert response.status_code == 501


def test_each_operation_is_audited_like_a_single_request(scim: ScimClient) -> None:
    audit_services.audit_log_set_enabled(enabled=True)
    response = scim.post(
        "Bulk",
        {"schemas": [BULK], "Operations": [new_user("a", "ann"), new_user("b", "")]},
        headers={"X-Request-Id": "bulk-1"},
    )
    assert response.status_code == 200
    entries = {e.request_id: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"bulk-1", "bulk-1.0", "bulk-1.1"}
    assert (entries["bulk-1"].operation, entries["bulk-1"].status) == ("bulk", 200)
    assert (entries["bulk-1.0"].operation, entries["bulk-1.0"].status) == ("create", 201)
    assert entries["bulk-1.0"].path == "/scim/v2/Users"
    assert entries["bulk-1.0"].configuration_id == entries["bulk-1"].configuration_id
    assert entries["bulk-1.1"].status == 400
