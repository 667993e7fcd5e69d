"""What one change set's trip to Jira shares: the client, the directory, links, confirmations."""

from __future__ import annotations

import queue
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from provisioning.models import ScimGroup, ScimMembership, ScimUser
from provisioning.policy import JiraPolicy, current_policy

from . import errors, journal

if TYPE_CHECKING:
    from configurations.models import Directory, JiraSite, ScimConfiguration
    from jiraclient.client import JiraClient

# PUT user accepts "active" from Jira 8.3 (jira-rest.md).
ACTIVE_IN_PUT = (8, 3)
# Prefix of the Jira key of a user created in shadow mode, within its change set (never stored).
PLANNED_KEY = "(planned)"


def planned_key(user_name: str) -> str:
    """The stand-in Jira key of a user shadow mode created: Jira has none yet."""
    return f"{PLANNED_KEY}{user_name}"


class ClientPool:
    """Jira clients lent to worker threads, one thread each at a time; closed at the end."""

    def __init__(self, factory: Callable[[], JiraClient]) -> None:
        """`factory` builds a client configured as the change set's own."""
        self._factory = factory
        self._free: queue.SimpleQueue[JiraClient] = queue.SimpleQueue()
        self._made: list[JiraClient] = []
        self._lock = threading.Lock()

    @contextmanager
    def lease(self) -> Iterator[JiraClient]:
        """A client no other thread uses until it is given back."""
        try:
            client = self._free.get_nowait()
        except queue.Empty:
            client = self._factory()
            with self._lock:
                self._made.append(client)
        try:
            yield client
        finally:
            self._free.put(client)

    def close(self) -> None:
        """Close every client made (their pooled connections)."""
        with self._lock:
            made, self._made = self._made, []
        for client in made:
            client.close()


