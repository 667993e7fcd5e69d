"""The audit log's switch and settings row, and one entry per recorded SCIM request."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Operation(models.TextChoices):
    """What a SCIM request asked for, derived from its method and path."""

    CREATE = "create", "Create"
    READ = "read", "Read"
    LIST = "list", "List"
    SEARCH = "search", "Search"
    REPLACE = "replace", "Replace"
    PATCH = "patch", "Patch"
    DELETE = "delete", "Delete"
    BULK = "bulk", "Bulk"
    DISCOVERY = "discovery", "Discovery"
    OTHER = "other", "Other"


class AuditLogSettings(models.Model):
    """The single settings row: the on/off switch and overrides of the AUDITLOG_* defaults."""

    # The row always has this primary key, so that concurrent first reads create one row.
    SINGLETON_PK = 1

    enabled = models.BooleanField(
        "Record SCIM requests",
        default=False,
        help_text="When on, every request under /scim/ is recorded in the audit log.",
    )
    max_body_bytes = models.PositiveIntegerField(
        "Largest recorded body (bytes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10 * 1024 * 1024)],
        help_text="Request and response bodies are cut at this size. "
        "Empty: the AUDITLOG_MAX_BODY_BYTES setting.",
    )
    retention_days = models.PositiveIntegerField(
        "Retention (days)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(36500)],
        help_text="Entries older than this are pruned; 0 keeps them forever. "
        "Empty: the AUDITLOG_RETENTION_DAYS setting.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "audit log settings"
        verbose_name_plural = "audit log settings"

    def __str__(self) -> str:
        return "Audit log settings"

    @property
    def effective_max_body_bytes(self) -> int:
        """The body cap in force: this row's override, else the setting."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return settings.AUDITLOG_MAX_BODY_BYTES

    @property
    def effective_retention_days(self) -> int:
        """The retention in force (0: keep forever): this row's override, else the setting."""
        if self.retention_days is not None:
            return self.retention_days
        return settings.AUDITLOG_RETENTION_DAYS


class AuditEntry(models.Model):
    """One SCIM request and its response, with the Jira calls it made."""

    created_at = models.DateTimeField("Time")
    # db_index off: the composite (configuration, created_at) index serves the FK lookups too.
    configuration = models.ForeignKey(
        "configurations.ScimConfiguration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Kept when the configuration is renamed or deleted.
    configuration_name = models.CharField("Configuration name", max_length=100, blank=True)
    client_address = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    query = models.CharField(max_length=2048, blank=True)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.FloatField("Duration (ms)")
    operation = models.CharField(max_length=16, choices=Operation.choices)
    resource_type = models.CharField(max_length=40, blank=True)
    resource_id = models.CharField("Resource id", max_length=255, blank=True)
    request_id = models.CharField("Request id", max_length=128)
    request_body = models.TextField(blank=True)
    request_body_truncated = models.BooleanField(default=False)
    response_body = models.TextField(blank=True)
    response_body_truncated = models.BooleanField(default=False)
    # One object per call: method, path, query, status, duration_ms, error, attempt.
    jira_calls = models.JSONField(default=list, blank=True)
    # All calls, including those beyond the stored list's cap.
    jira_call_count = models.PositiveIntegerField(default=0)
    # What the request did, beyond its body: {"kind": "user_renamed", "old": ..., "new": ...,
    # "jira_username": ...}, {"kind": "user_adopted", ...} (auditlog.context.record_event).
    events = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        ordering = ("-created_at", "-id")
        # Every filter is an equality (or range) on one column, listed newest first: an index
        # of (column, created_at) answers "the newest N matching" without sorting the table.
        indexes = [
            models.Index(fields=["created_at", "id"], name="auditlog_created_idx"),
            models.Index(fields=["configuration", "created_at"], name="auditlog_config_idx"),
            models.Index(fields=["status", "created_at"], name="auditlog_status_idx"),
            models.Index(fields=["method", "created_at"], name="auditlog_method_idx"),
            models.Index(fields=["operation", "created_at"], name="auditlog_operation_idx"),
            models.Index(fields=["resource_type", "created_at"], name="auditlog_rtype_idx"),
            models.Index(fields=["resource_id", "created_at"], name="auditlog_resource_idx"),
            models.Index(fields=["request_id"], name="auditlog_request_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"
