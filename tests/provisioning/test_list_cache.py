"""Unfiltered user lists: the total and page starts reused while no user changed, exact after."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from provisioning.models import ScimUser
from provisioning.selectors import MATCHES_READ_WHOLE

from .conftest import ScimClient

pytestmark = pytest.mark.django_db


def bulk_users(directory: Any, count: int, prefix: str = "u", **fields: Any) -> list[ScimUser]:
    """Users written straight to the table, all with one `created` (as a sync batch)."""
    now = timezone.now()
    return ScimUser.objects.bulk_create(
        ScimUser(directory=directory, user_name=f"{prefix}{n:03d}", created=now, **fields)
        for n in range(count)
    )


def listed(scim: ScimClient, **params: Any) -> tuple[dict[str, Any], list[str]]:
    """A list response and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = scim.get("Users", **params)
    assert response.status_code == 200, response.content
    return response.json(), [query["sql"].upper() for query in captured.captured_queries]


def counts(sql: list[str]) -> list[str]:
    """The COUNT queries among `sql`."""
    return [query for query in sql if "COUNT(" in query]


def names(body: dict[str, Any]) -> list[str]:
    """The userNames of a list response, in order."""
    return [resource["userName"] for resource in body.get("Resources", [])]


class TestUnfilteredLists:
    """The IdP import: pages of the whole directory."""

    def test_total_is_counted_once_while_nothing_changes(self, scim, scim_directory) -> None:
        bulk_users(scim_directory, 30)
        first, sql = listed(scim, startIndex=1, count=10)
        assert first["totalResults"] == 30
        assert counts(sql)
        again, sql = listed(scim, startIndex=11, count=10)
        assert again["totalResults"] == 30
        assert counts(sql) == []

    def test_pages_by_seek_are_the_pages_by_offset(self, scim, scim_directory) -> None:
        # Every row shares one `created`: the seek must order by (created, id) as OFFSET does.
        bulk_users(scim_directory, 25)
        expected = list(
            ScimUser.objects.filter(directory=scim_directory)
            .order_by("created", "id")
            .values_list("user_name", flat=True)
        )
        for _ in range(2):  # the second pass seeks from the positions the first recorded
            seen: list[str] = []
            for start in range(1, 26, 7):
                seen += names(listed(scim, startIndex=start, count=7)[0])
            assert seen == expected
        # Same page twice: the second one is a seek from its first row, same rows.
        deep, _ = listed(scim, startIndex=20, count=3)
        assert names(deep) == expected[19:22]
        assert names(listed(scim, startIndex=20, count=3)[0]) == expected[19:22]

    @pytest.mark.parametrize(
        "change",
        [
            "api-create",
            "api-delete",
            "bulk-create",
            "queryset-hide",
            "queryset-delete",
            "instance-hide",
        ],
    )
    def test_any_user_write_is_seen_at_once(self, scim, scim_directory, change) -> None:
        users = bulk_users(scim_directory, 12)
        before, _ = listed(scim, startIndex=1, count=5)
        listed(scim, startIndex=6, count=5)  # records the position of page 2
        assert before["totalResults"] == 12
        expected = 13 if change in {"api-create", "bulk-create"} else 11
        if change == "api-create":
            assert scim.create_user("aaa-new")["userName"] == "aaa-new"
        elif change == "api-delete":
            assert scim.delete(f"Users/{users[0].pk}").status_code == 204
        elif change == "bulk-create":
            bulk_users(scim_directory, 1, prefix="b")
        elif change == "queryset-hide":
            ScimUser.objects.filter(pk=users[0].pk).update(hidden_at=timezone.now())
        elif change == "queryset-delete":
            ScimUser.objects.filter(pk=users[0].pk).delete()
        else:
            users[0].hidden_at = timezone.now()
            users[0].save(update_fields=["hidden_at"])
        after, sql = listed(scim, startIndex=6, count=5)
        assert after["totalResults"] == expected
        assert counts(sql)
        visible = list(
            ScimUser.objects.filter(directory=scim_directory, hidden_at__isnull=True)
            .order_by("created", "id")
            .values_list("user_name", flat=True)
        )
        assert names(after) == visible[5:10]

    def test_a_change_of_no_list_column_keeps_the_cache(self, scim, scim_directory) -> None:
        users = bulk_users(scim_directory, 5)
        listed(scim, startIndex=1, count=2)
        ScimUser.objects.filter(pk=users[0].pk).update(display_name="Renamed")
        _, sql = listed(scim, startIndex=1, count=2)
        assert counts(sql) == []


