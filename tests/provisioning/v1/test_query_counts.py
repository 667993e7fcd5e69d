"""The 1.1 translation costs no queries: lists match 2.0's, member changes stay O(1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configurations.models import Directory
from provisioning.models import ScimUser
from tests.provisioning.conftest import ScimClient
from tests.provisioning.factories import make_group, make_user

from .conftest import CORE

pytestmark = pytest.mark.django_db


def queries(client: ScimClient, method: str, path: str, body: object = None, **params: str) -> int:
    """How many queries one request runs (the response must succeed)."""
    # The first request of a credential records its use and caches settings: not counted.
    client.get("ServiceProviderConfigs")
    if method == "GET":
        # A read caches what it reads of the directory's settings: count the steady state.
        client.request(method, path, body, **params)
    with CaptureQueriesContext(connection) as captured:
        response = client.request(method, path, body, **params)
    assert response.status_code < 300, response.content
    return len(captured)


def test_lists_cost_what_2_0_lists_cost(scim1: ScimClient, scim_directory: Directory) -> None:
    users = [make_user(scim_directory) for _ in range(12)]
    for index in range(3):
        make_group(scim_directory, members=users[index::3], displayName=f"g{index}")
    scim2 = ScimClient(scim1.token)

    for path, params in (
        ("Users", {"filter": 'userName sw "user"', "count": "10"}),
        ("Groups", {"startIndex": "1", "count": "100"}),
    ):
        v1 = queries(scim1, "GET", path, **params)
        v2 = queries(scim2, "GET", path, **params)
        assert v1 == v2, (path, v1, v2)


def test_one_member_change_does_not_grow_with_the_group(
    scim1: ScimClient, scim_directory: Directory
) -> None:
    users = [make_user(scim_directory) for _ in range(42)]
    small = make_group(scim_directory, members=users[:2], displayName="small")
    large = make_group(scim_directory, members=users[:40], displayName="large")

    def change(group_id: object, user: ScimUser, operation: str | None = None) -> int:
        """Queries of a PATCH adding (or deleting) one member."""
        member = {"value": str(user.pk), **({"operation": operation} if operation else {})}
        body = {"schemas": [CORE], "members": [member]}
        return queries(scim1, "PATCH", f"Groups/{group_id}", body)

    # Warm-up: the process's first write reads the site's outage record (then cached).
    change(small.pk, users[41], "delete")
    assert change(small.pk, users[40]) == change(large.pk, users[41])
    assert change(small.pk, users[40], "delete") == change(large.pk, users[41], "delete")
