"""`manage.py alerts check-expiry`: alert about credentials expiring soon (cron or beat)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from alerts.services import alert_expiring_credentials


class Command(BaseCommand):
    """Run the alert checks that are not triggered by a request."""

    help = "Send alerts for credentials expiring within --days (default 14)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        """`check-expiry [--days N]`."""
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check-expiry", help="Alert about expiring credentials.")
        check.add_argument("--days", type=int, default=14)

    def handle(self, *args: Any, **options: Any) -> None:
        """Dispatch."""
        found = alert_expiring_credentials(options["days"])
        self.stdout.write(f"{found} credential(s) expiring within {options['days']} days.")
