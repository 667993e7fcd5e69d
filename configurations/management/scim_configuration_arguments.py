"""The sub-commands and options of `manage.py scim_configuration` (its argument parser)."""

from __future__ import annotations

from argparse import ArgumentParser

from configurations.models import ScimConfiguration


def add_output_options(parser: ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.add_argument(
        "--base-url",
        default="",
        help="Public base URL of scimbridge (e.g. https://scim.example.com), used to "
        "print absolute SCIM URLs; defaults to SCIMBRIDGE_PUBLIC_URL.",
    )


def add_arguments(parser: ArgumentParser) -> None:
    """Declare the sub-commands and their options."""
    sub = parser.add_subparsers(dest="action", required=True)

    create = sub.add_parser("create", help="Create a configuration and print its credentials.")
    create.add_argument("--name", required=True)
    create.add_argument("--jira-url", required=True, help="Jira base URL.")
    create.add_argument(
        "--jira-token",
        help="Jira personal access token; '-' reads it from standard input (a value "
        "given here shows in ps and the shell history: prefer --jira-token-file).",
    )
    create.add_argument("--jira-token-file", help="File holding the Jira access token.")
    create.add_argument("--jira-username", help="Jira administrator username (Basic).")
    create.add_argument(
        "--jira-password",
        help="Jira administrator password (Basic); '-' reads it from standard input.",
    )
    create.add_argument("--jira-password-file", help="File holding the Jira password.")
    create.add_argument(
        "--directory", help="Directory name (created when missing); default: --name."
    )
    create.add_argument(
        "--delete-users",
        action="store_true",
        help="SCIM DELETE deletes the Jira user (default: deactivate).",
    )
    create.add_argument("--default-groups", default="", help="Comma-separated Jira groups.")
    create.add_argument(
        "--applications",
        default="",
        help="Comma-separated application keys: jira-core, jira-software, jira-servicedesk.",
    )
    create.add_argument("--basic-auth-username", default="", help="Also accept Basic auth.")
    create.add_argument(
        "--recreate-renamed-groups",
        action="store_true",
        help="On a SCIM group rename, re-create the Jira group under the new name "
        "(default: keep the Jira group).",
    )
    create.add_argument(
        "--shadow",
        action="store_true",
        help="Start in shadow mode: SCIM requests are answered and stored, Jira is only "
        "read, and every change Jira would get is recorded as a planned change.",
    )
    create.add_argument(
        "--max-deprovisions",
        type=int,
        default=50,
        help="User deactivations + deletions allowed per window before deprovisioning "
        "pauses (0: no limit; default 50).",
    )
    create.add_argument(
        "--max-group-deletions",
        type=int,
        default=10,
        help="Group deletions allowed per window (0: no limit; default 10).",
    )
    create.add_argument(
        "--window-minutes", type=int, default=60, help="The limits' sliding window."
    )
    create.add_argument(
        "--allowed-networks",
        default="",
        help="Comma-separated CIDR ranges the IdP calls from (default: any address).",
    )
    create.add_argument(
        "--expires-days", type=int, help="The credentials expire after this many days."
    )
    create.add_argument(
        "--username-changes",
        choices=["rename", "keep"],
        default="rename",
        help="On a SCIM userName change: rename the Jira user (default) or keep its username.",
    )
    create.add_argument(
        "--adopt-existing-users",
        action="store_true",
        help="Link existing unlinked, non-protected Jira users whose username and email "
        "match a SCIM create (default: 409).",
    )
    add_output_options(create)

    set_mode = sub.add_parser(
        "set-mode",
        help="Switch a configuration to live (writes reach Jira) or shadow (recorded only).",
    )
    set_mode.add_argument("name")
    set_mode.add_argument("mode", choices=ScimConfiguration.Mode.values)
    add_output_options(set_mode)

    resume = sub.add_parser(
        "resume", help="Resume paused deprovisioning; the held requests are released."
    )
    resume.add_argument("name")
    resume.add_argument("--max-deprovisions", type=int, help="Raised user limit.")
    resume.add_argument("--max-group-deletions", type=int, help="Raised group limit.")
    resume.add_argument("--for-minutes", type=int, help="How long the raised limits apply.")

    listing = sub.add_parser("list", help="List configurations (never their secrets).")
    add_output_options(listing)

    rotate = sub.add_parser(
        "rotate-token",
        help="Issue a new token; the old one keeps working for --grace-hours.",
    )
    rotate.add_argument("name")
    rotate.add_argument(
        "--grace-hours",
        type=float,
        default=24.0,
        help="The old credentials keep working this long (default 24; 0: stop at once).",
    )
    rotate.add_argument(
        "--expires-days", type=int, help="The new credentials expire after this many days."
    )
    add_output_options(rotate)

    delete = sub.add_parser("delete", help="Delete a configuration (its directory stays).")
    delete.add_argument("name")
    add_output_options(delete)
