"""Run the fake Jira by hand: ``python -m tests.fakejira --port 8089 --version 10.3.1``."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from .fake import FakeJira


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the fake Jira."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakejira", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    parser.add_argument("--version", default="9.12.4", help="Jira version to imitate")
    parser.add_argument("--context-path", default="", help="e.g. /jira")
    parser.add_argument("--admin-username", default="admin")
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument("--admin-token", default="admin-pat", help="personal access token")
    parser.add_argument(
        "--seed-users",
        type=int,
        default=0,
        metavar="N",
        help="add N users named user00001... to --seed-users-group",
    )
    parser.add_argument(
        "--seed-users-group",
        default="jira-software-users",
        metavar="NAME",
        help="the group the seeded users join ('' for none)",
    )
    parser.add_argument(
        "--seed-group",
        action="append",
        default=[],
        metavar="NAME",
        help="add an empty group (repeatable)",
    )
    parser.add_argument(
        "--seed-groups",
        type=int,
        default=0,
        metavar="N",
        help="add N groups group-0000... (with --members-per-group seeded users each)",
    )
    parser.add_argument(
        "--members-per-group",
        type=int,
        default=0,
        metavar="M",
        help="group g holds M consecutive users from user (g * users/groups) on, wrapping",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="answer every request this much later (benchmarks of a slow Jira)",
    )
    parser.add_argument("--disable-basic-auth", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def seed_groups(fake: FakeJira, users: int, groups: int, per_group: int) -> None:
    """The layout of bench/sync.py: overlapping runs of consecutive users."""
    step = max(users // groups, 1)
    for g in range(groups):
        members = [f"user{(g * step + j) % users + 1:05d}" for j in range(per_group)]
        fake.seed_group(f"group-{g:04d}", members=members)


def main(argv: list[str] | None = None) -> int:
    """Start the fake Jira and serve until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    fake = FakeJira(
        args.version,
        host=args.host,
        port=args.port,
        context_path=args.context_path,
        admin_username=args.admin_username,
        admin_password=args.admin_password,
        admin_token=args.admin_token,
    )
    if args.seed_users:
        groups = [args.seed_users_group] if args.seed_users_group else []
        fake.seed_users(args.seed_users, groups=groups)
    if args.seed_groups and args.seed_users:
        seed_groups(fake, args.seed_users, args.seed_groups, args.members_per_group)
    for name in args.seed_group:
        fake.seed_group(name)
    if args.latency > 0:
        fake.delay("*", "*", args.latency)
    if args.disable_basic_auth:
        fake.set_basic_auth(enabled=False)
    fake.start()
    # Flushed at once: scripts (and the tests) wait for this line to learn the URL.
    sys.stdout.write(f"fake Jira {args.version} listening on {fake.url}\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
