"""The hand-written reads give what the ORM gives: same rows, same values, same types."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from configurations.services import directory_get_or_create
from provisioning import hot_reads
from provisioning.models import ScimGroup, ScimMembership, ScimUser

from .conftest import make_site

pytestmark = pytest.mark.django_db


def stored(directory: Any, user_name: str, **fields: Any) -> ScimUser:
    """A user written straight to the table, every kind of column filled."""
    return ScimUser.objects.create(
        directory=directory,
        user_name=user_name,
        display_name="Zoë Ünïcode \u2028",
        active=False,
        external_id="ext-1",
        resource={"name": {"givenName": "Zoë"}, "emails": [{"value": "z@example.com"}]},
        jira_user_key="JIRAUSER10001",
        jira_confirmed_at=timezone.now(),
        **fields,
    )


def columns(user: ScimUser) -> dict[str, Any]:
    return {field.attname: getattr(user, field.attname) for field in ScimUser._meta.concrete_fields}


class TestUsers:
    def test_by_id_is_the_orm_row(self, scim_directory) -> None:
        user = stored(scim_directory, "Zoe@Example.com")
        read = hot_reads.visible_user_by_id(scim_directory.pk, user.pk)
        found = read.user
        assert read.groups == []
        expected = ScimUser.objects.get(pk=user.pk)
        assert columns(found) == columns(expected)
        assert isinstance(found.pk, uuid.UUID)
        assert isinstance(found.created, dt.datetime)
        assert found.created.tzinfo is not None
        assert found.active is False
        assert isinstance(found.resource, dict)
        assert found._state.adding is False
        assert found.etag == expected.etag

    def test_by_user_name_ignores_case(self, scim_directory) -> None:
        user = stored(scim_directory, "Zoe@Example.com")
        found = hot_reads.visible_user_by_user_name(scim_directory.pk, "zOE@example.COM")
        assert found is not None
        assert found.user.pk == user.pk
        assert hot_reads.visible_user_by_user_name(scim_directory.pk, "zoe") is None

    def test_hidden_users_and_other_directories_are_not_found(self, scim_directory) -> None:
        other = directory_get_or_create(name="Other", jira_site=make_site(name="other"))
        hidden = stored(scim_directory, "hidden", hidden_at=timezone.now())
        elsewhere = stored(other, "elsewhere")
        assert hot_reads.visible_user_by_id(scim_directory.pk, hidden.pk) is None
        assert hot_reads.visible_user_by_user_name(scim_directory.pk, "hidden") is None
        assert hot_reads.visible_user_by_id(scim_directory.pk, elsewhere.pk) is None
        assert hot_reads.visible_user_by_user_name(scim_directory.pk, "elsewhere") is None
        assert hot_reads.visible_user_by_id(other.pk, elsewhere.pk).user.user_name == "elsewhere"
        assert hot_reads.visible_user_by_id(scim_directory.pk, uuid.uuid4()) is None

    def test_by_id_names_the_primary_key_alone(self, scim_directory) -> None:
        # With the directory or `hidden_at IS NULL` in its WHERE, stale statistics let
        # PostgreSQL answer from the directory's partial list index (bench/query_plans.py).
        user = stored(scim_directory, "alice")
        with CaptureQueriesContext(connection) as captured:
            hot_reads.visible_user_by_id(scim_directory.pk, user.pk)
        [query] = captured.captured_queries
        where = query["sql"].upper().partition(" WHERE ")[2]
        assert "DIRECTORY_ID" not in where
        assert "HIDDEN_AT" not in where


class TestMemberships:
    def test_in_membership_order_with_uuids(self, scim_directory) -> None:
        alice, bob, carol = (stored(scim_directory, name) for name in ("alice", "bob", "carol"))
        admins = ScimGroup.objects.create(directory=scim_directory, display_name="Admins")
        devs = ScimGroup.objects.create(directory=scim_directory, display_name="Devs")
        for group, user in [(devs, alice), (admins, alice), (admins, bob), (devs, carol)]:
            ScimMembership.objects.create(group=group, user=user)
        read = hot_reads.visible_user_by_id(scim_directory.pk, alice.pk)
        assert read.groups == [(devs.pk, "Devs"), (admins.pk, "Admins")]
        assert columns(read.user) == columns(ScimUser.objects.get(pk=alice.pk))
        by_name = hot_reads.visible_user_by_user_name(scim_directory.pk, "BOB")
        assert by_name.groups == [(admins.pk, "Admins")]
        rows = hot_reads.memberships_of_users([alice.pk, bob.pk])
        assert rows == [
            (alice.pk, devs.pk, "Devs"),
            (alice.pk, admins.pk, "Admins"),
            (bob.pk, admins.pk, "Admins"),
        ]
        assert all(isinstance(value, uuid.UUID) for row in rows for value in row[:2])
        assert hot_reads.memberships_of_users([]) == []
        assert hot_reads.memberships_of_users([uuid.uuid4()]) == []

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan shape")
    def test_each_users_memberships_by_the_user_index(self, scim_directory) -> None:
        # One parameterized subquery per user (LATERAL, OFFSET 0): the planner cannot turn
        # it into one scan of all the memberships, whatever its statistics say.
        alice = stored(scim_directory, "alice")
        with CaptureQueriesContext(connection) as captured:
            hot_reads.memberships_of_users([alice.pk])
        [query] = captured.captured_queries
        assert "CROSS JOIN LATERAL" in query["sql"]
        assert "OFFSET 0" in query["sql"]
