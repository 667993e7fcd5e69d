"""Jira sites, directories and SCIM configurations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from . import crypto


class JiraSite(models.Model):
    """A Jira Data Center instance and the administrator account scimbridge acts as."""

    class AuthMethod(models.TextChoices):
        """How scimbridge authenticates to Jira."""

        TOKEN = "token", "Personal access token"
        BASIC = "basic", "Username and password"

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(
        "Base URL",
        max_length=500,
        help_text="Jira's base URL including any context path, e.g. https://jira.example.com/jira",
    )
    auth_method = models.CharField(
        max_length=10, choices=AuthMethod.choices, default=AuthMethod.TOKEN
    )
    username = models.CharField(
        max_length=255, blank=True, help_text="Jira administrator username (Basic auth only)."
    )
    secret_encrypted = models.TextField(editable=False, default="")
    verify_tls = models.BooleanField(
        "Verify TLS certificate",
        default=True,
        help_text="Turn off only for a test instance with a self-signed certificate.",
    )
    timeout = models.FloatField(
        "Timeout (seconds)",
        default=20.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(55.0)],
        help_text="Per-request timeout; stay below the IdPs' 60-second limit.",
    )
    # Least power (provisioning/policy.py): what SCIM never writes and Sync never maps.
    protected_groups = models.TextField(
        blank=True,
        help_text="Further Jira groups SCIM never changes and Sync never maps, one per line "
        '(e.g. a group granted Administer Jira whose name does not contain "admin"). '
        "jira-administrators and jira-system-administrators are always protected.",
    )
    unprotected_groups = models.TextField(
        blank=True,
        help_text='Groups whose name contains "admin" that are NOT administrator groups and '
        "that SCIM may manage, one per line. Every other such group is protected.",
    )
    protected_users = models.TextField(
        "Protected users",
        blank=True,
        help_text="Jira usernames SCIM never changes and Sync never maps (break-glass "
        "accounts), one per line. Members of protected groups and scimbridge's own account "
        "are always protected.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Basic auth needs a username."""
        if self.auth_method == self.AuthMethod.BASIC and not self.username:
            raise ValidationError({"username": "Basic authentication needs a Jira username."})

    @property
    def has_secret(self) -> bool:
        """Whether a token or password is stored."""
        return bool(self.secret_encrypted)

    def set_secret(self, raw: str) -> None:
        """Store the personal access token or password, encrypted."""
        self.secret_encrypted = crypto.encrypt(raw)

    def get_secret(self) -> str:
        """Return the decrypted personal access token or password."""
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""


