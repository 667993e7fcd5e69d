"""Attack 5 replayed: "Sync, then Remove Directory, wiped the Jira site".

A new admin syncs a Jira that has thousands of users (20,000 in the report, 2,000 here to
stay fast; none created by an IdP) and Jira's application groups, then runs Remove Directory
on that directory as the CLI contract says.
Before the fix every user but the bridge's account and every group but the administrator
groups were deleted in Jira; now nothing is, and the directory's rows are only unlinked.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from configurations.services import directory_get_or_create
from provisioning.models import ScimGroup, ScimUser
from provisioning.sync.models import SyncRun
from tests.fakejira import FakeJira
from tests.provisioning.sync.conftest import run_now, site_for

pytestmark = pytest.mark.django_db
USERS = 2_000
JIRA_GROUPS = ("jira-users", "jira-software-users", "jira-core-users", "jira-servicedesk-users")


def test_sync_then_remove_directory_deletes_nothing_in_jira(fake_jira: FakeJira) -> None:
    """No Jira user or group is deleted; every row of the directory is gone."""
    fake_jira.seed_users(USERS, groups=["jira-users", "jira-software-users"])
    fake_jira.seed_users(10, prefix="core", groups=["jira-core-users", "jira-servicedesk-users"])
    directory = directory_get_or_create(name="new admin", jira_site=site_for(fake_jira))
    sync = run_now(directory)
    assert sync.status == SyncRun.Status.SUCCEEDED, sync.message
    assert ScimUser.objects.filter(directory=directory).count() == USERS + 10
    users_before, groups_before = set(fake_jira.users), set(fake_jira.groups)
    fake_jira.clear_requests()

    call_command(
        "remove_directory", directory.name, yes=True, stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert not fake_jira.requests("DELETE"), "Remove Directory deleted Jira objects"
    assert set(fake_jira.users) == users_before
    assert set(fake_jira.groups) == groups_before
    for group in JIRA_GROUPS:
        assert fake_jira.group(group) is not None
    run = SyncRun.objects.get(kind=SyncRun.Kind.REMOVE_DIRECTORY)
    assert run.counters["users"]["unmapped"] == USERS + 10
    assert run.counters["users"]["removed"] == 0
    assert not ScimUser.objects.filter(directory=directory).exists()
    assert not ScimGroup.objects.filter(directory=directory).exists()
