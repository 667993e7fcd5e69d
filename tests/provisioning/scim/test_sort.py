"""sortBy resolved against the resource model, with no database."""

from __future__ import annotations

import pytest

from provisioning.scim.errors import ScimError
from provisioning.scim.schema import ENTERPRISE_SCHEMA, GroupResource, UserResource
from provisioning.scim.sort import sort_binding


class TestSortBinding:
    """Which attribute a sortBy designates, or why it cannot be sorted on."""

    @pytest.mark.parametrize(
        ("sort_by", "urn"),
        [
            ("userName", "userName"),
            ("USERNAME", "userName"),
            ("name.familyName", "name.familyName"),
            ("emails", "emails.value"),  # a multi-valued attribute sorts by its value
            ("emails.type", "emails.type"),
            ("meta.created", "meta.created"),
            (f"{ENTERPRISE_SCHEMA}:employeeNumber", f"{ENTERPRISE_SCHEMA}:employeeNumber"),
        ],
    )
    def test_user(self, sort_by: str, urn: str) -> None:
        binding = sort_binding(sort_by, UserResource)
        assert binding is not None
        assert binding.urn.removeprefix(f"{UserResource.__schema__}:") == urn

    def test_group_members(self) -> None:
        binding = sort_binding("members", GroupResource)
        assert binding is not None
        assert binding.urn.endswith("members.value")

    @pytest.mark.parametrize(
        ("sort_by", "reason"),
        [
            ("nothing", "no such attribute"),
            ("name", "complex attribute"),
            ("x509Certificates", "binary"),
            ("userName[", "userName["),
        ],
    )
    def test_refused(self, sort_by: str, reason: str) -> None:
        with pytest.raises(ScimError) as error:
            sort_binding(sort_by, UserResource)
        assert (error.value.status, error.value.scim_type) == (400, "invalidValue")
        assert reason in error.value.detail

    def test_lenient_unknown_is_none(self) -> None:
        assert sort_binding("userName", GroupResource, lenient=True) is None
        with pytest.raises(ScimError):
            sort_binding("userName", GroupResource)
