"""The SCIM tables: users, groups, memberships and the rows that make multi-valued attributes
filterable in SQL, each scoped to a directory and linked to what it maps to in Jira."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils import timezone

from configurations.models import Directory

from .list_cache import LIST_COLUMNS, users_changed
from .scim.limits import EXTERNAL_ID_MAX_LENGTH, GROUP_NAME_MAX_LENGTH, USER_NAME_MAX_LENGTH

# String columns are nullable on purpose (DJ001): SCIM tells an absent attribute (NULL, not
# returned, `pr` false) from an empty string, and filters must see the difference.


class ScimResourceQuerySet(models.QuerySet[Any]):
    """Queries over users or groups; `bump` is the one way to give rows a new version."""

    def bump(self, *, confirmed: bool, **fields: Any) -> int:
        """New version of every matching row in one UPDATE (and `fields`); returns how many.

        `confirmed` means what `ScimResource.bump` says; call that on loaded rows instead.
        """
        now = timezone.now()
        return self.update(
            version=F("version") + 1,
            last_modified=now,
            jira_confirmed_at=now if confirmed else None,
            **fields,
        )


class Origin(models.TextChoices):
    """How a SCIM row came to exist, which decides what Remove Directory may delete in Jira."""

    SCIM = "scim", "Created through SCIM"
    SYNC = "sync", "Mapped by Sync Users & Groups"
    ADOPTED = "adopted", "Existing Jira object adopted through SCIM"


class ScimResource(models.Model):
    """What users and groups share: identity, directory, version and timestamps."""

    # What `bump` writes, for `save(update_fields=...)` and `bulk_update`.
    BUMP_FIELDS = ("version", "last_modified", "jira_confirmed_at")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    directory = models.ForeignKey(Directory, on_delete=models.CASCADE)
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, null=True, blank=True)  # noqa: DJ001
    # Incremented by every write; meta.version and the ETag are W/"<version>".
    version = models.PositiveBigIntegerField(default=1, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_modified = models.DateTimeField(default=timezone.now, editable=False)
    # When Jira was last known to hold this version of the row; None: not (yet) confirmed.
    jira_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Only what SCIM created (or adopted) is SCIM's to delete in Jira; rows mapped by Sync
    # stand for Jira objects that existed before. Rows older than this column count as synced.
    origin = models.CharField(
        max_length=8, choices=Origin.choices, default=Origin.SCIM, editable=False
    )

    objects = ScimResourceQuerySet.as_manager()

    class Meta:
        abstract = True

    def bump(self, *, confirmed: bool, at: datetime | None = None) -> None:
        """Give the loaded row a new version (the caller saves it): version, last_modified.

        `jira_confirmed_at` says whether Jira holds the new version:
        - `confirmed=True`: the change came from Jira (Sync Users & Groups copied Jira's
          state onto the row), so Jira holds it as of the bump;
        - `confirmed=False`: a SCIM write Jira has not seen yet. The stamp is cleared and
          the Jira step sets it again, in the same transaction, on every row it confirmed
          (`WriteContext.stamp`); a bumped row the step did not confirm (a change Jira
          cannot hold, the logging applier) stays None.
        """
        now = at or timezone.now()
        self.version += 1
        self.last_modified = now
        self.jira_confirmed_at = now if confirmed else None

    @property
    def etag(self) -> str:
        """The weak entity tag of the current version."""
        return f'W/"{self.version}"'


class ScimUserQuerySet(ScimResourceQuerySet):
    """User queries whose bulk writes tell the list cache (provisioning/list_cache.py)."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """Insert users; lists count afresh after the commit."""
        created = super().bulk_create(objs, *args, **kwargs)
        users_changed()
        return created

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        """Update users; lists count afresh when the change can move one in or out."""
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        if LIST_COLUMNS.intersection(fields):
            users_changed()
        return updated

    def update(self, **kwargs: Any) -> int:
        """Update users; lists count afresh when the change can move one in or out."""
        updated = super().update(**kwargs)
        if LIST_COLUMNS.intersection(kwargs):
            users_changed()
        return updated

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete users; lists count afresh after the commit."""
        deleted = super().delete()
        users_changed()
        return deleted


