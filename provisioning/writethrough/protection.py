"""The write-through's half of least power: refuse (403) before Jira hears of the change.

Groups are protected by name (`provisioning.policy`). Users are protected by name (the
site's break-glass list) and by what Jira says of them: a user that SCIM did not create
(mapped by Sync, or adopted) is read from Jira by key right before a change that could
hand over or lock out an account — an update, a password, a deactivation or deletion — as
it may have become an administrator since it was mapped. A user SCIM created is its IdP's
to manage, including offboarding one a Jira admin promoted later; only the site's list of
protected usernames stops that.
"""

from __future__ import annotations

from provisioning.models import Origin

from . import errors
from .context import WriteContext


def require_group_unprotected(ctx: WriteContext, name: str, *, default_group: bool = False) -> None:
    """403 when SCIM must not create, change, join or leave the Jira group `name`."""
    if ctx.policy.protects_group(name):
        raise errors.protected_group(
            name, reason=ctx.policy.group_reason(name), default_group=default_group
        )


def require_user_unprotected(ctx: WriteContext, *, key: str, name: str, origin: str) -> None:
    """403 when the Jira user (by key) is protected; reads Jira for users SCIM did not create."""
    if ctx.policy.protects_user(name=name):
        raise errors.protected_user(name, reason=ctx.policy.user_reason(name=name))
    if origin == Origin.SCIM:
        return
    verdict = ctx.protection_checked.get(key)
    if verdict is None:
        verdict = _ask_jira(ctx, key)
        ctx.protection_checked[key] = verdict
    if verdict is not None:
        raise errors.protected_user(name, reason=verdict)


def _ask_jira(ctx: WriteContext, key: str) -> str | None:
    """Why Jira's current state protects the user with this key; None when it does not."""
    bean = ctx.client.find_user(key=key, expand=("groups",))
    if bean is None:
        return None  # gone: the change's own call decides what that means
    name = str(bean.get("name") or "")
    groups = [str(g.get("name")) for g in (bean.get("groups") or {}).get("items") or []]
    own = key == ctx.own_key()
    if ctx.policy.protects_user(name=name, groups=groups, own=own):
        return ctx.policy.user_reason(name=name, groups=groups, own=own)
    return None

