"""PATCH (RFC 7644 section 3.5.2) on top of scim2-models' PatchOp.

Users are patched whole by scim2-models (atomic: all operations or none). Groups are
split: operations on `members` become membership actions (plain data: member references
and the checked filter of a path such as `members[value eq "id"]`) that the group service
applies to rows in SQL, so that adding one member to a group of 100k costs O(1) queries;
every other operation is applied by scim2-models to the group without its members.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from scim2_models import Context, PatchOp, PatchOperation, Path, Resource, SCIMException, ScimFilter
from scim2_models.path import FilterNode

from . import keyed, leniency
from .errors import ScimError, ScimType, from_scim2, from_validation
from .filter import parse_value_filter
from .mapping import MemberRef, member_refs
from .schema import LENIENT_POLICY, GroupResource, Locator


def parse_patch(body: Any, model: type[Resource[Any]], *, locator: Locator) -> PatchOp[Any] | None:
    """Normalise (leniency) and validate a PATCH body; None when no operation is left.

    Operations on read-only attributes are dropped by the leniency layer; a body made only
    of such operations changes nothing and is answered as a successful no-op.
    """
    normalised = leniency.normalise_patch(body, model, locator=locator)
    if not normalised["Operations"]:
        if isinstance(body, dict) and _declared_operations(body) == 0:
            raise ScimError(
                400, "'Operations' holds one or more operations.", ScimType.INVALID_VALUE
            )
        return None
    try:
        return PatchOp[model].model_validate(  # type: ignore[valid-type]
            normalised, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=LENIENT_POLICY
        )
    except ValidationError as exc:
        raise from_validation(exc, what="PATCH request") from exc


def _declared_operations(body: dict[str, Any]) -> int:
    operations = next((v for k, v in body.items() if k.lower() == "operations"), None)
    return len(operations) if isinstance(operations, list) else -1


def apply_patch(
    resource: Resource[Any],
    patch: PatchOp[Any],
    *,
    checkpoint: Callable[[], None] | None = None,
) -> bool:
    """Apply every operation to `resource` in place, or none; True when it changed.

    Runs of operations that select values by key (`emails[value eq "x"]`) are folded in one
    pass (`provisioning.scim.keyed`), so the cost is linear in the request. `checkpoint`
    is called between steps (the write's time budget raises there).
    """
    segments = list(keyed.runs(type(resource), list(patch.operations or [])))
    if not any(isinstance(segment[0], keyed.KeyedOperation) for segment in segments):
        return _patch(resource, patch)
    # Worked on a copy, copied back only when every operation applied: all or none.
    work = resource.model_copy(deep=True)
    changed = False
    for segment in segments:
        if checkpoint is not None:
            checkpoint()
        if isinstance(segment[0], keyed.KeyedOperation):
            changed |= _apply_keyed(work, segment, checkpoint)  # type: ignore[arg-type]
        else:
            changed |= _patch(work, _patch_op(type(resource), segment))  # type: ignore[arg-type]
    for name in type(resource).model_fields:
        if getattr(resource, name) != getattr(work, name):
            setattr(resource, name, getattr(work, name))
    return changed


def _patch(resource: Resource[Any], patch: PatchOp[Any]) -> bool:
    try:
        return patch.patch(resource, scim_policy=LENIENT_POLICY)
    except SCIMException as exc:
        raise from_scim2(exc) from exc
    except ValidationError as exc:
        raise from_validation(exc, what="PATCH request") from exc


def _patch_op(model: type[Resource[Any]], operations: list[PatchOperation[Any]]) -> PatchOp[Any]:
    try:
        with LENIENT_POLICY:
            return PatchOp[model](operations=operations)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise from_validation(exc, what="PATCH request") from exc


def _apply_keyed(
    resource: Resource[Any],
    operations: list[keyed.KeyedOperation],
    checkpoint: Callable[[], None] | None,
) -> bool:
    """One run of keyed operations: folded, then written as one replace of the attribute."""
    first = operations[0]
    current = getattr(resource, first.field_name) or []
    before = [item.model_dump(exclude_none=True) for item in current]
    after = keyed.fold([dict(entry) for entry in before], operations, checkpoint)
    if after == before:
        return False
    model = type(resource)
    if after:
        replace = PatchOperation[model](  # type: ignore[valid-type]
            op=PatchOperation.Op.replace_, path=first.attribute, value=after
        )
    else:
        replace = PatchOperation[model](  # type: ignore[valid-type]
            op=PatchOperation.Op.remove, path=first.attribute
        )
    _patch(resource, _patch_op(model, [replace]))
    return True


@dataclass(frozen=True)
class MemberAction:
    """One change to a group's membership rows, in request order.

    kind: `add`, `remove` (refs), `remove_all`, `remove_where` (rows matching `where`),
    `replace` (the members become exactly refs), `set_display` (rows matching `where`,
    all rows when None; `require_match` → 400 noTarget when nothing matched). `where` is
    the path's filter `members[...]`, checked against the Group model.
    """

    kind: str
    refs: tuple[MemberRef, ...] = ()
    where: ScimFilter[Any] | None = None
    display: str | None = None
    require_match: bool = False


@dataclass
class GroupPatch:
    """A group PATCH split into attribute operations and membership actions."""

    attributes: PatchOp[Any] | None = None
    members: list[MemberAction] = field(default_factory=list)


def split_group_patch(patch: PatchOp[Any]) -> GroupPatch:
    """Separate the operations on `members` from the others."""
    attribute_operations: list[PatchOperation[Any]] = []
    actions: list[MemberAction] = []
    for operation in patch.operations or []:
        if operation.path is None:
            value = operation.value if isinstance(operation.value, dict) else {}
            members = next((v for k, v in value.items() if k.lower() == "members"), None)
            if members is not None or any(k.lower() == "members" for k in value):
                kind = "add" if operation.op == PatchOperation.Op.add else "replace"
                actions.append(MemberAction(kind, tuple(_refs(members))))
                rest = {k: v for k, v in value.items() if k.lower() != "members"}
                if rest:
                    attribute_operations.append(_operation(operation.op, None, rest))
                continue
            attribute_operations.append(operation)
            continue
        path = operation.path
        binding = path.resolve()
        if binding is None or binding.field_name != "members":
            attribute_operations.append(operation)
            continue
        actions.append(_member_action(operation.op, path, operation.value))
    attributes = None
    if attribute_operations:
        try:
            # Re-validated under the same lenient policy as the request it came from.
            with LENIENT_POLICY:
                attributes = PatchOp[GroupResource](operations=attribute_operations)
        except ValidationError as exc:
            raise from_validation(exc, what="PATCH request") from exc
    return GroupPatch(attributes=attributes, members=actions)


def _operation(op: PatchOperation.Op, path: str | None, value: Any) -> PatchOperation[Any]:
    return PatchOperation[GroupResource](op=op, path=path, value=value)


def _refs(value: Any) -> list[MemberRef]:
    if value is None:
        return []
    return member_refs(value if isinstance(value, list) else [value])


def _member_action(op: PatchOperation.Op, path: Path[Any], value: Any) -> MemberAction:
    """The membership action for an operation whose path is `members...`."""
    val_filter: FilterNode | None = path.value_filter
    sub = path.parts[1].lower() if len(path.parts) > 1 else None
    where = parse_value_filter("members", val_filter, GroupResource) if val_filter else None
    if sub is None and val_filter is None:
        if op == PatchOperation.Op.remove:
            # Entra removes members with a value list and the plain path.
            return (
                MemberAction("remove", tuple(_refs(value))) if value else MemberAction("remove_all")
            )
        kind = "add" if op == PatchOperation.Op.add else "replace"
        return MemberAction(kind, tuple(_refs(value)))
    if sub is None:
        if op == PatchOperation.Op.remove:
            return MemberAction("remove_where", where=where)
        return _display_action(where, value, op, whole=True)
    if sub != "display":
        raise ScimError(
            400,
            f"'members.{sub}' cannot be changed; remove the member and add it again.",
            ScimType.MUTABILITY,
        )
    if op == PatchOperation.Op.remove:
        return MemberAction("set_display", where=where, display=None)
    return _display_action(where, value, op, whole=False)


def _display_action(
    where: ScimFilter[Any] | None, value: Any, op: PatchOperation.Op, *, whole: bool
) -> MemberAction:
    if whole:
        if not isinstance(value, dict) or any(k.lower() != "display" for k in value):
            raise ScimError(
                400,
                "Only 'display' of selected members can be replaced; member values are "
                "immutable (remove the member and add it again).",
                ScimType.MUTABILITY,
            )
        value = next(iter(value.values()), None)
    if value is not None and not isinstance(value, str):
        raise ScimError(400, "'members.display' must be a string.", ScimType.INVALID_VALUE)
    return MemberAction(
        "set_display",
        where=where,
        display=value,
        require_match=op == PatchOperation.Op.replace_ and where is not None,
    )