class ScimUser(ScimResource):
    """A SCIM User of a directory and the Jira user it maps to."""

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="scim_users")
    user_name = models.CharField(max_length=USER_NAME_MAX_LENGTH)
    display_name = models.TextField(null=True, blank=True)  # noqa: DJ001
    # None: the IdP never said; Jira treats that as active.
    active = models.BooleanField(null=True)
    # Every other attribute as SCIM JSON (core attributes by name, the enterprise extension
    # under its URN), so that attributes Jira cannot hold are returned as written.
    resource = models.JSONField(default=dict, blank=True)
    # Set when a SCIM DELETE disabled rather than deleted the user: the row is hidden from
    # the SCIM API (404) and kept, so that a later create with the same userName relinks it.
    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Jira's immutable user key (e.g. JIRAUSER10100), filled by the Jira step.
    jira_user_key = models.CharField(max_length=255, null=True, blank=True, editable=False)  # noqa: DJ001
    # The Jira username when it differs from userName (a rename under the configuration's
    # "keep" username policy); None: Jira's username is the userName.
    jira_user_name = models.CharField(  # noqa: DJ001
        max_length=USER_NAME_MAX_LENGTH, null=True, blank=True, editable=False
    )

    objects = ScimUserQuerySet.as_manager()

    class Meta:
        verbose_name = "SCIM user"
        constraints = [
            models.UniqueConstraint(
                F("directory"),
                Lower("user_name"),
                name="scim_user_unique_user_name",
                violation_error_message="Another user of this directory has this userName.",
            ),
        ]
        indexes = [
            models.Index(fields=["directory", "external_id"], name="scim_user_external_id"),
            # Lists (visible users in creation order) skip rows through an index alone:
            # SQLite uses the first (a covering index), PostgreSQL the partial second one
            # (it does not order by an index past an `IS NULL` column).
            models.Index(
                fields=["directory", "hidden_at", "created", "id"], name="scim_user_list_order"
            ),
            models.Index(
                fields=["directory", "created", "id"],
                name="scim_user_visible_order",
                condition=Q(hidden_at__isnull=True),
            ),
            models.Index(F("directory"), Lower("display_name"), name="scim_user_display_name"),
            # Sync matches each batch of Jira users to rows by Jira key (in this directory and,
            # to skip users another directory maps, on the site): without it every batch
            # scanned the table, a no-change sync of 100,000 users grew quadratically.
            models.Index(fields=["jira_user_key"], name="scim_user_jira_key"),
        ]

    def __str__(self) -> str:
        return self.user_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; lists count afresh when the row is new or may have moved in or out."""
        fields = kwargs.get("update_fields")
        super().save(*args, **kwargs)
        if fields is None or LIST_COLUMNS.intersection(fields):
            users_changed()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Delete; lists count afresh after the commit."""
        deleted = super().delete(*args, **kwargs)
        users_changed()
        return deleted

    @property
    def jira_name(self) -> str:
        """The username Jira knows this user by (see `jira_user_name`)."""
        return self.jira_user_name or self.user_name

    @property
    def is_hidden(self) -> bool:
        """Whether a SCIM DELETE disabled this user."""
        return self.hidden_at is not None


