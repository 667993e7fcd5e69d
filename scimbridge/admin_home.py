"""What the SCIM home page (the admin index) shows: sites, configurations, utilities, drift,
audit log.

One read per section, each a few queries whatever the number of rows; nothing here calls
Jira (site health is what configurations/site_health.py remembers). A section is one key of
`home_context()` and one include under templates/admin/home/: adding a column is a field of
a row here and a cell there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.utils import timezone

from auditlog.models import AuditEntry
from auditlog.selectors import audit_settings_get
from configurations.lifetime import EXPIRY_WARNING_DAYS, is_live
from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.site_health import SiteHealth, site_health_get
from provisioning.sync.drift_models import DriftItem
from provisioning.sync.drift_report import CHECK_KINDS, drift_counts
from provisioning.sync.models import ScimCustomization, SyncRun

# Runs listed under "Runs" (the full history is one click away).
RECENT_RUNS = 5


@dataclass(frozen=True)
class SiteRow:
    """A Jira site and its last known health (None: never checked)."""

    site: JiraSite
    health: SiteHealth | None
    directories: int


@dataclass(frozen=True)
class ConfigurationRow:
    """A configuration on the General section: mode, deprovisioning breaker, token expiry."""

    configuration: ScimConfiguration
    held_requests: int = 0
    now: datetime = field(default_factory=timezone.now)

    @property
    def directory(self) -> Directory:
        """The directory it provisions."""
        return self.configuration.directory

    @property
    def shadow(self) -> bool:
        """Whether its SCIM writes are only recorded as planned changes (docs/go-live.md)."""
        return self.configuration.is_shadow

    @property
    def paused(self) -> bool:
        """Whether the circuit breaker paused its deprovisioning (docs/guard-rails.md)."""
        return self.configuration.deprovisioning_paused_at is not None

    @property
    def token_expires_at(self) -> datetime | None:
        """When the current token stops working (None: never)."""
        return self.configuration.token_expires_at

    @property
    def token_expired(self) -> bool:
        """Whether the current token no longer authenticates."""
        return not is_live(self.token_expires_at, self.now)

    @property
    def token_expires_soon(self) -> bool:
        """Expired, or expiring within EXPIRY_WARNING_DAYS: the warning mark."""
        expires = self.token_expires_at
        return expires is not None and expires - self.now <= timedelta(days=EXPIRY_WARNING_DAYS)

    @property
    def grace_ends_at(self) -> datetime | None:
        """The end of the previous token's grace period while it still authenticates."""
        c = self.configuration
        expires = c.previous_token_expires_at
        if not c.previous_token_digest or expires is None or not is_live(expires, self.now):
            return None
        return expires


