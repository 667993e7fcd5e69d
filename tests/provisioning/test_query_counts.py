"""Query counts: lists have no N+1, membership changes are O(1), members are loaded only when
returned."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provisioning.models import ScimGroup, ScimMembership, ScimUser

from .conftest import ScimClient

pytestmark = pytest.mark.django_db


def bulk_users(directory: Any, count: int, prefix: str) -> list[ScimUser]:
    """Users written straight to the table (test data, not a SCIM write)."""
    return ScimUser.objects.bulk_create(
        ScimUser(directory=directory, user_name=f"{prefix}{n}", resource={"title": "t"})
        for n in range(count)
    )


def big_group(directory: Any, name: str, members: int) -> ScimGroup:
    """A group with `members` members."""
    group = ScimGroup.objects.create(directory=directory, display_name=name)
    ScimMembership.objects.bulk_create(
        ScimMembership(group=group, user=user) for user in bulk_users(directory, members, name)
    )
    return group


def queries(call: Any) -> tuple[Any, list[str]]:
    """The response of a request and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [query["sql"] for query in captured.captured_queries]


def test_user_lists_have_no_n_plus_one(scim: ScimClient, scim_directory: Any) -> None:
    users = bulk_users(scim_directory, 30, "u")
    group = ScimGroup.objects.create(directory=scim_directory, display_name="g")
    ScimMembership.objects.bulk_create(ScimMembership(group=group, user=u) for u in users)
    scim.get("Users")  # warm-up: authentication touches last_used_at once a minute
    _, few = queries(lambda: scim.get("Users", count=2))
    large, many = queries(lambda: scim.get("Users", count=30))
    assert len(large.json()["Resources"]) == 30
    assert all(resource["groups"] for resource in large.json()["Resources"])
    assert len(few) == len(many) <= 6
    # Without groups in the response, memberships are not read at all.
    _, lean = queries(lambda: scim.get("Users", count=30, attributes="userName"))
    assert not any("scimmembership" in sql for sql in lean)


def test_group_lists_have_no_n_plus_one(scim: ScimClient, scim_directory: Any) -> None:
    for number in range(10):
        big_group(scim_directory, f"g{number}", 5)
    scim.get("Groups")
    _, few = queries(lambda: scim.get("Groups", count=1))
    large, many = queries(lambda: scim.get("Groups", count=10))
    assert sum(len(g["members"]) for g in large.json()["Resources"]) == 50
    assert len(few) == len(many) <= 6


def test_excluded_members_are_never_loaded(scim: ScimClient, scim_directory: Any) -> None:
    group = big_group(scim_directory, "big", 300)
    scim.get("Groups")
    response, sql = queries(lambda: scim.get(f"Groups/{group.pk}", excludedAttributes="members"))
    assert "members" not in response.json()
    assert not any("scimmembership" in query for query in sql)
    response, sql = queries(
        lambda: scim.get("Groups", excludedAttributes="members", filter='displayName eq "big"')
    )
    assert response.json()["totalResults"] == 1
    assert not any("scimmembership" in query for query in sql)


def test_adding_a_member_is_o1(scim: ScimClient, scim_directory: Any) -> None:
    small, large = big_group(scim_directory, "small", 2), big_group(scim_directory, "large", 3000)
    newcomers = bulk_users(scim_directory, 2, "new")
    scim.get("Groups", count=0)

    def add(group: ScimGroup, user: ScimUser) -> Any:
        return scim.patch_ops(
            f"Groups/{group.pk}",
            {"op": "add", "path": "members", "value": [{"value": str(user.pk)}]},
        )

    # Warm-up: the process's first write reads the site's outage record (then cached).
    assert scim.patch_ops(f"Groups/{small.pk}", {"op": "replace", "value": {}}).status_code < 300
    response_small, sql_small = queries(lambda: add(small, newcomers[0]))
    response_large, sql_large = queries(lambda: add(large, newcomers[1]))
    assert response_small.status_code == response_large.status_code == 204
    assert len(sql_small) == len(sql_large) <= 10
    assert large.memberships.count() == 3001
    # Removing one is O(1) as well, by filter or by value.
    response, sql = queries(
        lambda: scim.patch_ops(
            f"Groups/{large.pk}", {"op": "remove", "path": f'members[value eq "{newcomers[1].pk}"]'}
        )
    )
    assert response.status_code == 204
    assert len(sql) <= 10
    assert large.memberships.count() == 3000
