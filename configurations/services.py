"""Services that create and change Jira sites, directories and SCIM configurations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import credentials
from .allowlist import parse_networks
from .lifetime import DEFAULT_GRACE, is_live
from .models import ApplicationKey, Directory, JiraSite, ScimConfiguration
from .selectors import CREDENTIALS

# last_used_at is written at most this often per configuration, to keep writes off the hot path.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedCredentials:
    """Credentials as issued: shown to the admin once, never stored in this form."""

    token: str
    basic_auth_username: str = ""
    basic_auth_password: str = ""


def normalise_group_list(groups: Iterable[str] | str) -> str:
    """Return groups as the stored comma-separated text (trimmed, no blanks or duplicates)."""
    items = groups.split(",") if isinstance(groups, str) else list(groups)
    seen: set[str] = set()
    names: list[str] = []
    for raw in items:
        name = raw.strip()
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return ", ".join(names)


def validate_application_keys(keys: Iterable[str]) -> list[str]:
    """Return the keys in canonical order, or raise ValidationError naming an unknown one."""
    keys = list(keys)
    valid = [choice.value for choice in ApplicationKey]
    unknown = [key for key in keys if key not in valid]
    if unknown:
        raise ValidationError(
            f"Unknown application key {unknown[0]!r}; use one of: {', '.join(valid)}."
        )
    return [key for key in valid if key in keys]


@transaction.atomic
def jira_site_get_or_create(
    *,
    base_url: str,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    name: str | None = None,
) -> JiraSite:
    """Return the site with this base URL, creating it or replacing its credentials."""
    base_url = base_url.rstrip("/")
    site = JiraSite.objects.select_for_update().filter(base_url=base_url).first()
    if site is None:
        site = JiraSite(base_url=base_url, name=name or _unique_site_name(base_url))
    if token:
        site.auth_method, site.username = JiraSite.AuthMethod.TOKEN, ""
        site.set_secret(token)
    elif username and password:
        site.auth_method, site.username = JiraSite.AuthMethod.BASIC, username
        site.set_secret(password)
    elif not site.has_secret:
        raise ValidationError("Give a Jira personal access token, or a username and password.")
    site.full_clean()
    site.save()
    return site


def _unique_site_name(base_url: str) -> str:
    base = base_url.split("://", 1)[-1][:90]
    name, counter = base, 2
    while JiraSite.objects.filter(name=name).exists():
        name, counter = f"{base} ({counter})", counter + 1
    return name


@transaction.atomic
def directory_get_or_create(*, name: str, jira_site: JiraSite) -> Directory:
    """Return the named directory, creating it on this site; refuse one bound to another site."""
    directory, created = Directory.objects.get_or_create(
        name=name.strip(), defaults={"jira_site": jira_site}
    )
    if not created and directory.jira_site_id != jira_site.pk:
        raise ValidationError(
            f"Directory {directory.name!r} belongs to Jira site {directory.jira_site.name!r}, "
            f"not {jira_site.name!r}."
        )
    return directory


@transaction.atomic
def scim_configuration_create(
    *,
    name: str,
    directory: Directory,
    basic_auth_username: str = "",
    delete_users: bool = False,
    default_groups: Iterable[str] | str = (),
    application_keys: Iterable[str] = (),
    enabled: bool = True,
    recreate_renamed_groups: bool = False,
    mode: str = ScimConfiguration.Mode.LIVE,
    max_deprovisions: int = 50,
    max_group_deletions: int = 10,
    deprovision_window_minutes: int = 60,
    allowed_networks: Iterable[str] | str = (),
    expires_at: datetime | None = None,
    username_changes: str = "rename",
    adopt_existing_users: bool = False,
) -> tuple[ScimConfiguration, IssuedCredentials]:
    """Create a configuration and issue its credentials (returned once, stored as digests).

    `expires_at`: when the token (and Basic password) stop working; None: never.
    """
    token = credentials.generate_token()
    configuration = ScimConfiguration(
        name=name.strip(),
        directory=directory,
        token_digest=token.digest,
        token_prefix=token.display_prefix,
        token_created_at=timezone.now(),
        basic_auth_username=basic_auth_username.strip(),
        delete_users=delete_users,
        default_groups=normalise_group_list(default_groups),
        application_keys=validate_application_keys(application_keys),
        enabled=enabled,
        recreate_renamed_groups=recreate_renamed_groups,
        mode=mode,
        max_deprovisions=max_deprovisions,
        max_group_deletions=max_group_deletions,
        deprovision_window_minutes=deprovision_window_minutes,
        allowed_networks=normalise_networks(allowed_networks),
        token_expires_at=expires_at,
        username_changes=username_changes,
        adopt_existing_users=adopt_existing_users,
    )
    password = ""
    if configuration.basic_auth_username:
        generated = credentials.generate_password()
        password = generated.raw
        configuration.basic_password_digest = generated.digest
        configuration.basic_password_expires_at = expires_at
    configuration.full_clean()
    configuration.save()
    return configuration, IssuedCredentials(
        token=token.raw,
        basic_auth_username=configuration.basic_auth_username,
        basic_auth_password=password,
    )


@transaction.atomic
def scim_configuration_rotate_credentials(
    *,
    configuration: ScimConfiguration,
    grace: timedelta = DEFAULT_GRACE,
    expires_at: datetime | None = None,
    basic_auth_username: str | None = None,
) -> IssuedCredentials:
    """Replace the token (and the Basic password, when Basic auth is on).

    The old ones keep working for `grace` (never past their own expiry); a zero grace
    ends them at once. `expires_at` is the new credentials' expiry (None: never).
    ``basic_auth_username`` (when given) turns Basic auth on under that name, or off when
    empty (a changed name keeps no old password); ValidationError if another configuration
    uses the name.
    """
    if grace < timedelta(0):
        raise ValidationError("The grace period cannot be negative.")
    now = timezone.now()
    configuration = ScimConfiguration.objects.select_for_update().get(pk=configuration.pk)
    renamed = False
    if basic_auth_username is not None:
        username = basic_auth_username.strip()
        taken = ScimConfiguration.objects.filter(basic_auth_username__iexact=username).exclude(
            pk=configuration.pk
        )
        if username and taken.exists():
            raise ValidationError(
                {"basic_auth_username": "Another configuration uses this Basic auth username."}
            )
        renamed = username.lower() != configuration.basic_auth_username.lower()
        configuration.basic_auth_username = username
    token = credentials.generate_token()
    old_end = _grace_end(now, grace, configuration.token_expires_at)
    configuration.previous_token_digest = configuration.token_digest if old_end else ""
    configuration.previous_token_prefix = configuration.token_prefix if old_end else ""
    configuration.previous_token_expires_at = old_end
    configuration.token_digest = token.digest
    configuration.token_prefix = token.display_prefix
    configuration.token_created_at = now
    configuration.token_expires_at = expires_at
    password = ""
    old_password_end = _grace_end(now, grace, configuration.basic_password_expires_at)
    has_old_password = (
        bool(configuration.basic_password_digest) and old_password_end is not None and not renamed
    )
    configuration.previous_basic_password_digest = (
        configuration.basic_password_digest if has_old_password else ""
    )
    configuration.previous_basic_password_expires_at = (
        old_password_end if has_old_password else None
    )
    if configuration.basic_auth_username:
        generated = credentials.generate_password()
        password = generated.raw
        configuration.basic_password_digest = generated.digest
        configuration.basic_password_expires_at = expires_at
    else:
        configuration.basic_password_digest = ""
        configuration.basic_password_expires_at = None
    configuration.save(
        update_fields=[
            "token_digest",
            "token_prefix",
            "token_created_at",
            "token_expires_at",
            "previous_token_digest",
            "previous_token_prefix",
            "previous_token_expires_at",
            "basic_auth_username",
            "basic_password_digest",
            "basic_password_expires_at",
            "previous_basic_password_digest",
            "previous_basic_password_expires_at",
            "updated_at",
        ]
    )
    return IssuedCredentials(
        token=token.raw,
        basic_auth_username=configuration.basic_auth_username,
        basic_auth_password=password,
    )


def _grace_end(now: datetime, grace: timedelta, expires_at: datetime | None) -> datetime | None:
    """When a rotated-out credential stops working; None: at once (no grace, or expired)."""
    if not grace or not is_live(expires_at, now):
        return None
    end = now + grace
    return min(end, expires_at) if expires_at is not None else end


def scim_configuration_end_grace(*, configuration: ScimConfiguration) -> None:
    """Stop the previous token and Basic password now (the IdP has switched)."""
    ScimConfiguration.objects.filter(pk=configuration.pk).update(
        previous_token_digest="",
        previous_token_prefix="",
        previous_token_expires_at=None,
        previous_basic_password_digest="",
        previous_basic_password_expires_at=None,
        updated_at=timezone.now(),
    )
    # An UPDATE sends no save signal: drop the cached credentials here and in every process.
    CREDENTIALS.invalidate()


def normalise_networks(networks: Iterable[str] | str) -> str:
    """The allowlist as stored: one canonical CIDR per line; ValidationError names a bad one."""
    items = networks.replace(",", "\n").splitlines() if isinstance(networks, str) else networks
    try:
        return "\n".join(str(network) for network in parse_networks(items))
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def scim_configuration_set_enabled(*, configuration: ScimConfiguration, enabled: bool) -> None:
    """Enable or disable a configuration; a disabled one authenticates nothing."""
    configuration.enabled = enabled
    configuration.save(update_fields=["enabled", "updated_at"])


# When this process last recorded each configuration's use: the configuration a request
# holds may be a cached copy older than the last touch (configurations/process_cache.py).
_TOUCHED_AT: dict[tuple[int, str], datetime] = {}


def scim_configuration_touch(*, configuration: ScimConfiguration) -> None:
    """Record that the configuration was used, at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    key = (configuration.pk, configuration.token_digest)
    known = [configuration.last_used_at, _TOUCHED_AT.get(key)]
    last = max((moment for moment in known if moment is not None), default=None)
    if last is not None and now - last < LAST_USED_RESOLUTION:
        configuration.last_used_at = last
        return
    _TOUCHED_AT[key] = now
    # The conditional UPDATE keeps concurrent requests from each writing the row.
    ScimConfiguration.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
        pk=configuration.pk,
    ).update(last_used_at=now)
    configuration.last_used_at = now


def scim_configuration_set_mode(*, configuration: ScimConfiguration, mode: str) -> bool:
    """Switch a configuration to live or shadow; True when the mode changed.

    Takes effect with the next SCIM write: the applier reads the mode with the change set.
    """
    if mode not in ScimConfiguration.Mode.values:
        raise ValidationError(
            f"Unknown mode {mode!r}: use {' or '.join(ScimConfiguration.Mode.values)}."
        )
    updated = ScimConfiguration.objects.filter(pk=configuration.pk).exclude(mode=mode).update(
        mode=mode, updated_at=timezone.now()
    )
    configuration.mode = mode
    if updated:
        CREDENTIALS.invalidate()  # cached copies carry the mode the admin page shows
    return bool(updated)
