"""Fixtures for the directory utilities: a directory on a fake Jira, seeded data, run helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from configurations.models import Directory, JiraSite
from configurations.services import directory_get_or_create
from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.sync.engine import run_execute
from provisioning.sync.models import SyncRun
from provisioning.sync.runs import run_request
from tests.fakejira import FakeJira

ADMIN_GROUPS = {"jira-administrators", "jira-system-administrators"}


def site_for(fake: FakeJira, name: str = "fake") -> JiraSite:
    """A Jira site using the fake's administrator token."""
    site = JiraSite(name=name, base_url=fake.url, timeout=10)
    site.set_secret(fake.admin_token)
    site.save()
    return site


@pytest.fixture
def make_directory(db: Any) -> Callable[..., Directory]:
    """A directory bound to a (new) site on the given fake Jira."""

    def make(fake: FakeJira, name: str = "Jira users") -> Directory:
        return directory_get_or_create(name=name, jira_site=site_for(fake, f"site-{name}"))

    return make


def run_now(directory: Directory, kind: str = SyncRun.Kind.SYNC) -> SyncRun:
    """Queue and execute a run in this process; returns the finished run."""
    run = run_request(directory=directory, kind=kind)
    finished = run_execute(run_id=run.pk)
    assert finished is not None
    finished.refresh_from_db()
    return finished


def seed_site(fake: FakeJira, *, users: int, groups: int, per_group: int) -> None:
    """Users user00001..; groups group-000..; every user in groups*per_group/users groups."""
    fake.seed_users(users)
    for g in range(groups):
        members = [f"user{(g * 25 + j) % users + 1:05d}" for j in range(per_group)]
        fake.seed_group(f"group-{g:03d}", members=members)


def table_state(directory: Directory) -> dict[str, Any]:
    """Everything sync writes, with versions, to prove a rerun changed nothing."""
    return {
        "users": set(
            ScimUser.objects.filter(directory=directory).values_list(
                "id", "user_name", "jira_user_key", "display_name", "active", "version"
            )
        ),
        "groups": set(
            ScimGroup.objects.filter(directory=directory).values_list(
                "id", "display_name", "jira_group_name", "version"
            )
        ),
        "memberships": set(
            ScimMembership.objects.filter(group__directory=directory).values_list(
                "group_id", "user_id"
            )
        ),
    }


def assert_mirrors_jira(fake: FakeJira, directory: Directory) -> None:
    """The tables hold every Jira user (but the admin), group (but admin groups), membership."""
    jira_users = {u.key: u for u in fake.users.values() if u.name != fake.admin_username}
    rows = dict(
        ScimUser.objects.filter(directory=directory).values_list("jira_user_key", "user_name")
    )
    assert rows == {key: user.name for key, user in jira_users.items()}
    jira_groups = {name for name in fake.groups if name not in ADMIN_GROUPS}
    assert (
        set(ScimGroup.objects.filter(directory=directory).values_list("jira_group_name", flat=True))
        == jira_groups
    )
    expected = {
        (group, name)
        for group in jira_groups
        for name in fake.members(group, nested=True)
        if name != fake.admin_username
    }
    actual = set(
        ScimMembership.objects.filter(group__directory=directory).values_list(
            "group__jira_group_name", "user__user_name"
        )
    )
    assert actual == expected
