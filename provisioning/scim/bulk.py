"""SCIM Bulk (RFC 7644 section 3.7) as plain Python: request shape, bulkIds, order, answer.

What runs an operation is not here: the Bulk view sends each one to the same endpoint a
single request reaches. This module checks the BulkRequest (400 for a malformed one, 413
past `maxOperations`), finds the bulkIds each operation refers to, orders the operations so
that a POST runs before the operations that refer to its bulkId (request order otherwise),
names circular references, substitutes resolved ids, and builds the BulkResponse.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ScimError, ScimType

BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
BULK_ID_PREFIX = "bulkId:"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The resource endpoints an operation may reach, by their lower-case names.
RESOURCE_ENDPOINTS = ("users", "groups")
# Keys whose string values may be a `bulkId:` reference (members[].value, manager.value,
# a PATCH operation's value), compared in lower case.
REFERENCE_KEYS = frozenset({"value", "$ref"})


@dataclass(frozen=True)
class BulkOperation:
    """One entry of `Operations`, checked; `index` is its position in the request."""

    index: int
    method: str
    path: str
    bulk_id: str | None = None
    version: str | None = None
    data: Any = None
    # The bulkIds this operation refers to, in its path or data, in order of appearance.
    references: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How details name the operation: `Operations[3] (POST /Users, bulkId "u1")`."""
        bulk = f', bulkId "{self.bulk_id}"' if self.bulk_id else ""
        return f"Operations[{self.index}] ({self.method} {self.path}{bulk})"


@dataclass(frozen=True)
class BulkRequest:
    """A checked BulkRequest: its operations in request order and `failOnErrors`."""

    operations: tuple[BulkOperation, ...]
    fail_on_errors: int | None = None


@dataclass(frozen=True)
class Step:
    """One operation in execution order; `error` set when it must fail without running."""

    operation: BulkOperation
    error: ScimError | None = None


def _invalid(detail: str) -> ScimError:
    return ScimError(400, detail, ScimType.INVALID_SYNTAX)


def check_payload_size(length: int, *, max_payload_bytes: int) -> None:
    """413 when the body is larger than `maxPayloadSize` (RFC 7644 section 3.7.4)."""
    if length > max_payload_bytes:
        raise ScimError(
            413,
            f"The size of the bulk operation ({length} bytes) exceeds the maxPayloadSize "
            f"({max_payload_bytes} bytes); split it into several bulk requests.",
        )


def _lower_keys(document: Mapping[str, Any]) -> dict[str, Any]:
    # Attribute names are case-insensitive (RFC 7643 section 2.1), message attributes too.
    return {str(key).lower(): value for key, value in document.items()}


def parse_bulk_request(body: Any, *, max_operations: int) -> BulkRequest:
    """Check a BulkRequest body; 400 invalidSyntax naming the first fault, 413 past the limit."""
    if not isinstance(body, Mapping):
        raise _invalid("A BulkRequest is a JSON object with an Operations list.")
    fields = _lower_keys(body)
    schemas = fields.get("schemas")
    if schemas is not None and (
        not isinstance(schemas, list)
        or BULK_REQUEST_SCHEMA.lower() not in {str(s).lower() for s in schemas}
    ):
        raise _invalid(f'A BulkRequest\'s "schemas" must contain "{BULK_REQUEST_SCHEMA}".')
    operations = fields.get("operations")
    if not isinstance(operations, list):
        raise _invalid('A BulkRequest needs "Operations", a list of operations.')
    if len(operations) > max_operations:
        raise ScimError(
            413,
            f"The bulk request holds {len(operations)} operations; the maxOperations is "
            f"{max_operations}. Split it into several bulk requests.",
            # 413 as RFC 7644 section 3.7.4 asks; tooMany as for PATCH operations past theirs.
            ScimType.TOO_MANY,
        )
    fail_on_errors = fields.get("failonerrors")
    if fail_on_errors is not None and (
        isinstance(fail_on_errors, bool)
        or not isinstance(fail_on_errors, int)
        or fail_on_errors < 1
    ):
        raise ScimError(
            400,
            f"failOnErrors must be a positive integer (got {fail_on_errors!r}).",
            ScimType.INVALID_VALUE,
        )
    parsed = tuple(_operation(index, entry) for index, entry in enumerate(operations))
    seen: dict[str, int] = {}
    for operation in parsed:
        if operation.bulk_id is None:
            continue
        if operation.bulk_id in seen:
            raise _invalid(
                f'{operation.label}: bulkId "{operation.bulk_id}" is already used by '
                f"Operations[{seen[operation.bulk_id]}]; bulkIds are unique within a request."
            )
        seen[operation.bulk_id] = operation.index
    return BulkRequest(operations=parsed, fail_on_errors=fail_on_errors)


