"""Default groups and application access checked against Jira when a configuration is saved.

A default group Jira does not have would be created by the first provision; the admin sees
it here instead and must confirm it. An application Jira does not have cannot be granted:
that is refused. When Jira cannot be asked, the admin must confirm saving unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiraclient import JiraError
from jiraclient.sites import client_for_site

from .crypto import SecretUnreadableError
from .models import JiraSite


@dataclass(frozen=True)
class DefaultsCheck:
    """What Jira lacks of a configuration's defaults, or why it could not be asked."""

    missing_groups: list[str] = field(default_factory=list)
    missing_applications: list[str] = field(default_factory=list)
    unreachable: str = ""

    @property
    def needs_confirmation(self) -> str:
        """What the admin must confirm before saving ("" when nothing)."""
        if self.unreachable:
            return (
                f"The default groups and applications could not be checked: {self.unreachable} "
                "Tick “Save without these checks” to save anyway."
            )
        if self.missing_groups:
            names = ", ".join(self.missing_groups)
            return (
                f"Jira has no group {names}: the first provision would create it. Fix the name, "
                "create it in Jira, or tick “Create missing default groups” to confirm."
            )
        return ""

    @property
    def refusal(self) -> str:
        """What cannot be saved at all ("" when nothing)."""
        if not self.missing_applications:
            return ""
        return (
            f"This Jira has no application {', '.join(self.missing_applications)} (it is not "
            "installed or not licensed): users cannot be granted it. Untick it."
        )


def check_defaults(
    site: JiraSite, *, groups: list[str], application_keys: list[str]
) -> DefaultsCheck:
    """Ask Jira for each default group and for its application roles (one attempt each)."""
    if not groups and not application_keys:
        return DefaultsCheck()
    try:
        with client_for_site(site, max_retries=0, timeout=min(site.timeout, 10)) as client:
            missing_groups = [name for name in groups if client.find_group(name) is None]
            missing_apps: list[str] = []
            if application_keys:
                known = {str(role.get("key")) for role in client.application_roles()}
                missing_apps = [key for key in application_keys if key not in known]
    except (JiraError, SecretUnreadableError, ValueError) as exc:
        return DefaultsCheck(unreachable=f"Jira answered {exc}" if str(exc) else "no answer.")
    return DefaultsCheck(missing_groups=missing_groups, missing_applications=missing_apps)
