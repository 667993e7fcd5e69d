"""PATCH cost grows linearly with the request: no validator built per filter comparison."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter
from scim2_models import PatchOp
from scim2_models.path import resolution

from provisioning.scim.errors import ScimError
from provisioning.scim.patch import apply_patch, parse_patch
from provisioning.scim.schema import LENIENT_POLICY, Locator, UserResource
from provisioning.scim.v1.names import Kind
from provisioning.scim.v1.patch import patch_in

LOCATOR = Locator("https://scim.example/scim/v2")
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class _Counter:
    builds = 0


@pytest.fixture
def validator_builds(monkeypatch: pytest.MonkeyPatch) -> type[_Counter]:
    """Count the validators scim2-models builds to compare filter operands."""

    class Counting(TypeAdapter):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            _Counter.builds += 1
            super().__init__(*args, **kwargs)

    _Counter.builds = 0
    monkeypatch.setattr(resolution, "TypeAdapter", Counting)
    return _Counter


def emails(n: int) -> list[dict[str, Any]]:
    """N distinct emails."""
    return [{"value": f"u{i}@example.com", "type": "work"} for i in range(n)]


def v1_patch(n: int) -> PatchOp[Any]:
    """The 1.1 merge of `"emails": [n values]`: one value-filter operation per value."""
    patch = parse_patch(patch_in({"emails": emails(n)}, Kind.USER), UserResource, locator=LOCATOR)
    assert patch is not None
    return patch


def v2_patch(n: int) -> PatchOp[Any]:
    """N operations with the path `emails[value eq "..."]`."""
    operations = [
        {"op": "replace", "path": f'emails[value eq "{e["value"]}"]', "value": e} for e in emails(n)
    ]
    patch = parse_patch(
        {"schemas": [PATCH], "Operations": operations}, UserResource, locator=LOCATOR
    )
    assert patch is not None
    return patch


class TestPatchCost:
    """The number of operand validators does not grow with the number of values."""

    @pytest.mark.parametrize("build", [v1_patch, v2_patch])
    def test_emails_added(self, build: Any, validator_builds: type[_Counter]) -> None:
        resource = UserResource(user_name="u@example.com", emails=emails(3))
        assert apply_patch(resource, build(80))
        assert [e.value for e in resource.emails or []] == [e["value"] for e in emails(80)]
        # Before: one validator per comparison, n²/2 of them (3,000+ here).
        assert validator_builds.builds <= 2

    def test_values_merged_in_one_pass(self, validator_builds: type[_Counter]) -> None:
        resource = UserResource(user_name="u@example.com", emails=emails(60))
        patch = parse_patch(
            patch_in(
                {"emails": [{"value": f"U{i}@example.com", "display": str(i)} for i in range(60)]},
                Kind.USER,
            ),
            UserResource,
            locator=LOCATOR,
        )
        assert patch is not None
        assert apply_patch(resource, patch)
        assert len(resource.emails or []) == 60
        assert [e.display for e in resource.emails or []] == [str(i) for i in range(60)]
        assert validator_builds.builds <= 2


STORED = [
    {"value": "a@x.com", "type": "work", "primary": True, "display": "A"},
    {"value": "B@x.com", "type": "home"},
]
CASES = [
    [{"op": "replace", "path": 'emails[value eq "a@x.com"]', "value": {"type": "other"}}],
    [{"op": "replace", "path": 'emails[value eq "b@x.com"]', "value": {"primary": True}}],
    [{"op": "replace", "path": 'emails[value eq "c@x.com"]', "value": {"type": "other"}}],
    [{"op": "remove", "path": 'emails[value eq "A@X.com"]'}],
    [{"op": "remove", "path": 'emails[value eq "c@x.com"]'}],
    [{"op": "add", "path": 'emails[value eq "a@x.com"]', "value": {"type": "other"}}],
    [{"op": "add", "path": 'emails[value eq "c@x.com"]', "value": {"primary": True}}],
    [{"op": "replace", "path": 'emails[value eq "a@x.com"].type', "value": "zz"}],
    [{"op": "replace", "path": 'emails[type eq "work"]', "value": {"display": "W"}}],
    [
        {"op": "remove", "path": 'emails[value eq "a@x.com"]'},
        {"op": "replace", "path": "displayName", "value": "D"},
        {"op": "add", "path": 'emails[value eq "q@x.com"]', "value": {"primary": True}},
        {"op": "add", "path": 'emails[value eq "r@x.com"]', "value": {"primary": True}},
    ],
]
REFUSED = [
    [{"op": "replace", "path": 'emails[value eq "c@x.com"]', "value": {"value": "d@x.com"}}],
    [{"op": "replace", "path": 'emails[value eq "not-an-email"]', "value": {"type": "x"}}],
]


def _patch(operations: list[dict[str, Any]]) -> PatchOp[Any]:
    patch = parse_patch(
        {"schemas": [PATCH], "Operations": operations}, UserResource, locator=LOCATOR
    )
    assert patch is not None
    return patch


class TestKeyedSemantics:
    """The one-pass fold gives what scim2-models gives applying each operation itself."""

    @pytest.mark.parametrize("operations", CASES)
    def test_same_as_scim2_models(self, operations: list[dict[str, Any]]) -> None:
        ours = UserResource(user_name="u@x.com", emails=STORED)
        theirs = UserResource(user_name="u@x.com", emails=STORED)
        changed = apply_patch(ours, _patch(operations))
        assert changed == _patch(operations).patch(theirs, scim_policy=LENIENT_POLICY)
        assert ours.model_dump() == theirs.model_dump()

    @pytest.mark.parametrize("operations", REFUSED)
    def test_refused_and_unchanged(self, operations: list[dict[str, Any]]) -> None:
        resource = UserResource(user_name="u@x.com", emails=STORED)
        with pytest.raises(ScimError) as raised:
            apply_patch(resource, _patch(operations))
        assert raised.value.status == 400
        before = UserResource(user_name="u@x.com", emails=STORED)
        assert resource.model_dump() == before.model_dump()