def _operation(index: int, entry: Any) -> BulkOperation:
    where = f"Operations[{index}]"
    if not isinstance(entry, Mapping):
        raise _invalid(f"{where} is not an object with method, path and data.")
    fields = _lower_keys(entry)
    method = fields.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise _invalid(f"{where}: method must be one of {', '.join(METHODS)} (got {method!r}).")
    method = method.upper()
    path = fields.get("path")
    if not isinstance(path, str) or not path.strip("/"):
        raise _invalid(f'{where}: "path" is required, e.g. "/Users" or "/Groups/{{id}}".')
    segments = path.strip("/").split("/")
    expected = 1 if method == "POST" else 2
    if len(segments) != expected or segments[0].lower() not in RESOURCE_ENDPOINTS:
        shape = "/Users or /Groups" if method == "POST" else "/Users/{id} or /Groups/{id}"
        raise _invalid(f'{where}: the path of a {method} must be {shape} (got "{path}").')
    bulk_id = fields.get("bulkid")
    if bulk_id is not None and (not isinstance(bulk_id, str) or not bulk_id):
        raise _invalid(f"{where}: bulkId must be a non-empty string.")
    version = fields.get("version")
    if version is not None and not isinstance(version, str):
        raise _invalid(f'{where}: version must be a string (an ETag such as W/"3").')
    data = fields.get("data")
    if method != "DELETE" and not isinstance(data, Mapping):
        raise _invalid(f'{where}: a {method} needs "data", the resource or PatchOp object.')
    references: list[str] = []
    if len(segments) == 2 and segments[1].startswith(BULK_ID_PREFIX):
        references.append(segments[1][len(BULK_ID_PREFIX) :])
    _collect_references(data, references)
    return BulkOperation(
        index=index,
        method=method,
        path="/" + "/".join(segments),
        bulk_id=bulk_id,
        version=version,
        data=data if method != "DELETE" else None,
        references=tuple(dict.fromkeys(references)),
    )


def _is_reference(key: Any, value: Any) -> bool:
    return (
        isinstance(value, str)
        and str(key).lower() in REFERENCE_KEYS
        and value.startswith(BULK_ID_PREFIX)
    )


def _collect_references(node: Any, found: list[str]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if _is_reference(key, value):
                found.append(value[len(BULK_ID_PREFIX) :])
            elif str(key).lower() == "value" and isinstance(value, list):
                # A PATCH value such as ["bulkId:u1"] (some clients send bare strings).
                found.extend(
                    item[len(BULK_ID_PREFIX) :]
                    for item in value
                    if isinstance(item, str) and item.startswith(BULK_ID_PREFIX)
                )
                _collect_references(value, found)
            else:
                _collect_references(value, found)
    elif isinstance(node, list):
        for item in node:
            _collect_references(item, found)


@dataclass
class _Graph:
    """Who waits for whom: an operation waits for the POSTs whose bulkIds it refers to."""

    operations: tuple[BulkOperation, ...]
    waits_for: dict[int, set[int]] = field(default_factory=dict)
    waited_by: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, operations: tuple[BulkOperation, ...]) -> _Graph:
        graph = cls(operations)
        creators = {op.bulk_id: op.index for op in operations if op.method == "POST" and op.bulk_id}
        for op in operations:
            # An unknown bulkId adds no edge: the operation fails when it runs (a clear 400).
            graph.waits_for[op.index] = {creators[r] for r in op.references if r in creators}
            for creator in graph.waits_for[op.index]:
                graph.waited_by.setdefault(creator, set()).add(op.index)
        return graph

    def cycle_from(self, start: int, pending: set[int]) -> list[int]:
        """A cycle among pending operations reached from `start` (each waits for another)."""
        path: list[int] = []
        node = start
        while node not in path:
            path.append(node)
            node = min(self.waits_for[node] & pending)
        return [*path[path.index(node) :], node]


