"""Models of safe go-live: the planned changes of shadow mode and the differences a drift run found.

Imported by provisioning/models.py so that Django registers them in the `provisioning` app.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from configurations.models import Directory, ScimConfiguration

from .models import SyncRun


class PlannedChange(models.Model):
    """One Jira write a shadow-mode configuration would have made (docs/go-live.md).

    Recorded by the shadow applier (provisioning/writethrough/shadow.py) inside the SCIM
    write's transaction: a write that fails (a 409, a 403) leaves no planned change behind.
    """

    directory = models.ForeignKey(
        Directory, on_delete=models.CASCADE, related_name="planned_changes"
    )
    configuration = models.ForeignKey(
        ScimConfiguration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_changes",
    )
    # Kept when the configuration is deleted, so the history still names it.
    configuration_name = models.CharField(max_length=100, blank=True)
    request_id = models.CharField("SCIM request id", max_length=128, blank=True)
    # "user", "group", "membership" or "application".
    object_type = models.CharField(max_length=20)
    # The Jira username, key or group name ("group/user" for a membership).
    object_name = models.CharField(max_length=600)
    # The Jira client call it would have been: create_user, update_user, add_group_member...
    operation = models.CharField(max_length=40)
    # Its arguments (a password never: only that one was set).
    fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "provisioning"
        verbose_name = "planned change (shadow mode)"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["directory", "created_at"], name="planned_change_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.object_name}"


class DriftItem(models.Model):
    """One difference between what a directory's SCIM tables intend and what Jira holds."""

    class Kind(models.TextChoices):
        """What differs; reconcile acts on every kind but `extra_in_jira` and `protected`."""

        MISSING_IN_JIRA = "missing_in_jira", "Missing in Jira"
        EXTRA_IN_JIRA = "extra_in_jira", "Extra in Jira"
        ATTRIBUTE_DIFFERS = "attribute_differs", "Attribute differs"
        MEMBERSHIP_MISSING = "membership_missing", "Membership missing in Jira"
        MEMBERSHIP_EXTRA = "membership_extra", "Membership extra in Jira"
        PROTECTED = "protected", "Protected (never touched)"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="drift_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # "user", "group" or "membership".
    object_type = models.CharField(max_length=20)
    # Username / group name; "group/user" for a membership.
    object_name = models.CharField(max_length=600)
    # For attribute_differs: "email", "displayName" or "active".
    attribute = models.CharField(max_length=20, blank=True)
    scim_value = models.TextField(blank=True)
    jira_value = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    # The SCIM rows concerned (for reconcile); no foreign keys: the rows may go meanwhile.
    user_id = models.UUIDField(null=True, blank=True)
    group_id = models.UUIDField(null=True, blank=True)
    jira_key = models.CharField(max_length=255, blank=True)

    class Meta:
        app_label = "provisioning"
        verbose_name = "drift difference"
        ordering = ("id",)
        indexes = [models.Index(fields=["run", "kind"], name="drift_item_run_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.object_name}"
