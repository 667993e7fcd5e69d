"""Shadow mode: the write-through runs in full, Jira is read, and every write is recorded instead.

A configuration in shadow mode (`ScimConfiguration.mode`) keeps its SCIM requests exactly as
in live mode: validated, stored in the SCIM tables, answered. The Jira applier
(`applier.JiraApplier`) then applies the change set with the same steps, the same protection
rules and the same reads of Jira (does the user or group exist, is it protected), but through
a `ShadowClient`: every call that would change Jira is stored as a `PlannedChange` row (in the
write's transaction, so a refused write plans nothing) and answered as Jira would answer a
successful write. What would fail in Jira because of what Jira holds fails here too: a create
of an existing user meets the same "already exists" (409), an administrator the same 403.

Nothing is linked or confirmed in shadow mode: the rows stay as they are in Jira's terms (a
user created in shadow mode is unlinked), which is exactly what the drift report shows and
what reconcile applies when the configuration goes live (docs/go-live.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from auditlog.context import current_request_id
from jiraclient.client import JiraClient
from jiraclient.errors import JiraConflict, JiraNotFound
from provisioning.models import PlannedChange, ScimUser

from . import journal
from .context import PLANNED_KEY, WriteContext, planned_key

logger = logging.getLogger("scimbridge.writethrough")


class ShadowClient:
    """A Jira client whose reads go to Jira and whose writes become `PlannedChange` rows."""

    def __init__(self, client: JiraClient, *, directory: Any, configuration: Any) -> None:
        """Wrap `client` (reads) for the change set of `configuration` on `directory`."""
        self._client = client
        self._directory = directory
        self._configuration = configuration
        self.planned: list[PlannedChange] = []

    def __getattr__(self, name: str) -> Any:
        # Everything not overridden below reads Jira (find_user, find_group, version, ...).
        return getattr(self._client, name)

    def _plan(self, object_type: str, object_name: str, operation: str, **fields: Any) -> None:
        kept = {name: value for name, value in fields.items() if value is not None}
        if any(  # a step re-run after a blip plans the same write again: once is enough
            (p.object_type, p.object_name, p.operation, p.fields)
            == (object_type, object_name[:600], operation, kept)
            for p in self.planned
        ):
            return
        self.planned.append(
            PlannedChange(
                directory=self._directory,
                configuration=self._configuration,
                configuration_name=getattr(self._configuration, "name", ""),
                request_id=current_request_id() or "",
                object_type=object_type,
                object_name=object_name[:600],
                operation=operation,
                fields=kept,
                created_at=timezone.now(),
            )
        )

    def save(self) -> None:
        """Store the planned changes (inside the write's transaction)."""
        if self.planned:
            PlannedChange.objects.bulk_create(self.planned)
            logger.info(
                "directory=%s configuration=%s shadow mode: %d planned Jira change(s)",
                self._directory.name,
                getattr(self._configuration, "name", "-"),
                len(self.planned),
            )

    # -- users ----------------------------------------------------------------------------

    def create_user(
        self,
        *,
        name: str,
        email: str,
        display_name: str,
        password: str | None = None,
        application_keys: Iterable[str] = (),
        notification: bool = False,
    ) -> dict[str, Any]:
        """Plan `POST user`; "already exists" when Jira has the name, as Jira would answer."""
        existing = self._client.find_user(username=name)
        if existing is not None:
            raise JiraConflict(
                f"A Jira user named {name!r} already exists", existing=existing, status=400
            )
        self._plan(
            "user",
            name,
            "create_user",
            email=email,
            display_name=display_name,
            password="(set)" if password is not None else None,
            application_keys=list(application_keys) or None,
        )
        return {
            "key": planned_key(name),
            "name": name,
            "emailAddress": email,
            "displayName": display_name,
            "active": True,
        }

    def update_user(
        self,
        *,
        key: str,
        name: str | None = None,
        email: str | None = None,
        display_name: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        """Plan `PUT user`; 404 when Jira no longer has the user, as Jira would answer."""
        if not key.startswith(PLANNED_KEY) and self._client.find_user(key=key) is None:
            raise JiraNotFound(f"No Jira user with key {key!r}", status=404, method="PUT")
        self._plan(
            "user",
            self._user_label(key, name),
            "update_user",
            key=key,
            name=name,
            email=email,
            display_name=display_name,
            active=active,
        )
        return {"key": key, "name": name}

    def delete_user(self, *, key: str) -> None:
        """Plan `DELETE user`."""
        self._plan("user", self._user_label(key, None), "delete_user", key=key)

    def set_password(self, *, key: str, password: str) -> None:
        """Plan `PUT user/password` (the password itself is never recorded)."""
        self._plan("user", self._user_label(key, None), "set_password", key=key)

    def grant_application(self, *, username: str, application_key: str) -> None:
        """Plan the application access a create or restore grants."""
        self._plan("application", f"{application_key}/{username}", "grant_application",
                   username=username, application_key=application_key)

    # -- groups ---------------------------------------------------------------------------

    def create_group(self, name: str) -> dict[str, Any]:
        """Plan `POST group`; "already exists" when Jira has the name (any case)."""
        existing = self._client.find_group(name)
        if existing is not None:
            raise JiraConflict(
                f"A Jira group named {name!r} already exists", existing=existing, status=400
            )
        self._plan("group", name, "create_group")
        return {"name": name}

    def delete_group(self, name: str, swap_group: str | None = None) -> None:
        """Plan `DELETE group`."""
        self._plan("group", name, "delete_group", swap_group=swap_group)

    def add_group_member(self, group: str, username: str) -> None:
        """Plan `POST group/user`."""
        self._plan("membership", f"{group}/{username}", "add_group_member",
                   group=group, username=username)

    def remove_group_member(self, group: str, username: str) -> None:
        """Plan `DELETE group/user`."""
        self._plan("membership", f"{group}/{username}", "remove_group_member",
                   group=group, username=username)

    def _user_label(self, key: str, name: str | None) -> str:
        if name:
            return name
        if key.startswith(PLANNED_KEY):
            return key.removeprefix(PLANNED_KEY)
        found = (
            ScimUser.objects.filter(directory=self._directory, jira_user_key=key)
            .values_list("user_name", flat=True)
            .first()
        )
        return found or key


@dataclass
class ShadowContext(WriteContext):
    """A change set's state in shadow mode: no journal, no links, no confirmations stored."""

    @property
    def shadow(self) -> bool:
        """Shadow mode: steps treat an unlinked row as one this change set plans to create."""
        return True

    def intend(
        self, kind: str, jira_name: str, row_pk: uuid.UUID, *, durable: bool = False
    ) -> journal.PendingIntent:
        """Nothing is sent, so nothing is journaled; the intent lives for the change set."""
        intent = journal.PendingIntent(
            directory_id=self.directory.pk, kind=kind, jira_name=jira_name, row_pk=row_pk
        )
        self.intents[row_pk] = intent
        return intent

    def forget_intents(self, kind: str, jira_name: str) -> None:
        """Nothing was journaled by shadow mode; intents of live writes stay."""

    def drop_intent(self, intent: journal.PendingIntent) -> None:
        """Forget the in-memory intent."""
        self.intents.pop(intent.row_pk, None)

    def link_user(self, user: ScimUser, key: str) -> None:
        """Remember the link for this change set only; the row (and the instance) stay as stored."""
        linked = copy(user)
        linked.jira_user_key = key
        self.users[user.pk] = linked

    def link_group(self, group: Any, jira_name: str) -> None:
        """Remember the link for this change set only."""
        linked = copy(group)
        linked.jira_group_name = jira_name
        self.groups[group.pk] = linked

    def stamp(self) -> None:
        """Store the planned changes; rows are neither linked nor confirmed (Jira has nothing)."""
        client = self.client
        if isinstance(client, ShadowClient):
            client.save()