class ScimUserValue(models.Model):
    """One value of a multi-valued User attribute (emails, phoneNumbers, ...), as a row.

    The user's `resource` JSON is what the API returns; these rows are derived from it on
    every write so that filters such as `emails[type eq "work"].value eq "x"` run in SQL.
    """

    user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="values")
    # The SCIM attribute name as the schema spells it, e.g. "emails".
    attribute = models.CharField(max_length=32)
    position = models.PositiveIntegerField()
    value = models.TextField(null=True, blank=True)  # noqa: DJ001
    type = models.TextField(null=True, blank=True)  # noqa: DJ001
    primary = models.BooleanField(null=True)
    # The whole value as SCIM JSON: the sub-attributes without a column of their own.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "SCIM user attribute value"
        ordering = ("user", "attribute", "position")
        indexes = [
            models.Index(fields=["user", "attribute"], name="scim_user_value_user"),
            # Email lookups are what IdPs send besides userName and externalId.
            models.Index(
                Lower("value"), name="scim_user_value_email", condition=Q(attribute="emails")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attribute}[{self.position}]={self.value}"

    @classmethod
    def from_row(cls, user: ScimUser, row: Any) -> ScimUserValue:
        """An unsaved value of `user` from a mapped value row (`mapping.ValueRow`)."""
        return cls(
            user=user,
            attribute=row.attribute,
            position=row.position,
            value=row.value,
            type=row.type,
            primary=row.primary,
            data=row.data,
        )


class ScimGroup(ScimResource):
    """A SCIM Group of a directory and the Jira group it maps to."""

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="scim_groups")
    display_name = models.CharField(max_length=GROUP_NAME_MAX_LENGTH)
    # The Jira group this maps to, filled by the Jira step. Jira cannot rename groups, so
    # after a SCIM rename this keeps the original name.
    jira_group_name = models.CharField(  # noqa: DJ001
        max_length=GROUP_NAME_MAX_LENGTH, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "SCIM group"
        constraints = [
            models.UniqueConstraint(
                F("directory"),
                Lower("display_name"),
                name="scim_group_unique_display_name",
                violation_error_message="Another group of this directory has this displayName.",
            ),
        ]
        indexes = [
            models.Index(fields=["directory", "external_id"], name="scim_group_external_id"),
            models.Index(fields=["directory", "created", "id"], name="scim_group_list_order"),
        ]

    def __str__(self) -> str:
        return self.display_name


class ScimMembership(models.Model):
    """A user's membership of a group: one row, so one member is added in O(1) queries."""

    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="memberships")
    # The member's `display` as the IdP sent it; returned as written.
    display = models.TextField(null=True, blank=True)  # noqa: DJ001
    created = models.DateTimeField(default=timezone.now, editable=False)
    jira_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "SCIM group membership"
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="scim_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


# --- Write-through journal (provisioning/writethrough/journal.py) ----------------------------


class JiraIntentQuerySet(models.QuerySet["JiraIntent"]):
    """Intent queries."""

    def named(self, directory_id: int, kind: str, jira_name: str) -> JiraIntentQuerySet:
        """The intents for this Jira name (any case: Jira names are) in the directory."""
        return self.filter(
            Exact(Lower("jira_name"), Lower(Value(jira_name))), directory_id=directory_id, kind=kind
        )


class JiraIntent(models.Model):
    """A Jira create that may have been applied although the SCIM write that sent it rolled back.

    Written after the rollback, read when Jira answers "already exists" to a later create of
    the same name in the same directory: the Jira object is then ours to adopt and link,
    where without an intent it would be someone else's (409). Deleted once consumed or old.
    """

    class Kind(models.TextChoices):
        """What was being created."""

        USER = "user", "User"
        GROUP = "group", "Group"

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="jira_intents")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The Jira username or group name as sent in the create request.
    jira_name = models.CharField(max_length=255)
    requested_at = models.DateTimeField(default=timezone.now)

    objects = JiraIntentQuerySet.as_manager()

    class Meta:
        verbose_name = "Jira write intent"
        constraints = [
            models.UniqueConstraint(
                F("directory"), F("kind"), Lower("jira_name"), name="jira_intent_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["requested_at"], name="jira_intent_requested_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.jira_name}"


# --- Sync Users & Groups and the directory utilities: their models live with them ------------

from .sync.drift_models import DriftItem, PlannedChange  # noqa: E402
from .sync.models import ScimCustomization, ScimUserLastLogin, SyncRun, SyncRunError  # noqa: E402

__all__ = [
    "DriftItem",
    "JiraIntent",
    "PlannedChange",
    "ScimCustomization",
    "ScimGroup",
    "ScimMembership",
    "ScimResource",
    "ScimUser",
    "ScimUserLastLogin",
    "ScimUserValue",
    "SyncRun",
    "SyncRunError",
]
