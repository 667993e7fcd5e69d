"""The intent journal and the error mapping, below the API."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from configurations.models import Directory
from jiraclient.errors import (
    JiraConflict,
    JiraConnectionError,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRefused,
    JiraTransient,
    JiraUnauthorized,
    JiraUnexpectedResponse,
)
from provisioning.models import JiraIntent, ScimUser
from provisioning.scim.schema import UserResource
from provisioning.services import users as user_services
from provisioning.services.apply import applier_override
from provisioning.writethrough import journal
from provisioning.writethrough.errors import from_jira
from tests.fakejira import FakeJira

from .conftest import user_body

pytestmark = pytest.mark.django_db


def intent(directory: Directory, name: str = "x") -> journal.PendingIntent:
    """Record a pending user intent for a row that does not exist."""
    return journal.record(
        directory=directory, kind=journal.Kind.USER, jira_name=name, row_pk=uuid.uuid4()
    )


class TestScope:
    """What the outermost scope writes when it ends."""

    def test_unsettled_intents_survive_a_rollback(self, wt_directory: Directory) -> None:
        def failing_write() -> None:
            with transaction.atomic():
                intent(wt_directory, "lost")
                raise RuntimeError

        with journal.intent_scope(), pytest.raises(RuntimeError):
            failing_write()

        [row] = JiraIntent.objects.all()
        assert (row.directory, row.kind, row.jira_name) == (wt_directory, "user", "lost")

    def test_settled_intent_is_not_written(self, wt_directory: Directory) -> None:
        user = ScimUser.objects.create(directory=wt_directory, user_name="kept")
        with journal.intent_scope():
            pending = journal.record(
                directory=wt_directory, kind=journal.Kind.USER, jira_name="kept", row_pk=user.pk
            )
            pending.linked = "JIRAUSER1"
            ScimUser.objects.filter(pk=user.pk).update(jira_user_key="JIRAUSER1")

        assert not JiraIntent.objects.exists()

    def test_linked_but_not_committed_is_written(self, wt_directory: Directory) -> None:
        user = ScimUser.objects.create(
            directory=wt_directory, user_name="rolled", jira_user_key="OLD"
        )
        with journal.intent_scope():
            pending = journal.record(
                directory=wt_directory, kind=journal.Kind.USER, jira_name="rolled", row_pk=user.pk
            )
            pending.linked = "NEW"  # the row still links the old key: the write rolled back

        assert JiraIntent.objects.filter(jira_name="rolled").exists()

    def test_nested_scopes_write_once_at_the_outermost(self, wt_directory: Directory) -> None:
        with journal.intent_scope():
            with journal.intent_scope():
                intent(wt_directory, "inner")
            assert not JiraIntent.objects.exists()

        assert JiraIntent.objects.filter(jira_name="inner").exists()

    def test_discarded_intent_is_not_written(self, wt_directory: Directory) -> None:
        with journal.intent_scope():
            journal.discard(intent(wt_directory))

        assert not JiraIntent.objects.exists()

    def test_outside_a_scope_warns(
        self, wt_directory: Directory, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, "scimbridge.writethrough"):
            intent(wt_directory, "stray")

        assert "outside an intent scope" in caplog.text
        with journal.intent_scope():
            pass
        assert not JiraIntent.objects.exists()

    def test_rewriting_refreshes_and_prunes(self, wt_directory: Directory) -> None:
        old = timezone.now() - journal.INTENT_TTL - timedelta(hours=1)
        JiraIntent.objects.create(
            directory=wt_directory, kind="user", jira_name="AGAIN", requested_at=old
        )
        JiraIntent.objects.create(
            directory=wt_directory, kind="group", jira_name="stale", requested_at=old
        )
        with journal.intent_scope():
            intent(wt_directory, "again")

        [row] = JiraIntent.objects.all()
        assert row.jira_name == "AGAIN"
        assert row.requested_at > old
        assert journal.find(directory=wt_directory, kind="user", jira_name="Again") == row


class TestServiceLevel:
    """The scope is what makes a failed create adoptable, whoever calls the service."""

    def test_service_opens_the_write_scope(
        self, wt_directory: Directory, jira: FakeJira, settings: Any
    ) -> None:
        settings.JIRA_BLIP_ATTEMPTS = 1  # the failure must reach the service's caller
        jira.apply_then_fail("POST", "/rest/api/2/user", count=1)
        jira.fail("GET", "/rest/api/2/user", count=4)
        resource = UserResource.model_validate(user_body("svc"))

        # No scope entered here: the service is a write unit and opens it itself.
        with pytest.raises(Exception, match="did not confirm"):
            user_services.user_create(directory=wt_directory, resource=resource)

        assert JiraIntent.objects.filter(jira_name="svc").exists()
        user = user_services.user_create(directory=wt_directory, resource=resource)
        assert user.jira_user_key == jira.user("svc").key

    def test_applier_without_a_scope(self) -> None:
        def plain(change_set: Any) -> None:
            return None

        with applier_override(plain) as applier, applier.write_scope() as scope:
            assert scope is None  # a no-op context


ERRORS: list[tuple[JiraError, int, str | None, str]] = [
    (JiraTransient("boom", status=500, retry_after=None), 503, "10", "did not confirm"),
    (JiraTransient("slow down", status=429, retry_after=2.2), 503, "3", "rate-limited"),
    (JiraConnectionError("refused", maybe_applied=False), 503, "10", "did not confirm"),
    (JiraRefused("no", status=400, field_errors={"email": "Bad."}), 400, None, "email: Bad."),
    (JiraConflict("exists", existing={"name": "x"}), 409, None, "Sync Users & Groups"),
    (JiraNotFound("gone", status=404), 409, None, "Sync Users & Groups"),
    (JiraUnauthorized("who", status=401), 503, "300", "personal access token"),
    (JiraForbidden("no admin", status=403), 503, "300", "personal access token"),
    (JiraUnexpectedResponse("html", status=302), 503, "300", "base URL"),
]


@pytest.mark.parametrize(("err", "status", "retry_after", "detail"), ERRORS)
def test_error_mapping(err: JiraError, status: int, retry_after: str | None, detail: str) -> None:
    """Each client error class maps to the status, Retry-After and detail DESIGN.md asks."""
    scim = from_jira(err, doing="creating Jira user 'x'", site="jira", directory="Okta")

    assert scim.status == status
    assert scim.headers.get("Retry-After") == retry_after
    assert detail in scim.detail
    if status == 409 and isinstance(err, JiraConflict):
        assert scim.scim_type == "uniqueness"