@dataclass
class WriteContext:
    """State of applying one change set: Jira calls go through `client`, rows are stamped last."""

    client: JiraClient
    directory: Directory
    configuration: ScimConfiguration | None
    users: dict[uuid.UUID, ScimUser] = field(default_factory=dict)
    groups: dict[uuid.UUID, ScimGroup] = field(default_factory=dict)
    hidden_users: set[uuid.UUID] = field(default_factory=set)
    members: dict[uuid.UUID, set[uuid.UUID]] = field(default_factory=lambda: defaultdict(set))
    intents: dict[uuid.UUID, journal.PendingIntent] = field(default_factory=dict)
    # Rows whose create was sent more than once: a refusal of a repeat proves nothing about
    # the earlier POST, so their intent is kept.
    resent: set[uuid.UUID] = field(default_factory=set)
    # (kind, lower-case name) of Jira objects this change set adopted as its own: a step run
    # again after a blip meets them again, and its journal intent is already spent.
    adopted: set[tuple[str, str]] = field(default_factory=set)
    # Jira key -> why Jira's state protects the user (None: it does not), once per change set.
    protection_checked: dict[str, str | None] = field(default_factory=dict)
    # Clients for the worker threads of multi-member steps (members.py); None: one at a time.
    client_pool: ClientPool | None = None
    # What the call that failed was doing, when a step makes many (named in the error).
    failed_doing: str | None = None
    _policy: JiraPolicy | None = None
    _own_key: str | None = None

    @property
    def shadow(self) -> bool:
        """Whether Jira writes are only recorded (shadow mode, `shadow.ShadowContext`)."""
        return False

    @property
    def policy(self) -> JiraPolicy:
        """The safety rules of the directory's Jira site (read once per change set)."""
        if self._policy is None:
            self._policy = current_policy(self.site)
        return self._policy

    def own_key(self) -> str:
        """The Jira key of the account scimbridge acts as (`myself`, once per change set)."""
        if self._own_key is None:
            self._own_key = str((self.client.myself() or {}).get("key") or "")
        return self._own_key

    @property
    def site(self) -> JiraSite:
        """The Jira site of the directory."""
        return self.directory.jira_site

    @property
    def application_keys(self) -> list[str]:
        """The configuration's application keys (none: Jira grants its defaults)."""
        keys = self.configuration.application_keys if self.configuration else []
        return [str(key) for key in keys or []]

    # -- Jira version -------------------------------------------------------------------

    def can_set_active(self) -> bool:
        """Whether this Jira accepts `active` in PUT user (serverInfo, once per change set)."""
        return self.client.version() >= ACTIVE_IN_PUT

    def require_active(self, doing: str) -> None:
        """Refuse (400) before any Jira call when this Jira cannot (de)activate users."""
        if not self.can_set_active():
            raise errors.active_unsupported(self.client.version(), doing)

    # -- intents ------------------------------------------------------------------------

    def intend(
        self, kind: str, jira_name: str, row_pk: uuid.UUID, *, durable: bool = False
    ) -> journal.PendingIntent:
        """Record a create about to be sent (see `journal`; `durable`: committed first)."""
        earlier = self.intents.get(row_pk)
        if earlier is not None and earlier.kind == kind and earlier.jira_name == jira_name:
            self.resent.add(row_pk)  # a step run again: the earlier POST may have applied
            return earlier
        intent = journal.record(
            directory=self.directory, kind=kind, jira_name=jira_name, row_pk=row_pk,
            durable=durable,
        )
        self.intents[row_pk] = intent
        return intent

    def forget_intents(self, kind: str, jira_name: str) -> None:
        """The name is linked now: drop its journaled intents (in the write's transaction)."""
        journal.forget(directory=self.directory, kind=kind, jira_name=jira_name)

    def drop_intent(self, intent: journal.PendingIntent) -> None:
        """Jira certainly did not apply this POST (kept when an earlier one of it may have)."""
        if intent.row_pk in self.resent:
            return
        journal.discard(intent)
        self.intents.pop(intent.row_pk, None)

    def ours(self, kind: str, jira_name: str) -> bool:
        """Whether this change set made or adopted the Jira object of this name already.

        Only a POST that Jira did not refuse keeps its intent here, so a step run again after
        a blip that meets "already exists" meets its own earlier POST (or an object an
        earlier run of the step adopted from the journal): ours to adopt.
        """
        name = jira_name.lower()
        return (kind, name) in self.adopted or any(
            intent.kind == kind and intent.jira_name.lower() == name
            for intent in self.intents.values()
        )

    def adopt(self, kind: str, jira_name: str) -> None:
        """The Jira object of this name is ours for the rest of this change set."""
        self.adopted.add((kind, jira_name.lower()))

    # -- links and confirmations -------------------------------------------------------

    def link_user(self, user: ScimUser, key: str) -> None:
        """The row maps to the Jira user with this key (stored when the change set succeeds)."""
        user.jira_user_key = key
        self.users[user.pk] = user
        if user.pk in self.intents:
            self.intents[user.pk].linked = key

    def confirm_user(self, user: ScimUser) -> None:
        """Jira holds the row's current state."""
        self.users[user.pk] = user

    def link_group(self, group: ScimGroup, jira_name: str) -> None:
        """The row maps to the Jira group of this name."""
        group.jira_group_name = jira_name
        self.groups[group.pk] = group
        if group.pk in self.intents:
            self.intents[group.pk].linked = jira_name

    def confirm_group(self, group: ScimGroup) -> None:
        """Jira holds the group's current state."""
        self.groups[group.pk] = group

    def confirm_member(self, group: ScimGroup, user_id: uuid.UUID) -> None:
        """Jira holds this membership."""
        self.confirm_group(group)
        self.members[group.pk].add(user_id)

    def stamp(self) -> None:
        """Store links and `jira_confirmed_at` on every row the change set touched.

        Runs in the write's transaction, after every Jira call succeeded: one UPDATE per
        user or group, one per group for all its confirmed memberships. The intents of the
        rows linked here are settled once that transaction commits: the journal then needs
        no query to know it.
        """
        now = timezone.now()
        for intent in self.intents.values():
            if intent.linked is not None:
                transaction.on_commit(intent.link_committed)
        for user in self.users.values():
            ScimUser.objects.filter(pk=user.pk).update(
                jira_user_key=user.jira_user_key, jira_confirmed_at=now
            )
            user.jira_confirmed_at = now
        if self.hidden_users:
            ScimUser.objects.filter(pk__in=self.hidden_users).update(jira_confirmed_at=now)
        for group in self.groups.values():
            ScimGroup.objects.filter(pk=group.pk).update(
                jira_group_name=group.jira_group_name, jira_confirmed_at=now
            )
            group.jira_confirmed_at = now
        for group_pk, user_ids in self.members.items():
            ScimMembership.objects.filter(group_id=group_pk, user_id__in=user_ids).update(
                jira_confirmed_at=now
            )

    # -- who owns a Jira object --------------------------------------------------------

    def user_owner(self, key: str, *, besides: ScimUser) -> ScimUser | None:
        """The other SCIM user (any directory of this site) already linked to this Jira key."""
        return (
            ScimUser.objects.filter(directory__jira_site_id=self.directory.jira_site_id)
            .filter(jira_user_key=key)
            .exclude(pk=besides.pk)
            .select_related("directory")
            .first()
        )

    def group_owner(self, jira_name: str, *, besides: ScimGroup) -> ScimGroup | None:
        """The other SCIM group (any directory of this site) already linked to this Jira group."""
        return (
            ScimGroup.objects.filter(directory__jira_site_id=self.directory.jira_site_id)
            .filter(Exact(Lower("jira_group_name"), Lower(Value(jira_name))))
            .exclude(pk=besides.pk)
            .select_related("directory")
            .first()
        )
