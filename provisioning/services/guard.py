"""Guard rails a SCIM write passes before Jira is called: the deprovisioning breaker."""

from __future__ import annotations

from configurations.breaker import DeprovisioningPaused, breaker_consume
from provisioning.scim.errors import ScimError

from .changes import ChangeSet, GroupDeleted, UserDeactivated, UserDeleted

# Seconds an IdP is told to wait before retrying a held deprovisioning (Retry-After).
HELD_RETRY_AFTER = 300


class DeprovisioningHeld(ScimError):  # noqa: N818 - a refusal, like ScimError
    """503: the write deprovisions while the configuration's deprovisioning is paused."""

    def __init__(self, paused: DeprovisioningPaused) -> None:
        """Carry what the SCIM layer needs to record the held request."""
        super().__init__(503, str(paused), headers={"Retry-After": str(HELD_RETRY_AFTER)})
        self.configuration_id = paused.configuration_id
        self.kind = paused.kind
        self.tripped = paused.tripped


def guard_deprovisioning(change_set: ChangeSet) -> None:
    """Count the write's user deactivations/deletions and group deletions, or refuse it.

    Only writes of a SCIM configuration count (Sync and Remove Directory are admin runs).
    Membership removals do not count: IdPs send them with every ordinary group update.
    """
    configuration = change_set.configuration
    if configuration is None:
        return
    users = len(change_set.of_type(UserDeactivated)) + len(change_set.of_type(UserDeleted))
    groups = len(change_set.of_type(GroupDeleted))
    try:
        breaker_consume(configuration.pk, users=users, groups=groups)
    except DeprovisioningPaused as paused:
        raise DeprovisioningHeld(paused) from None