def execution_plan(operations: tuple[BulkOperation, ...]) -> list[Step]:
    """Every operation once, in the order it runs: request order, except that an operation
    waits for the POSTs whose bulkIds it refers to. An operation caught in (or behind) a
    circular reference is a failing step (409) and the rest goes on without it."""
    graph = _Graph.of(operations)
    by_index = {op.index: op for op in operations}
    remaining = {index: len(waits) for index, waits in graph.waits_for.items()}
    ready = [index for index, count in remaining.items() if count == 0]
    heapq.heapify(ready)
    pending = set(remaining)
    steps: list[Step] = []

    def release(index: int) -> None:
        pending.discard(index)
        for waiter in graph.waited_by.get(index, ()):
            remaining[waiter] -= 1
            # A waiter already out of the plan (a broken cycle) is not scheduled again.
            if remaining[waiter] == 0 and waiter in pending:
                heapq.heappush(ready, waiter)

    while pending:
        if ready:
            index = heapq.heappop(ready)
            steps.append(Step(by_index[index]))
            release(index)
            continue
        stuck = min(pending)
        steps.append(
            Step(by_index[stuck], _cycle_error(by_index, graph.cycle_from(stuck, pending)))
        )
        release(stuck)
    return steps


def _cycle_error(by_index: Mapping[int, BulkOperation], cycle: list[int]) -> ScimError:
    first = by_index[cycle[0]]
    chain = " -> ".join(f'"{by_index[index].bulk_id}"' for index in cycle)
    return ScimError(
        409,
        f"{first.label} cannot run: its bulkId references are circular ({chain}). This server "
        "does not break cycles; create one of them without the reference and add it with a "
        "PATCH operation later in the request.",
    )


def unresolved_reference(
    operation: BulkOperation, *, resolved: Mapping[str, str], defined: Mapping[str, int]
) -> ScimError | None:
    """Why the operation cannot run yet, if one of its bulkIds has no id (None: it can)."""
    for reference in operation.references:
        if reference in resolved:
            continue
        if reference not in defined:
            return ScimError(
                400,
                f'{operation.label} refers to bulkId "{reference}", which no POST operation of '
                "this request defines.",
                ScimType.INVALID_VALUE,
            )
        return ScimError(
            409,
            f'{operation.label} refers to bulkId "{reference}", whose operation '
            f"(Operations[{defined[reference]}]) failed; nothing of this operation was applied.",
        )
    return None


def substitute(node: Any, resolved: Mapping[str, str]) -> Any:
    """A copy of `data` with each `bulkId:` reference replaced by the id it resolved to."""
    if isinstance(node, Mapping):
        result: dict[str, Any] = {}
        for key, value in node.items():
            if _is_reference(key, value):
                result[key] = resolved.get(value[len(BULK_ID_PREFIX) :], value)
            elif str(key).lower() == "value" and isinstance(value, list):
                result[key] = [
                    resolved.get(item[len(BULK_ID_PREFIX) :], item)
                    if isinstance(item, str) and item.startswith(BULK_ID_PREFIX)
                    else substitute(item, resolved)
                    for item in value
                ]
            else:
                result[key] = substitute(value, resolved)
        return result
    if isinstance(node, list):
        return [substitute(item, resolved) for item in node]
    return node


def resolved_path(operation: BulkOperation, resolved: Mapping[str, str]) -> str:
    """The operation's path with a `bulkId:` id replaced (`/Groups/bulkId:g1` -> `/Groups/7`)."""
    head, _, tail = operation.path.strip("/").partition("/")
    if tail.startswith(BULK_ID_PREFIX):
        tail = resolved[tail[len(BULK_ID_PREFIX) :]]
    return f"/{head}/{tail}" if tail else f"/{head}"


def operation_result(
    operation: BulkOperation,
    *,
    status: int,
    location: str | None = None,
    version: str | None = None,
    response: Any = None,
) -> dict[str, Any]:
    """One entry of the BulkResponse's Operations (RFC 7644 section 3.7.3)."""
    result: dict[str, Any] = {"method": operation.method}
    if operation.bulk_id is not None:
        result["bulkId"] = operation.bulk_id
    if version:
        result["version"] = version
    if location:
        result["location"] = location
    result["status"] = str(status)
    if response is not None:
        result["response"] = response
    return result


def bulk_response(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The BulkResponse document."""
    return {"schemas": [BULK_RESPONSE_SCHEMA], "Operations": results}