class TestLookups:
    """Entra's `userName eq` before every create: one query for the users, no COUNT."""

    def test_user_name_lookup_runs_no_count(self, scim, scim_directory) -> None:
        bulk_users(scim_directory, 20)
        scim.get("Users", filter='userName eq "u001"')
        body, sql = listed(scim, filter='userName eq "u007"')
        assert body["totalResults"] == 1
        assert names(body) == ["u007"]
        assert counts(sql) == []
        # The user joined with its groups: one query, the credential came from the cache.
        assert len(sql) == 1

    @pytest.mark.parametrize(
        "text",
        ['userName eq "u007"', 'USERNAME Eq "U007"',
         'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "u007"'],
    )  # fmt: skip
    def test_user_name_lookup_has_no_order_by(self, scim, scim_directory, text) -> None:
        # Without ORDER BY created ... LIMIT only the unique (directory, lower(userName)) index
        # can answer, whatever the planner's statistics say.
        bulk_users(scim_directory, 20)
        body, sql = listed(scim, filter=text)
        assert names(body) == ["u007"]
        [users] = [query for query in sql if 'FROM "PROVISIONING_SCIMUSER"' in query]
        # The user's memberships may be ordered; the users never are, nor limited.
        assert '"CREATED"' not in users.partition("ORDER BY")[2]
        assert "LIMIT" not in users

    def test_few_matches_are_read_unordered_and_sorted_as_the_database_would(
        self, scim, scim_directory
    ) -> None:
        # Every row shares one `created`: the ids alone order them, as ORDER BY created, id.
        bulk_users(scim_directory, 30)
        ordered, _ = listed(scim, startIndex=1, count=30)
        body, sql = listed(scim, filter='userName ne "u001"')
        [users] = [query for query in sql if 'FROM "PROVISIONING_SCIMUSER"' in query]
        assert "ORDER BY" not in users
        assert counts(sql) == []
        assert body["totalResults"] == 29
        assert names(body) == [name for name in names(ordered) if name != "u001"]
        page, _ = listed(scim, filter='userName ne "u001"', startIndex=11, count=5)
        assert page["totalResults"] == 29
        assert names(page) == names(body)[10:15]
        beyond, _ = listed(scim, filter='userName ne "u001"', startIndex=40, count=5)
        assert (beyond["totalResults"], names(beyond)) == (29, [])

    def test_hidden_users_read_with_the_matches_are_not_listed(self, scim, scim_directory) -> None:
        # The unordered read leaves visibility out of its SQL (the partial list index's
        # predicate); the hidden matches it reads are dropped before the total is taken.
        bulk_users(scim_directory, 5)
        bulk_users(scim_directory, 3, prefix="h", hidden_at=timezone.now())
        ordered, _ = listed(scim)
        body, sql = listed(scim, filter='userName ne "u001"')
        [users] = [query for query in sql if 'FROM "PROVISIONING_SCIMUSER"' in query]
        assert "HIDDEN_AT" not in users.partition("WHERE")[2]
        assert body["totalResults"] == 4
        assert names(body) == [name for name in names(ordered) if name != "u001"]
        assert sorted(names(body)) == ["u000", "u002", "u003", "u004"]

    def test_many_matches_keep_their_order_and_exact_total(self, scim, scim_directory) -> None:
        bulk_users(scim_directory, MATCHES_READ_WHOLE + 20)
        ordered, _ = listed(scim, startIndex=1, count=MATCHES_READ_WHOLE + 20)
        body, sql = listed(scim, filter='userName ne "u001"', startIndex=101, count=10)
        users = [query for query in sql if 'FROM "PROVISIONING_SCIMUSER"' in query]
        assert any("ORDER BY" in query for query in users)
        assert counts(sql)
        assert body["totalResults"] == MATCHES_READ_WHOLE + 19
        assert names(body) == [name for name in names(ordered) if name != "u001"][100:110]

    def test_a_sort_by_keeps_its_order(self, scim, scim_directory) -> None:
        bulk_users(scim_directory, 3)
        body, sql = listed(
            scim, filter='userName ne "u001"', sortBy="userName", sortOrder="descending"
        )
        [users] = [query for query in sql if 'FROM "PROVISIONING_SCIMUSER"' in query]
        assert "ORDER BY" in users
        assert names(body) == ["u002", "u000"]

    def test_full_first_page_still_counts_exactly(self, scim, scim_directory) -> None:
        bulk_users(scim_directory, 20)
        body, sql = listed(scim, filter='userName sw "u0"', count=5)
        assert body["totalResults"] == 20
        assert len(body["Resources"]) == 5
        assert counts(sql) == []  # the 20 matches were read whole
        bulk_users(scim_directory, MATCHES_READ_WHOLE, prefix="v")
        body, sql = listed(scim, filter='userName sw "v0"', count=5)
        assert body["totalResults"] == MATCHES_READ_WHOLE
        assert len(body["Resources"]) == 5
        assert counts(sql) == []
        bulk_users(scim_directory, 1, prefix="v1")
        body, sql = listed(scim, filter='userName sw "v"', count=5)
        assert body["totalResults"] == MATCHES_READ_WHOLE + 1
        assert counts(sql)

    def test_get_by_id_is_one_query(self, scim, scim_directory) -> None:
        [user] = bulk_users(scim_directory, 1)
        scim.get(f"Users/{user.pk}")
        with CaptureQueriesContext(connection) as captured:
            assert scim.get(f"Users/{user.pk}").status_code == 200
        assert len(captured.captured_queries) == 1


def test_a_group_filter_is_in_the_sql_once(scim, scim_directory) -> None:
    from provisioning.models import ScimGroup

    ScimGroup.objects.create(directory=scim_directory, display_name="Admins")
    ScimGroup.objects.create(directory=scim_directory, display_name="Devs")
    with CaptureQueriesContext(connection) as captured:
        response = scim.get("Groups", filter='displayName eq "Devs"')
    assert response.status_code == 200
    assert [group["displayName"] for group in response.json()["Resources"]] == ["Devs"]
    [groups] = [q["sql"] for q in captured.captured_queries if "scimgroup" in q["sql"].lower()]
    # The unordered read of the matches filters the directory's groups, not the
    # already filtered list again.
    assert groups.lower().partition(" where ")[2].count("= (lower('devs'))") == 1
