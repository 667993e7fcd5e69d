"""Item 7 of issue 19 ("no cap"): every request limit refuses, names its setting, applies nothing.

The limits are settings (SCIM_MAX_*); each test sends one request just over a limit and
checks the SCIM error, that the rows are unchanged and that the applier (Jira) saw nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import override_settings

from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.services.apply import applier_override
from tests.provisioning.conftest import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    RecordingApplier,
    assert_scim_error,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def applier() -> Iterator[RecordingApplier]:
    """Every write goes to this recorder (in place of Jira): a refused one records nothing."""
    recorder = RecordingApplier()
    with applier_override(recorder):
        yield recorder


def _stored() -> tuple[list[tuple[str, int]], list[tuple[str, int]], int]:
    return (
        sorted(ScimUser.objects.values_list("user_name", "version")),
        sorted(ScimGroup.objects.values_list("display_name", "version")),
        ScimMembership.objects.count(),
    )


def _refused(response, status: int, scim_type: str, setting: str) -> None:
    body = assert_scim_error(response, status, scim_type)
    assert setting in body["detail"], body["detail"]


def _members(count: int) -> list[dict[str, str]]:
    return [{"value": str(uuid.uuid4())} for _ in range(count)]


class TestFilterLimits:
    """Length, nesting and comparisons of a filter, checked before it is parsed or SQL."""

    def test_the_issue_s_search_of_20000_or_terms(self, scim, applier) -> None:
        text = " or ".join(f'userName eq "user{n}"' for n in range(20_000))
        response = scim.post(
            ".search",
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": text},
        )
        _refused(response, 400, "invalidFilter", "SCIM_MAX_FILTER_LENGTH")

    @override_settings(SCIM_MAX_FILTER_LENGTH=50)
    @pytest.mark.parametrize("base", ["/scim/v2", "/scim/v1"])
    def test_length(self, scim, base) -> None:
        text = 'userName eq "' + "x" * 60 + '"'
        response = scim.get(f"{base}/Users", filter=text)
        assert response.status_code == 400
        assert "SCIM_MAX_FILTER_LENGTH" in response.content.decode()

    def test_depth(self, scim) -> None:
        text = "(" * 21 + 'userName eq "a"' + ")" * 21
        _refused(scim.get("Users", filter=text), 400, "invalidFilter", "SCIM_MAX_FILTER_DEPTH")

    def test_depth_within_the_limit_is_answered(self, scim) -> None:
        text = "(" * 20 + 'userName eq "a"' + ")" * 20
        assert scim.get("Users", filter=text).status_code == 200

    def test_terms(self, scim) -> None:
        text = " or ".join(f'userName co "{n}"' for n in range(201))
        _refused(scim.get("Users", filter=text), 400, "invalidFilter", "SCIM_MAX_FILTER_TERMS")

    def test_terms_in_a_scim11_filter(self, scim1) -> None:
        text = " or ".join(f'userName eq "{n}"' for n in range(201))
        response = scim1.get("Users", filter=text)
        assert response.status_code == 400
        assert "SCIM_MAX_FILTER_TERMS" in response.json()["Errors"][0]["description"]

    def test_words_inside_strings_are_not_counted(self, scim) -> None:
        text = 'userName eq "' + " eq ( [" * 300 + '"'
        assert scim.get("Users", filter=text).status_code == 200

    @override_settings(SCIM_MAX_FILTER_TERMS=2)
    def test_a_patch_path_filter(self, scim, applier) -> None:
        group = scim.create_group("path-filter")
        before = _stored()
        path = 'members[value eq "a" or value eq "b" or value eq "c"]'
        response = scim.patch_ops(f"Groups/{group['id']}", {"op": "remove", "path": path})
        _refused(response, 400, "invalidFilter", "SCIM_MAX_FILTER_TERMS")
        assert _stored() == before


class TestMembersPerWrite:
    """Group members per POST, PUT and PATCH."""

    @override_settings(SCIM_MAX_MEMBERS_PER_WRITE=3)
    def test_post(self, scim, applier) -> None:
        body = {"schemas": [GROUP_SCHEMA], "displayName": "big", "members": _members(4)}
        _refused(scim.post("Groups", body), 413, "tooMany", "SCIM_MAX_MEMBERS_PER_WRITE")
        assert _stored() == ([], [], 0)
        assert applier.change_sets == []

    @override_settings(SCIM_MAX_MEMBERS_PER_WRITE=3)
    def test_put(self, scim, applier) -> None:
        group = scim.create_group("put-group")
        before, calls = _stored(), len(applier.change_sets)
        body = {"schemas": [GROUP_SCHEMA], "displayName": "put-group", "members": _members(4)}
        response = scim.put(f"Groups/{group['id']}", body)
        _refused(response, 413, "tooMany", "SCIM_MAX_MEMBERS_PER_WRITE")
        assert _stored() == before
        assert len(applier.change_sets) == calls

    @override_settings(SCIM_MAX_MEMBERS_PER_WRITE=3)
    def test_patch_counts_every_operation(self, scim, applier) -> None:
        group = scim.create_group("patch-group")
        before, calls = _stored(), len(applier.change_sets)
        response = scim.patch_ops(
            f"Groups/{group['id']}",
            {"op": "add", "path": "members", "value": _members(2)},
            {"op": "add", "value": {"members": _members(2)}},
        )
        _refused(response, 413, "tooMany", "SCIM_MAX_MEMBERS_PER_WRITE")
        assert _stored() == before
        assert len(applier.change_sets) == calls

    def test_the_default_is_ten_thousand(self, scim, applier) -> None:
        body = {"schemas": [GROUP_SCHEMA], "displayName": "huge", "members": _members(10_001)}
        _refused(scim.post("Groups", body), 413, "tooMany", "SCIM_MAX_MEMBERS_PER_WRITE")
        assert applier.change_sets == []

    @override_settings(SCIM_MAX_MEMBERS_PER_WRITE=3)
    def test_scim11_post(self, scim1, applier) -> None:
        schemas = ["urn:scim:schemas:core:1.0"]
        body = {"schemas": schemas, "displayName": "v1", "members": _members(4)}
        response = scim1.post("Groups", body)
        assert response.status_code == 413
        assert "SCIM_MAX_MEMBERS_PER_WRITE" in response.json()["Errors"][0]["description"]
        assert _stored() == ([], [], 0)


class TestOperationsPerPatch:
    """Operations per PATCH."""

    def test_default(self, scim, applier) -> None:
        user = scim.create_user("ops")
        before, calls = _stored(), len(applier.change_sets)
        operations = [{"op": "replace", "path": "title", "value": f"t{n}"} for n in range(1001)]
        response = scim.patch_ops(f"Users/{user['id']}", *operations)
        _refused(response, 413, "tooMany", "SCIM_MAX_PATCH_OPERATIONS")
        assert _stored() == before
        assert len(applier.change_sets) == calls


class TestValuesPerAttribute:
    """Values per multi-valued user attribute, in a POST and accumulated by PATCHes."""

    def test_post(self, scim, applier) -> None:
        emails = [{"value": f"u{n}@example.com"} for n in range(101)]
        body = {"schemas": [USER_SCHEMA], "userName": "many", "emails": emails}
        _refused(scim.post("Users", body), 400, "invalidValue", "SCIM_MAX_ATTRIBUTE_VALUES")
        assert _stored() == ([], [], 0)
        assert applier.change_sets == []

    @override_settings(SCIM_MAX_ATTRIBUTE_VALUES=3)
    def test_patches_cannot_add_up_past_it(self, scim, applier) -> None:
        user = scim.create_user("adds", emails=[{"value": "a@example.com"}])
        add = [{"value": "b@example.com"}, {"value": "c@example.com"}]
        assert scim.patch_ops(
            f"Users/{user['id']}", {"op": "add", "path": "emails", "value": add}
        ).status_code == 200
        before, calls = _stored(), len(applier.change_sets)
        response = scim.patch_ops(
            f"Users/{user['id']}", {"op": "add", "path": "emails", "value": [{"value": "d@x.io"}]}
        )
        _refused(response, 400, "invalidValue", "SCIM_MAX_ATTRIBUTE_VALUES")
        assert _stored() == before
        assert len(applier.change_sets) == calls
