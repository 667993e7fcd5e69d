"""PATCH operations that select values of a multi-valued attribute by key, applied in one pass.

An operation such as `{"op": "replace", "path": "emails[value eq \"x\"]", "value": {...}}`
(what the /v1 merge and many IdPs send, once per value) selects values by one sub-attribute
compared with `eq`. Applied by scim2-models, each such operation evaluates its filter
against every value (building a validator per comparison) and snapshots the list, so N of
them cost N² — a PATCH of 400 emails took minutes. Here a run of such operations on one
attribute is folded on a plain copy of the list with a dict from key to positions, then
handed to scim2-models as ONE `replace` of the whole attribute, which validates the result
(types, several primaries) as it would any value. Each filter operand is checked once,
with a validator built once per attribute type.

The semantics are scim2-models' own (checked by tests against it): `add`/`replace` merge
the value into every matching entry (or set the path's sub-attribute); when nothing
matches, an entry made of the filter's operand and the value is appended (the lenient
policy's `create`), and it must still match the filter; `remove` deletes the matching
entries, nothing matched is no change; a value written with `primary: true` takes
`primary` from the others. Every other operation is left to scim2-models.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError
from scim2_models import AttributeBinding, PatchOperation, Path, Resource
from scim2_models.path import CompareOperator, Comparison

from .errors import ScimError, ScimType
from .limits import MAX_VALUES


@dataclass(frozen=True)
class KeyedOperation:
    """One operation `attr[key eq "operand"](.sub)?` on a multi-valued complex attribute."""

    op: PatchOperation.Op
    attribute: str  # the attribute path as sent, before `[`
    field_name: str
    key: str
    key_binding: AttributeBinding
    operand: str
    sub: str | None
    value: Any


def keyed(model: type[Resource[Any]], operation: PatchOperation[Any]) -> KeyedOperation | None:
    """The operation as a keyed selection, or None when scim2-models must apply it."""
    if operation.path is None or "[" not in operation.path:
        return None
    path = Path.__class_getitem__(model)(operation.path)
    selection = path.value_filter
    binding = path.resolve()
    if (
        not isinstance(selection, Comparison)
        or selection.op != CompareOperator.eq
        or selection.attr_path.uri is not None
        or selection.attr_path.sub_attr is not None
        or not isinstance(selection.value, str)
        or binding is None
        or not binding.is_multivalued
        or path.model is not None
        or (operation.op == PatchOperation.Op.remove and operation.value is not None)
        or (binding.sub_field_name is None and operation.op != PatchOperation.Op.remove
            and not isinstance(operation.value, dict))
    ):
        return None
    attribute = operation.path.split("[", 1)[0]
    key_resolved = _binding(model, f"{attribute}.{selection.attr_path.attr}")
    if key_resolved is None or not _is_text(key_resolved):
        return None
    return KeyedOperation(
        op=operation.op,
        attribute=attribute,
        field_name=binding.field_name,
        key=selection.attr_path.attr,
        key_binding=key_resolved,
        operand=selection.value,
        sub=binding.sub_field_name and path.parts[-1],
        value=operation.value,
    )


@functools.lru_cache(maxsize=256)
def _binding(model: type[Resource[Any]], text: str) -> AttributeBinding | None:
    # The same key path (`emails.value`) for every operation of a run: parsed once.
    return Path.__class_getitem__(model)(text).resolve()


def _is_text(binding: AttributeBinding) -> bool:
    """Strings compared as strings (EmailStr is not a str subclass, but holds one)."""
    target = binding.target_type
    return target is EmailStr or (isinstance(target, type) and issubclass(target, str))


@functools.lru_cache(maxsize=64)
def _adapter(annotated: Any) -> TypeAdapter[Any]:
    # One validator per attribute type, instead of one per comparison.
    return TypeAdapter(annotated)


def validator_builds() -> int:
    """How many operand validators were built (tests assert it does not grow with N)."""
    return _adapter.cache_info().misses


def _check_operand(operation: KeyedOperation) -> None:
    try:
        _adapter(operation.key_binding.sub_field_type).validate_python(operation.operand)
    except ValidationError as exc:
        raise ScimError(
            400,
            f"value {operation.operand!r} is not valid for attribute "
            f"'{operation.key_binding.urn}'",
            ScimType.INVALID_FILTER,
        ) from exc


def _field(entry: dict[str, Any], name: str) -> str | None:
    """The key of `entry` spelled as `name` without case (sub-attribute names ignore case)."""
    lowered = name.lower()
    return next((key for key in entry if key.lower() == lowered), None)


class _Values:
    """A multi-valued attribute as plain dicts, indexed by the comparison key of one field."""

    def __init__(self, entries: list[dict[str, Any]], operation: KeyedOperation) -> None:
        self.entries: list[dict[str, Any] | None] = list(entries)
        self.key = operation.key
        self.binding = operation.key_binding
        self.index: dict[str, list[int]] = {}
        self.live = len(entries)
        self.primaries = {i for i, entry in enumerate(entries) if self._primary(entry)}
        for position, entry in enumerate(entries):
            self._index(position, entry)

    @staticmethod
    def _primary(entry: dict[str, Any]) -> bool:
        name = _field(entry, "primary")
        return name is not None and entry[name] is True

    def comparable(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        try:
            return self.binding.comparable(value)
        except ValueError:
            return None  # a string the policy cannot prepare equals nothing

    def _index(self, position: int, entry: dict[str, Any]) -> None:
        name = _field(entry, self.key)
        found = self.comparable(entry[name]) if name is not None else None
        if found is not None:
            self.index.setdefault(found, []).append(position)

    def matching(self, operand: str) -> list[int]:
        key = self.comparable(operand)
        positions = self.index.get(key, []) if key is not None else []
        return [p for p in positions if self.entries[p] is not None]

    def write(self, position: int, entry: dict[str, Any]) -> None:
        """Store a new or changed entry; a primary one takes `primary` from the others."""
        if position == len(self.entries):
            self.entries.append(entry)
            self.live += 1
        else:
            self.entries[position] = entry
        self._index(position, entry)
        if self._primary(entry):
            for other in self.primaries - {position}:
                held = self.entries[other]
                if held is not None:
                    held[_field(held, "primary") or "primary"] = False
            self.primaries = {position}
        else:
            self.primaries.discard(position)

    def remove(self, position: int) -> None:
        self.entries[position] = None
        self.live -= 1
        self.primaries.discard(position)

    def result(self) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if entry is not None]


def _merged(entry: dict[str, Any], operation: KeyedOperation) -> dict[str, Any]:
    written = {operation.sub: operation.value} if operation.sub else dict(operation.value)
    merged = dict(entry)
    for name, item in written.items():
        merged[_field(merged, name) or name] = item
    return merged


def fold(
    values: list[dict[str, Any]],
    operations: list[KeyedOperation],
    checkpoint: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """The attribute's values after a run of keyed operations on it, in one pass."""
    state = _Values(values, operations[0])
    for number, operation in enumerate(operations):
        if checkpoint is not None and number % 256 == 0:
            checkpoint()
        _check_operand(operation)
        positions = state.matching(operation.operand)
        if operation.op == PatchOperation.Op.remove:
            for position in positions:
                state.remove(position)
            continue
        if positions:
            for position in positions:
                entry = state.entries[position]
                assert entry is not None
                state.write(position, _merged(entry, operation))
            continue
        entry = _merged({operation.key: operation.operand}, operation)
        name = _field(entry, operation.key)
        if name is None or state.comparable(entry[name]) != state.comparable(operation.operand):
            raise ScimError(
                400,
                f"the value contradicts the filter of '{operation.attribute}"
                f"[{operation.key} eq \"{operation.operand}\"]'",
                ScimType.INVALID_VALUE,
            )
        if state.live >= MAX_VALUES:
            # Refused when it happens, not after thousands more operations.
            raise ScimError(
                400,
                f"'{operation.attribute}' holds more than {MAX_VALUES} values.",
                ScimType.INVALID_VALUE,
            )
        state.write(len(state.entries), entry)
    return state.result()


def runs(
    model: type[Resource[Any]], operations: list[PatchOperation[Any]]
) -> Iterator[list[PatchOperation[Any]] | list[KeyedOperation]]:
    """The operations in order, grouped: plain ones together, keyed ones per attribute."""
    plain: list[PatchOperation[Any]] = []
    run: list[KeyedOperation] = []
    for operation in operations:
        selected = keyed(model, operation)
        if selected is not None and run and run[0].field_name != selected.field_name:
            yield run
            run = []
        if selected is None:
            if run:
                yield run
                run = []
            plain.append(operation)
            continue
        if plain:
            yield plain
            plain = []
        run.append(selected)
    if plain:
        yield plain
    if run:
        yield run
