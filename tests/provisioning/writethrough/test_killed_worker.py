"""A worker killed right after Jira created a group: the IdP's retry adopts it (item 6)."""

from __future__ import annotations

import pytest
from django.db import connection

from jiraclient.groups import GroupCalls
from provisioning.models import JiraIntent, ScimGroup
from provisioning.writethrough import journal
from tests.fakejira import FakeJira
from tests.provisioning.conftest import GROUP_SCHEMA, ScimClient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has one writer: the intent cannot be committed apart (documented)",
    ),
]


class Killed(BaseException):
    """The worker process dies: nothing after this point runs to completion."""


def test_group_create_killed_after_the_post(
    idp: ScimClient, jira: FakeJira, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Killed"}
    real_create = GroupCalls.create_group

    def create_then_die(self: GroupCalls, name: str) -> dict[str, object]:
        real_create(self, name)
        raise Killed

    with monkeypatch.context() as killed:
        killed.setattr(GroupCalls, "create_group", create_then_die)
        # A killed process never reaches the end of its write scope: no journaling there.
        killed.setattr(journal, "persist_unsettled", lambda pending: None)
        with pytest.raises(Killed):
            idp.post("Groups", body)

    assert jira.group("Killed") is not None  # Jira applied the POST
    assert not ScimGroup.objects.exists()  # the write's transaction never committed
    assert JiraIntent.objects.filter(jira_name="Killed").exists()

    retry = idp.post("Groups", body)

    assert retry.status_code == 201, retry.content
    assert ScimGroup.objects.get().jira_group_name == "Killed"
    assert not JiraIntent.objects.exists()
    assert len(jira.requests("POST", "/rest/api/2/group")) == 1


def test_refused_create_leaves_no_intent(idp: ScimClient, jira: FakeJira) -> None:
    """An intent committed before a POST that Jira refused is dropped again."""
    jira.fail("POST", "/rest/api/2/group", status=400)
    response = idp.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Refused"})
    assert response.status_code == 400, response.content
    assert not JiraIntent.objects.exists()
