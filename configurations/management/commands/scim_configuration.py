"""`manage.py scim_configuration`: create, list, rotate and delete SCIM configurations."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from configurations.breaker import breaker_resume
from configurations.endpoints import scim_base_urls
from configurations.management.scim_configuration_arguments import add_arguments
from configurations.models import ScimConfiguration
from configurations.services import (
    IssuedCredentials,
    directory_get_or_create,
    jira_site_get_or_create,
    scim_configuration_create,
    scim_configuration_rotate_credentials,
    scim_configuration_set_mode,
)


def _expiry(days: int | None) -> datetime | None:
    if days is None:
        return None
    if days <= 0:
        raise CommandError("--expires-days must be positive.")
    return timezone.now() + timedelta(days=days)


class Command(BaseCommand):
    """Manage SCIM configurations: `create`, `list`, `set-mode NAME`, `rotate-token NAME`,
    `resume NAME`, `delete NAME`."""

    help = "Create, list, switch the mode of, rotate the token of, or delete SCIM configurations."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the sub-commands and their options."""
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        """Dispatch to the sub-command."""
        # call_command(..., stdin=...) lets tests and scripts feed a secret on standard input.
        self.stdin = options.get("stdin")
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"_{action}")(options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def _read_secret(self, options: dict[str, Any], name: str) -> str | None:
        """The --NAME secret from its file, from stdin ('-'), or (with a warning) the value."""
        value, path = options.get(name), options.get(f"{name}_file")
        flag = "--" + name.replace("_", "-")
        if value and path:
            raise CommandError(f"Give {flag} or {flag}-file, not both.")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip() or None
            except OSError as exc:
                raise CommandError(f"Cannot read {flag}-file: {exc.strerror}.") from exc
        if value == "-":
            return self._stdin().read().strip() or None
        if value:
            self.stderr.write(
                f"Warning: {flag} VALUE shows the secret in the process list (ps) and the "
                f"shell history; use {flag}-file PATH or {flag} - (standard input)."
            )
        return value

    def _stdin(self) -> Any:
        return getattr(self, "stdin", None) or sys.stdin

    def _create(self, options: dict[str, Any]) -> None:
        options["jira_token"] = self._read_secret(options, "jira_token")
        options["jira_password"] = self._read_secret(options, "jira_password")
        if not options["jira_token"] and not (
            options["jira_username"] and options["jira_password"]
        ):
            raise CommandError("Give --jira-token, or --jira-username with --jira-password.")
        if options["jira_token"] and options["jira_username"]:
            raise CommandError("Give either --jira-token or --jira-username, not both.")
        if ScimConfiguration.objects.filter(name=options["name"].strip()).exists():
            raise CommandError(f"A configuration named {options['name']!r} already exists.")
        with transaction.atomic():
            site = jira_site_get_or_create(
                base_url=options["jira_url"],
                token=options["jira_token"],
                username=options["jira_username"],
                password=options["jira_password"],
            )
            directory = directory_get_or_create(
                name=options["directory"] or options["name"], jira_site=site
            )
            configuration, issued = scim_configuration_create(
                name=options["name"],
                directory=directory,
                basic_auth_username=options["basic_auth_username"],
                delete_users=options["delete_users"],
                recreate_renamed_groups=options["recreate_renamed_groups"],
                default_groups=options["default_groups"],
                application_keys=[
                    key.strip() for key in options["applications"].split(",") if key.strip()
                ],
                mode=(
                    ScimConfiguration.Mode.SHADOW
                    if options["shadow"]
                    else ScimConfiguration.Mode.LIVE
                ),
                max_deprovisions=options["max_deprovisions"],
                max_group_deletions=options["max_group_deletions"],
                deprovision_window_minutes=options["window_minutes"],
                allowed_networks=options["allowed_networks"],
                expires_at=_expiry(options["expires_days"]),
                username_changes=options["username_changes"],
                adopt_existing_users=options["adopt_existing_users"],
            )
        self._print_credentials(configuration, issued, options)

    def _set_mode(self, options: dict[str, Any]) -> None:
        configuration = self._get(options["name"])
        changed = scim_configuration_set_mode(configuration=configuration, mode=options["mode"])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"name": configuration.name, "mode": configuration.mode, "changed": changed}
                )
            )
            return
        if not changed:
            self.stdout.write(
                f"Configuration {configuration.name!r} is already {configuration.mode}."
            )
            return
        self.stdout.write(f"Configuration {configuration.name!r} is now {configuration.mode}.")
        if configuration.mode == ScimConfiguration.Mode.LIVE:
            self.stdout.write(
                "SCIM writes now reach Jira. What shadow mode recorded was not applied: run "
                f"`manage.py drift --directory {configuration.directory.name}` and "
                f"`manage.py reconcile --directory {configuration.directory.name} --yes` "
                "(docs/go-live.md)."
            )

    def _rotate_token(self, options: dict[str, Any]) -> None:
        configuration = self._get(options["name"])
        if options["grace_hours"] < 0:
            raise CommandError("--grace-hours cannot be negative.")
        issued = scim_configuration_rotate_credentials(
            configuration=configuration,
            grace=timedelta(hours=options["grace_hours"]),
            expires_at=_expiry(options["expires_days"]),
        )
        configuration.refresh_from_db()
        self._print_credentials(configuration, issued, options)
        if configuration.previous_token_expires_at and not options["json"]:
            self.stdout.write(
                "The previous credentials keep working until "
                f"{configuration.previous_token_expires_at.isoformat()}."
            )

    def _resume(self, options: dict[str, Any]) -> None:
        configuration = self._get(options["name"])
        raised = options["max_deprovisions"] is not None or options["max_group_deletions"]
        if raised and not options["for_minutes"]:
            raise CommandError("Raised limits need --for-minutes.")
        released = breaker_resume(
            configuration=configuration,
            max_deprovisions=options["max_deprovisions"],
            max_group_deletions=options["max_group_deletions"],
            for_minutes=options["for_minutes"],
            released_by="manage.py scim_configuration resume",
        )
        self.stdout.write(
            f"Deprovisioning resumed for {configuration.name!r}; {released} held request(s) "
            "released (the IdP's retries apply them)."
        )

    def _delete(self, options: dict[str, Any]) -> None:
        configuration = self._get(options["name"])
        try:
            configuration.delete()
        except ProtectedError as exc:  # pragma: no cover - nothing protects a configuration yet
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"deleted": options["name"]}))
        else:
            self.stdout.write(f"Deleted configuration {options['name']!r}.")

    def _list(self, options: dict[str, Any]) -> None:
        rows = [
            self._describe(configuration, options)
            for configuration in ScimConfiguration.objects.select_related("directory__jira_site")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No configurations.")
        for row in rows:
            state = "enabled" if row["enabled"] else "disabled"
            if row["deprovisioning_paused"]:
                state += ", DEPROVISIONING PAUSED"
            self.stdout.write(
                f"{row['name']}  [{state}, {row['mode'].upper()}]  directory={row['directory']}  "
                f"jira={row['jira_url']}  token={row['token_prefix']}…  "
                f"auth={row['auth']}  users={'delete' if row['delete_users'] else 'disable'}  "
                f"last_used={row['last_used_at'] or 'never'}\n  v2: {row['scim_v2_url']}"
            )

    def _get(self, name: str) -> ScimConfiguration:
        try:
            return ScimConfiguration.objects.select_related("directory").get(name=name)
        except ScimConfiguration.DoesNotExist:
            raise CommandError(f"No configuration named {name!r}.") from None

    def _describe(self, configuration: ScimConfiguration, options: dict[str, Any]) -> dict:
        v2, v1 = scim_base_urls(options["base_url"] or None)
        return {
            "id": configuration.pk,
            "name": configuration.name,
            "directory": configuration.directory.name,
            "jira_url": configuration.directory.jira_site.base_url,
            "token_prefix": configuration.token_prefix,
            "auth": configuration.auth_method_label,
            "basic_auth_username": configuration.basic_auth_username,
            "delete_users": configuration.delete_users,
            "recreate_renamed_groups": configuration.recreate_renamed_groups,
            "default_groups": configuration.default_group_names,
            "applications": configuration.application_keys,
            "enabled": configuration.enabled,
            "mode": configuration.mode,
            "max_deprovisions": configuration.max_deprovisions,
            "max_group_deletions": configuration.max_group_deletions,
            "window_minutes": configuration.deprovision_window_minutes,
            "deprovisioning_paused": configuration.deprovisioning_paused_at is not None,
            "token_expires_at": (
                configuration.token_expires_at.isoformat()
                if configuration.token_expires_at
                else None
            ),
            "last_used_at": (
                configuration.last_used_at.isoformat() if configuration.last_used_at else None
            ),
            "scim_v2_url": v2,
            "scim_v1_url": v1,
        }

    def _print_credentials(
        self, configuration: ScimConfiguration, issued: IssuedCredentials, options: dict[str, Any]
    ) -> None:
        v2, v1 = scim_base_urls(options["base_url"] or None)
        data = {
            "id": configuration.pk,
            "name": configuration.name,
            "directory": configuration.directory.name,
            "token": issued.token,
            "scim_v2_url": v2,
            "scim_v1_url": v1,
        }
        if issued.basic_auth_username:
            data["basic_auth_username"] = issued.basic_auth_username
            data["basic_auth_password"] = issued.basic_auth_password
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(
            f"Configuration {configuration.name!r} (directory {configuration.directory.name!r}, "
            f"{configuration.mode} mode)\n"
            f"  SCIM v2 URL: {v2}\n  SCIM v1 URL: {v1}\n  Bearer token: {issued.token}"
        )
        if issued.basic_auth_username:
            self.stdout.write(
                f"  Basic auth: {issued.basic_auth_username} / {issued.basic_auth_password}"
            )
        self.stdout.write("Store these credentials now: they will not be shown again.")
