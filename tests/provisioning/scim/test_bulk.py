"""The pure part of SCIM Bulk: request shape, bulkId references, order, cycles, substitution."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.scim import bulk
from provisioning.scim.errors import ScimError

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def request(*operations: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A BulkRequest body."""
    return {"schemas": [bulk.BULK_REQUEST_SCHEMA], "Operations": list(operations), **fields}


def post(bulk_id: str, path: str = "/Users", **data: Any) -> dict[str, Any]:
    """A POST operation."""
    return {"method": "POST", "path": path, "bulkId": bulk_id, "data": {"schemas": [USER], **data}}


def group(bulk_id: str, *members: str) -> dict[str, Any]:
    """A POST /Groups operation with these member values."""
    return post(bulk_id, "/Groups", members=[{"value": m} for m in members])


def parse(*operations: dict[str, Any], **fields: Any) -> bulk.BulkRequest:
    """The checked request."""
    return bulk.parse_bulk_request(request(*operations, **fields), max_operations=10)


def order(*operations: dict[str, Any]) -> list[tuple[int, int | None]]:
    """(index, error status) of each step of the plan, in execution order."""
    steps = bulk.execution_plan(parse(*operations).operations)
    return [(s.operation.index, s.error.status if s.error else None) for s in steps]


def refused(body: Any, status: int = 400, max_operations: int = 10) -> ScimError:
    """The error a body is refused with."""
    with pytest.raises(ScimError) as caught:
        bulk.parse_bulk_request(body, max_operations=max_operations)
    assert caught.value.status == status
    return caught.value


class TestShape:
    """A malformed BulkRequest is refused whole, naming the fault; nothing runs."""

    def test_names_are_case_insensitive(self) -> None:
        body = {
            "Schemas": [bulk.BULK_REQUEST_SCHEMA.upper()],
            "operations": [
                {"Method": "post", "Path": "/users", "BulkId": "u", "Data": {"userName": "a"}}
            ],
            "FailOnErrors": 2,
        }
        parsed = bulk.parse_bulk_request(body, max_operations=10)
        assert parsed.fail_on_errors == 2
        [operation] = parsed.operations
        assert (operation.method, operation.path, operation.bulk_id) == ("POST", "/users", "u")

    @pytest.mark.parametrize(
        ("body", "words"),
        [
            ([], "JSON object"),
            ({"schemas": ["urn:other"], "Operations": []}, "schemas"),
            ({"schemas": [bulk.BULK_REQUEST_SCHEMA]}, "Operations"),
            (request("x"), "Operations[0] is not an object"),
            (request({"method": "GET", "path": "/Users"}), "method must be one of"),
            (request({"method": "POST", "bulkId": "a", "data": {}}), '"path" is required'),
            (request({"method": "POST", "path": "/Users/1", "data": {}}), "/Users or /Groups"),
            (request({"method": "PATCH", "path": "/Users", "data": {}}), "/Users/{id}"),
            (request({"method": "POST", "path": "/Schemas", "data": {}}), "/Users or /Groups"),
            (request({"method": "PUT", "path": "/Users/1"}), '"data"'),
            (request({"method": "DELETE", "path": "/Users/1", "version": 3}), "version"),
            (request(post("a"), post("a")), 'bulkId "a" is already used by Operations[0]'),
            (
                request(
                    post(""),
                ),
                "non-empty",
            ),
        ],
    )
    def test_refused_with_a_detail(self, body: Any, words: str) -> None:
        error = refused(body)
        assert words in error.detail
        assert error.scim_type is not None
        assert error.scim_type.value == "invalidSyntax"

    @pytest.mark.parametrize("value", [0, -1, True, "1", 1.5])
    def test_fail_on_errors_is_a_positive_integer(self, value: Any) -> None:
        assert refused(request(post("a"), failOnErrors=value)).scim_type.value == "invalidValue"

    def test_too_many_operations_is_413(self) -> None:
        error = refused(request(*[post(f"u{i}") for i in range(3)]), 413, max_operations=2)
        assert "3 operations" in error.detail
        assert "maxOperations is 2" in error.detail
        assert error.scim_type.value == "tooMany"

    def test_payload_size(self) -> None:
        bulk.check_payload_size(100, max_payload_bytes=100)
        with pytest.raises(ScimError) as caught:
            bulk.check_payload_size(101, max_payload_bytes=100)
        assert caught.value.status == 413
        assert "maxPayloadSize (100 bytes)" in caught.value.detail

    def test_delete_keeps_no_data(self) -> None:
        [operation] = parse({"method": "delete", "path": "/Groups/7", "data": {"x": 1}}).operations
        assert operation.data is None
        assert operation.references == ()


