"""What the SCIM home page (the admin index) shows: sites, configurations, utilities, audit log.

One read per section, each a few queries whatever the number of rows; nothing here calls
Jira (site health is what configurations/site_health.py remembers). A section is one key of
`home_context()` and one include under templates/admin/home/: adding a column is a field of
a row here and a cell there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest

from auditlog.models import AuditEntry
from auditlog.selectors import audit_settings_get
from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.site_health import SiteHealth, site_health_get
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
    """A configuration on the General section."""

    configuration: ScimConfiguration

    @property
    def directory(self) -> Directory:
        """The directory it provisions."""
        return self.configuration.directory


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
    """Every configuration with its directory and site (one query)."""
    configurations = ScimConfiguration.objects.select_related("directory__jira_site")
    return [ConfigurationRow(configuration=c) for c in configurations.order_by("name")]


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
    home.setup = setup_steps(home, urls)
    return {"home": home, "home_urls": urls}
