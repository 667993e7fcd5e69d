"""Models of the directory utilities: runs (the per-directory lock), their errors, last login.

Imported by provisioning/models.py so that Django registers them in the `provisioning` app;
their tables are the ones that app has always had.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from configurations.models import Directory


class SyncRun(models.Model):
    """One run of a directory utility (sync, remove, clear, last login, drift, reconcile).

    At most one queued or running run exists per directory (a partial unique constraint):
    that row is the cross-worker lock, and its heartbeat tells a live run from a crashed one.
    """

    class Kind(models.TextChoices):
        """Which utility ran."""

        SYNC = "sync", "Sync users & groups"
        REMOVE_DIRECTORY = "remove_directory", "Remove directory"
        CLEAR_TABLES = "clear_tables", "Clear SCIM tables"
        LAST_LOGIN = "last_login", "Sync users last login info"
        DRIFT = "drift", "Drift check"
        RECONCILE = "reconcile", "Reconcile"

    class Status(models.TextChoices):
        """Where the run is; queued and running hold the directory's lock."""

        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned (worker stopped)"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    directory = models.ForeignKey(Directory, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    # The step in progress ("users", "memberships: jira-software-users", ...), for the UI.
    phase = models.CharField(max_length=300, blank=True)
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # {"users": {"seen": n, "created": n, ...}, "groups": {...}, "memberships": {...}}
    counters = models.JSONField(default=dict, blank=True)
    # Why the run failed or what it wants the administrator to know.
    message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # What the admin chose when starting the run, read by the run itself (so a retried or
    # taken-over run does what was asked): {"delete_synced_users": true} for Remove Directory.
    options = models.JSONField(default=dict, blank=True)
    # The process executing the attempt ("host;pid;mode;token", takeover.py): fences writes.
    owner = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        app_label = "provisioning"
        verbose_name = "directory utility run"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["directory"],
                condition=Q(status__in=["queued", "running"]),
                name="sync_run_one_active_per_directory",
                violation_error_message="Another utility is already running on this directory.",
            ),
        ]
        indexes = [models.Index(fields=["directory", "kind", "created_at"], name="sync_run_recent")]

    def __str__(self) -> str:
        # The directory's name, not its id: this is the run page's title.
        return f"{self.get_kind_display()} of {self.directory.name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        """Whether the run holds its directory's lock."""
        return self.status in self.ACTIVE_STATUSES


class SyncRunError(models.Model):
    """One object a run could not handle, and why."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="errors")
    # "user", "group", "membership" or "run".
    object_type = models.CharField(max_length=20)
    # The Jira username / group name (or "group/user" for a membership).
    object_name = models.CharField(max_length=600, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "provisioning"
        verbose_name = "directory utility error"
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_name}: {self.message[:80]}"


class ScimUserLastLogin(models.Model):
    """The last login Jira reported for a SCIM user (Jira 11.3+ `lastLoginTime`)."""

    # By name: provisioning/models.py imports this module, not the other way round.
    user = models.OneToOneField(
        "provisioning.ScimUser",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="last_login",
    )
    # None: Jira says the user never logged in.
    last_login_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "provisioning"
        verbose_name = "SCIM user last login"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_login_at}"


class ScimCustomization(models.Model):
    """Per-directory SCIM response options (the plugin's "SCIM Customization" tab)."""

    directory = models.OneToOneField(
        Directory, on_delete=models.CASCADE, primary_key=True, related_name="scim_customization"
    )
    show_last_login = models.BooleanField(
        "Show users last login info",
        default=False,
        help_text="Add meta.lastLogin and the One Identity extension attribute to GET /Users.",
    )

    class Meta:
        app_label = "provisioning"
        verbose_name = "SCIM customization"

    def __str__(self) -> str:
        return f"SCIM customization of {self.directory_id}"
