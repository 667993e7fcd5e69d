"""The SCIM JSON renderer: orjson, yet the same bytes as DRF's JSON renderer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from provisioning.api.renderers import ScimRenderer

VALUES = [
    {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0},
    {"userName": "é ü 中文 \U0001f600", "active": True, "n": None, "f": 1.5, "i": 2**40},
    {"line": "a\u2028b\u2029c", "quote": '"\\/'},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"at": datetime(2026, 12, 2, 6, 0, 0, 123456, tzinfo=UTC)},
    {"detail": ErrorDetail("Bad filter", code="invalid"), "lazy": gettext_lazy("Yes")},
    {"amount": Decimal("1.10")},
    [1, "two", {"3": [4]}],
]


@pytest.mark.parametrize("value", VALUES)
def test_same_bytes_as_drf(value) -> None:
    assert ScimRenderer().render(value) == JSONRenderer().render(value)


def test_no_body_for_no_data() -> None:
    assert ScimRenderer().render(None) == b""