class TestReferences:
    """bulkIds are found in `value` and `$ref` (any case), PATCH value lists and paths."""

    def test_found_everywhere_a_value_can_name_a_resource(self) -> None:
        patch = {
            "method": "PATCH",
            "path": "/Groups/bulkId:g",
            "data": {
                "Operations": [
                    {"op": "add", "path": "members", "value": [{"Value": "bulkId:a"}, "bulkId:b"]},
                    {"op": "replace", "path": "x", "value": "bulkId:c"},
                    {"op": "add", "value": {"manager": {"$ref": "bulkId:d"}}},
                    {"op": "add", "path": "displayName", "value": "bulkId:c"},
                ]
            },
        }
        [operation] = parse(patch).operations
        assert sorted(operation.references) == ["a", "b", "c", "d", "g"]

    def test_a_display_name_is_not_a_reference(self) -> None:
        [operation] = parse(post("a", displayName="bulkId:b")).operations
        assert operation.references == ()

    def test_substitute_and_path(self) -> None:
        [operation] = parse(
            {
                "method": "PATCH",
                "path": "/Groups/bulkId:g",
                "data": {
                    "Operations": [
                        {"op": "add", "value": [{"value": "bulkId:a"}, "bulkId:b", "bulkId:zz"]}
                    ],
                    "displayName": "bulkId:a",
                },
            }
        ).operations
        resolved = {"a": "1", "b": "2", "g": "9"}
        data = bulk.substitute(operation.data, resolved)
        assert data["Operations"][0]["value"] == [{"value": "1"}, "2", "bulkId:zz"]
        assert data["displayName"] == "bulkId:a"
        assert bulk.resolved_path(operation, resolved) == "/Groups/9"
        assert operation.data["Operations"][0]["value"][0] == {"value": "bulkId:a"}  # a copy


class TestOrder:
    """Request order, except that an operation waits for the POSTs it refers to."""

    def test_request_order_when_nothing_refers_forward(self) -> None:
        assert order(post("a"), group("g", "bulkId:a"), post("b")) == [
            (0, None),
            (1, None),
            (2, None),
        ]

    def test_forward_reference_waits_for_its_post(self) -> None:
        ops = (group("g", "bulkId:a", "bulkId:b"), post("x"), post("b"), post("a"))
        assert order(*ops) == [(1, None), (2, None), (3, None), (0, None)]

    def test_chain_of_forward_references(self) -> None:
        ops = (
            post("a", manager={"value": "bulkId:b"}),
            post("b", manager={"value": "bulkId:c"}),
            post("c"),
        )
        assert order(*ops) == [(2, None), (1, None), (0, None)]

    def test_cycle_fails_409_and_the_rest_runs(self) -> None:
        ops = (
            post("a", manager={"value": "bulkId:b"}),
            post("b", manager={"value": "bulkId:a"}),
            post("c"),
            group("g", "bulkId:a", "bulkId:c"),
        )
        steps = bulk.execution_plan(parse(*ops).operations)
        assert [(s.operation.index, s.error.status if s.error else None) for s in steps] == [
            (2, None),
            (0, 409),
            (1, None),  # runs, and then fails: bulkId "a" has no id (see unresolved_reference)
            (3, None),
        ]
        assert '"a" -> "b" -> "a"' in steps[1].error.detail
        assert "PATCH" in steps[1].error.detail

    def test_self_reference_is_a_cycle(self) -> None:
        assert order(post("a", manager={"value": "bulkId:a"})) == [(0, 409)]

    def test_unknown_bulk_id_adds_no_wait(self) -> None:
        assert order(group("g", "bulkId:nope"), post("a")) == [(0, None), (1, None)]

    def test_thousand_operations_plan_quickly(self) -> None:
        ops = [post(f"u{i}") for i in range(900)]
        ops += [group(f"g{i}", *[f"bulkId:u{j}" for j in range(i, 900, 100)]) for i in range(100)]
        ops.reverse()  # every reference forward
        parsed = bulk.parse_bulk_request(request(*ops), max_operations=1000)
        steps = bulk.execution_plan(parsed.operations)
        assert len(steps) == 1000
        assert not any(s.error for s in steps)
        position = {s.operation.bulk_id: n for n, s in enumerate(steps)}
        for s in steps:
            for reference in s.operation.references:
                assert position[reference] < position[s.operation.bulk_id]


class TestUnresolved:
    """Why an operation cannot run when its turn comes."""

    def test_unknown_and_failed(self) -> None:
        [operation] = parse(group("g", "bulkId:a", "bulkId:b")).operations
        defined = {"a": 4, "b": 5}
        assert (
            bulk.unresolved_reference(operation, resolved={"a": "1", "b": "2"}, defined=defined)
            is None
        )
        failed = bulk.unresolved_reference(operation, resolved={"a": "1"}, defined=defined)
        assert failed.status == 409
        assert "Operations[5]" in failed.detail
        assert "failed" in failed.detail
        unknown = bulk.unresolved_reference(operation, resolved={"a": "1"}, defined={"a": 4})
        assert unknown.status == 400
        assert "no POST operation" in unknown.detail


class TestResponse:
    """The BulkResponse entries."""

    def test_entry(self) -> None:
        [operation] = parse(post("a")).operations
        assert bulk.operation_result(operation, status=201, location="L", version='W/"1"') == {
            "method": "POST",
            "bulkId": "a",
            "version": 'W/"1"',
            "location": "L",
            "status": "201",
        }
        error = {"status": "409"}
        entry = bulk.operation_result(operation, status=409, response=error)
        assert entry == {"method": "POST", "bulkId": "a", "status": "409", "response": error}
        assert bulk.bulk_response([entry])["schemas"] == [bulk.BULK_RESPONSE_SCHEMA]