@dataclass(frozen=True)
class DriftRow:
    """A directory's last drift check (a reconcile checks first and counts too)."""

    directory: Directory
    run: SyncRun | None

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(kind, label, differences) of every kind, zeros included."""
        if self.run is None:
            return []
        found = drift_counts(self.run)
        return [(kind, label, found[kind]) for kind, label in DriftItem.Kind.choices]

    @property
    def found(self) -> list[tuple[str, str, int]]:
        """Only the kinds with differences (what the home page lists)."""
        return [row for row in self.counts if row[2]]

    @property
    def total(self) -> int:
        """Every difference found."""
        return sum(count for _, _, count in self.counts)


@dataclass(frozen=True)
class DirectoryRow:
    """A directory with the last run of each utility (None: never run)."""

    directory: Directory
    last_runs: list[tuple[str, SyncRun | None]]
    show_last_login: bool
    active: SyncRun | None = None


@dataclass(frozen=True)
class SetupStep:
    """One step from a fresh install to a working IdP connection."""

    label: str
    done: bool
    url: str


@dataclass
class Home:
    """Everything the home page shows, by section."""

    sites: list[SiteRow] = field(default_factory=list)
    configurations: list[ConfigurationRow] = field(default_factory=list)
    directories: list[DirectoryRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    setup: list[SetupStep] = field(default_factory=list)
    audit_enabled: bool = False
    audit_last: AuditEntry | None = None
    recent_runs: list[SyncRun] = field(default_factory=list)
    utility_kinds: list[tuple[str, str]] = field(default_factory=list)


def site_rows() -> list[SiteRow]:
    """Every Jira site with its remembered health and its number of directories."""
    sites = JiraSite.objects.annotate(_directories=Count("directories")).order_by("name")
    return [SiteRow(site=s, health=site_health_get(s), directories=s._directories) for s in sites]


def configuration_rows() -> list[ConfigurationRow]:
    """Every configuration with its directory, site and open held requests (one query)."""
    configurations = ScimConfiguration.objects.select_related("directory__jira_site").annotate(
        _held=Count("held_requests", filter=Q(held_requests__released_at=None))
    )
    now = timezone.now()
    return [
        ConfigurationRow(configuration=c, held_requests=c._held, now=now)
        for c in configurations.order_by("name")
    ]


def drift_rows(directories: list[DirectoryRow]) -> list[DriftRow]:
    """Each directory's latest drift check, from the last runs already read (no query)."""
    rows = []
    for row in directories:
        checks = [run for kind, run in row.last_runs if kind in CHECK_KINDS and run is not None]
        latest = max(checks, key=lambda run: (run.created_at, run.pk), default=None)
        rows.append(DriftRow(directory=row.directory, run=latest))
    return rows


def directory_rows() -> list[DirectoryRow]:
    """Every directory with the last run of each utility kind (two queries)."""
    latest = {
        f"_last_{kind}": Subquery(
            SyncRun.objects.filter(directory=OuterRef("pk"), kind=kind)
            .order_by("-created_at", "-id")
            .values("pk")[:1]
        )
        for kind in SyncRun.Kind.values
    }
    directories = list(
        Directory.objects.select_related("jira_site").annotate(**latest).order_by("name")
    )
    ids = {getattr(d, key) for d in directories for key in latest} - {None}
    runs = {run.pk: run for run in SyncRun.objects.filter(pk__in=ids)}
    shown = set(
        ScimCustomization.objects.filter(show_last_login=True).values_list(
            "directory_id", flat=True
        )
    )
    rows = []
    for directory in directories:
        last = [(kind, runs.get(getattr(directory, f"_last_{kind}"))) for kind in SyncRun.Kind]
        active = next((run for _, run in last if run is not None and run.is_active), None)
        rows.append(
            DirectoryRow(
                directory=directory,
                last_runs=last,
                show_last_login=directory.pk in shown,
                active=active,
            )
        )
    return rows


def setup_steps(home: Home, urls: dict[str, str]) -> list[SetupStep]:
    """The way from login to a working IdP connection, with what is already done."""
    return [
        SetupStep(
            "Add the Jira site scimbridge provisions into", bool(home.sites), urls["site_add"]
        ),
        SetupStep(
            "Test connection: Jira reachable and the account an administrator",
            any(row.health is not None and row.health.state == "ok" for row in home.sites),
            urls["sites"],
        ),
        SetupStep(
            "New configuration → Generate token (one per identity provider)",
            bool(home.configurations),
            urls["configuration_add"],
        ),
        SetupStep(
            "Paste the SCIM URL and token into the identity provider; its first request arrives",
            any(row.configuration.last_used_at for row in home.configurations),
            urls["configurations"],
        ),
    ]


def home_context(request: HttpRequest, urls: dict[str, str]) -> dict[str, Any]:
    """The template context of the home page."""
    home = Home(
        sites=site_rows(),
        configurations=configuration_rows(),
        directories=directory_rows(),
        audit_enabled=audit_settings_get().enabled,
        audit_last=AuditEntry.objects.order_by("-id").first(),
        recent_runs=list(SyncRun.objects.select_related("directory")[:RECENT_RUNS]),
        utility_kinds=list(SyncRun.Kind.choices),
    )
    home.drift = drift_rows(home.directories)
    home.setup = setup_steps(home, urls)
    return {"home": home, "home_urls": urls}
