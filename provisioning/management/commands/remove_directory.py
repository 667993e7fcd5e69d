"""``manage.py remove_directory NAME [--delete-synced-users] --yes``: Remove Directory as a run.

Without ``--yes`` it prints the removal plan (the same one the admin's confirmation page
shows and the run executes) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from configurations.models import Directory
from jiraclient import JiraError
from jiraclient.sites import client_for_site
from provisioning.sync.commands import DestructiveDirectoryCommand
from provisioning.sync.models import SyncRun
from provisioning.sync.removal import KEEP_WORDS, plan_for, plan_rows


class Command(DestructiveDirectoryCommand):
    """Delete in Jira what SCIM created for the directory; unlink the rest (irreversible)."""

    help = (
        "Delete in Jira the users and groups SCIM created for the directory and unlink every "
        "other row (irreversible). Without --yes, print what would be deleted."
    )
    kind = SyncRun.Kind.REMOVE_DIRECTORY
    where = "in Jira and in the SCIM tables"

    def add_arguments(self, parser: CommandParser) -> None:
        """The directory, --yes, and the option that adds synced users."""
        super().add_arguments(parser)
        parser.add_argument(
            "--delete-synced-users",
            action="store_true",
            help="Also delete in Jira users that existed in Jira before sync (never protected "
            "ones nor those linked to another directory).",
        )

    def run_options(self, options: dict[str, Any]) -> dict[str, Any] | None:
        """The option travels with the run: the run recomputes the plan with it."""
        return {"delete_synced_users": True} if options["delete_synced_users"] else None

    def preview(self, directory: Directory, options: dict[str, Any]) -> str:
        """Print the plan's counts and every object to delete in Jira; return the summary."""
        try:
            with client_for_site(directory.jira_site, max_retries=0) as client:
                plan = plan_for(
                    client, directory, delete_synced_users=options["delete_synced_users"]
                )
        except JiraError as exc:
            raise CommandError(
                f"Jira could not be read for the removal plan, nothing was changed: {exc}"
            ) from exc
        counts = plan.counts()
        lines = [
            f"Remove Directory of {directory} ({directory.jira_site.base_url}):",
            f"  users: delete in Jira {counts['users_delete']}, unlink {counts['users_unlink']}",
            f"  groups: delete in Jira {counts['groups_delete']}, unlink {counts['groups_unlink']}",
        ]
        for kind in ("users", "groups"):
            for reason, value in counts["kept"][kind].items():
                if value:
                    lines.append(f"  {kind} kept in Jira: {value} {KEEP_WORDS[reason]}")
        lines.append("To be deleted in Jira (kind, name, Jira key/name, why):")
        lines.extend("  " + "\t".join(row) for row in plan_rows(plan))
        self.stdout.write("\n".join(lines))
        return (
            f"This would delete {counts['users_delete']} user(s) and "
            f"{counts['groups_delete']} group(s) of {directory} in Jira and unlink "
            f"{counts['users_unlink']} user(s) and {counts['groups_unlink']} group(s)."
        )