class Directory(models.Model):
    """A named set of SCIM users and groups bound to one Jira site (the plugin's directory)."""

    name = models.CharField(max_length=100, unique=True)
    jira_site = models.ForeignKey(JiraSite, on_delete=models.PROTECT, related_name="directories")
    description = models.TextField(blank=True)
    sync_groups = models.TextField(
        "Sync only members of",
        blank=True,
        help_text="Jira groups, one per line: Sync Users & Groups maps only their members "
        "(so that two directories on one Jira site do not share users). Empty: every "
        "non-protected user of the site.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "directories"

    def __str__(self) -> str:
        return self.name

    @property
    def sync_group_names(self) -> list[str]:
        """The groups that scope Sync Users & Groups, trimmed, in the admin's order."""
        seen: dict[str, str] = {}
        for name in self.sync_groups.replace(",", "\n").splitlines():
            if name.strip():
                seen.setdefault(name.strip().lower(), name.strip())
        return list(seen.values())

    @property
    def has_rows(self) -> bool:
        """Whether SCIM users, groups or pending Jira intents are stored for the directory."""
        if self.pk is None:
            return False
        # Reverse relations of the provisioning app, so that this app need not import it.
        return self.scim_users.exists() or self.scim_groups.exists() or self.jira_intents.exists()

    def clean(self) -> None:
        """The Jira site is fixed once rows exist: their stored Jira keys belong to that site."""
        if self.pk is None:
            return
        stored_site = (
            Directory.objects.filter(pk=self.pk).values_list("jira_site_id", flat=True).first()
        )
        if stored_site is not None and stored_site != self.jira_site_id and self.has_rows:
            raise ValidationError(
                {
                    "jira_site": "The Jira site cannot change once the directory has SCIM users "
                    "or groups: their Jira keys belong to the current site. Remove the "
                    "directory's rows first (Clear SCIM tables), or create a new directory."
                }
            )


class ApplicationKey(models.TextChoices):
    """Jira applications a provisioned user is given access to."""

    CORE = "jira-core", "Jira Core"
    SOFTWARE = "jira-software", "Jira Software"
    SERVICE_MANAGEMENT = "jira-servicedesk", "Jira Service Management"


class ScimConfiguration(models.Model):
    """One identity provider's access to one directory: credentials and provisioning options."""

    class Mode(models.TextChoices):
        """Whether SCIM writes reach Jira (live) or are only recorded as planned changes."""

        LIVE = "live", "Live"
        SHADOW = "shadow", "Shadow (nothing is written to Jira)"

    name = models.CharField(max_length=100, unique=True)
    directory = models.ForeignKey(
        Directory, on_delete=models.PROTECT, related_name="scim_configurations"
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(
        max_length=16, editable=False, help_text="Start of the token, to tell tokens apart."
    )
    token_created_at = models.DateTimeField(editable=False)
    basic_auth_username = models.CharField(
        "Basic auth username",
        max_length=150,
        blank=True,
        help_text="Leave empty to accept only the bearer token.",
    )
    basic_password_digest = models.CharField(max_length=64, blank=True, editable=False)
    delete_users = models.BooleanField(
        default=False,
        help_text="On SCIM DELETE, delete the Jira user (yes) or only deactivate it (no).",
    )
    default_groups = models.TextField(
        blank=True, help_text="Comma-separated Jira groups every provisioned user joins."
    )
    recreate_renamed_groups = models.BooleanField(
        "Re-create renamed groups",
        default=False,
        help_text="Jira cannot rename groups. No (default): keep the Jira group and record "
        "the new SCIM name. Yes: create a Jira group with the new name, move the members and "
        "delete the old group (permission schemes naming the old group are not migrated).",
    )
    application_keys = models.JSONField(
        "Application access",
        default=list,
        blank=True,
        help_text="Jira applications provisioned users get access to.",
    )
    enabled = models.BooleanField(default=True)
    mode = models.CharField(
        max_length=8,
        choices=Mode.choices,
        default=Mode.LIVE,
        help_text="Live: SCIM writes go to Jira. Shadow: requests are answered and stored as in "
        "live mode, Jira is only read, and every change Jira would get is recorded as a "
        "planned change (docs/go-live.md).",
    )
    # Token life cycle (configurations/lifetime.py): an optional expiry for the current
    # token and Basic password, and the previous ones kept valid for a rotation's grace period.
    token_expires_at = models.DateTimeField(
        "Token expires", null=True, blank=True, help_text="Empty: the token does not expire."
    )
    previous_token_digest = models.CharField(
        max_length=64, blank=True, editable=False, db_index=True
    )
    previous_token_prefix = models.CharField(max_length=16, blank=True, editable=False)
    previous_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    basic_password_expires_at = models.DateTimeField(
        "Basic password expires", null=True, blank=True
    )
    previous_basic_password_digest = models.CharField(max_length=64, blank=True, editable=False)
    previous_basic_password_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    allowed_networks = models.TextField(
        "Allowed source addresses",
        blank=True,
        help_text="CIDR ranges (IPv4 or IPv6), one per line, the IdP may call from; requests "
        "from elsewhere get 403. Empty: any address. The address is the client's as "
        "TRUSTED_PROXY_COUNT resolves it.",
    )
    # Deprovisioning circuit breaker (configurations/breaker.py).
    max_deprovisions = models.PositiveIntegerField(
        "Max user deprovisions",
        default=50,
        help_text="User deactivations + deletions allowed per window; past it deprovisioning "
        "pauses until an admin resumes it. 0: no limit.",
    )
    max_group_deletions = models.PositiveIntegerField(
        "Max group deletions",
        default=10,
        help_text="Group deletions allowed per window; 0: no limit.",
    )
    deprovision_window_minutes = models.PositiveIntegerField(
        "Window (minutes)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(10080)],
        help_text="The sliding window the limits count over.",
    )
    deprovisioning_paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    breaker_reset_at = models.DateTimeField(null=True, blank=True, editable=False)
    raised_max_deprovisions = models.PositiveIntegerField(null=True, blank=True, editable=False)
    raised_max_group_deletions = models.PositiveIntegerField(null=True, blank=True, editable=False)
    raised_limits_until = models.DateTimeField(null=True, blank=True, editable=False)
    username_changes = models.CharField(
        "On userName change",
        max_length=10,
        choices=[("rename", "Rename the Jira user"), ("keep", "Keep the Jira username")],
        default="rename",
        help_text="Keep: the SCIM userName changes, the Jira username stays (the mapping "
        "keeps working through the Jira user key). Renames are listed in the audit log.",
    )
    adopt_existing_users = models.BooleanField(
        "Adopt existing Jira users",
        default=False,
        help_text="On create, link an existing unlinked, non-protected Jira user whose "
        "username AND email match (reactivated if needed, default groups applied) instead "
        "of answering 409.",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        verbose_name = "SCIM configuration"
        constraints = [
            models.UniqueConstraint(
                Lower("basic_auth_username"),
                condition=~models.Q(basic_auth_username=""),
                name="unique_basic_auth_username",
                violation_error_message="Another configuration uses this Basic auth username.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_group_names(self) -> list[str]:
        """The default groups as a list, without blanks or duplicates, in order."""
        names: list[str] = []
        for raw in self.default_groups.split(","):
            name = raw.strip()
            if name and name.lower() not in {n.lower() for n in names}:
                names.append(name)
        return names

    @property
    def is_shadow(self) -> bool:
        """Whether SCIM writes are only recorded (shadow mode), not sent to Jira."""
        return self.mode == self.Mode.SHADOW

    def stored_mode(self) -> str:
        """The mode as stored now. The copy a request holds may come from the credential
        cache and predate a switch; a write must follow the switch at once."""
        stored = type(self).objects.filter(pk=self.pk).values_list("mode", flat=True).first()
        if stored is not None:
            self.mode = stored
        return self.mode

    @property
    def uses_basic_auth(self) -> bool:
        """Whether Basic auth is accepted besides the bearer token."""
        return bool(self.basic_auth_username)

    @property
    def auth_method_label(self) -> str:
        """How an IdP may authenticate, for display."""
        return "Bearer token + Basic auth" if self.uses_basic_auth else "Bearer token"

    @property
    def application_labels(self) -> list[str]:
        """Human names of the application keys."""
        labels = dict(ApplicationKey.choices)
        return [labels.get(key, key) for key in self.application_keys]


from .breaker_models import DeprovisionEvent, HeldRequest  # noqa: E402, F401
