"""The drift check: what a directory's SCIM tables intend, compared with what Jira holds now.

A streamed comparison (docs/go-live.md): Jira's users are read page by page through the
client and compared with the matching rows one batch at a time; each SCIM group's Jira
members are read page by page and compared with its membership rows. Memory holds the set
of Jira keys seen (about 70 bytes a user, as Sync) and the members of one group at a time;
the differences go to the database (`DriftItem`) in batches. Jira is only read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from jiraclient import JiraClient, JiraNotFound
from jiraclient.paging import user_listing_strategy
from provisioning.models import Origin, ScimGroup, ScimMembership, ScimUser
from provisioning.policy import JiraPolicy, current_policy
from provisioning.services.changes import JiraUserState, jira_user_state

from .batching import chunks
from .drift_models import DriftItem
from .groups import GroupListing, list_jira_groups
from .jira_rows import JiraUserFacts
from .protection import ProtectedUsers, read_protected_users
from .runs import RunContext
from .users import iter_jira_users

Kind = DriftItem.Kind
# Rows written to the database at once.
FLUSH_SIZE = 1000
# group/member pages hold at most 50 users on Jira DC; asking for more is harmless.
MEMBER_PAGE_SIZE = 1000
LEFT_ALONE_USER = "Not a user of this directory: reconcile leaves it alone."
LEFT_ALONE_GROUP = (
    "The group was not created through SCIM (Sync mapped it): reconcile leaves the members "
    "Jira gave it."
)
TEXT_FIELDS = ("attribute", "scim_value", "jira_value", "detail", "jira_key")
USER_FIELDS = (
    "pk", "directory_id", "user_name", "display_name", "active", "resource", "hidden_at",
    "origin", "jira_user_key",
)


class DriftRecorder:
    """Collects the differences of one run: counted at once, stored in batches."""

    def __init__(self, ctx: RunContext) -> None:
        """Start empty: a retried or taken-over run compares again from the start."""
        self.ctx = ctx
        self.counts: Counter[str] = Counter()
        self.pending: list[DriftItem] = []
        DriftItem.objects.filter(run=ctx.run).delete()
        ctx.counters["drift"] = dict.fromkeys(Kind.values, 0)

    def add(self, kind: str, object_type: str, object_name: str, **fields: Any) -> None:
        """Record one difference."""
        self.counts[kind] += 1
        self.ctx.counters["drift"][kind] = self.counts[kind]
        for name in TEXT_FIELDS:  # text columns store "" for "none"
            if fields.get(name) is None:
                fields.pop(name, None)
        self.pending.append(
            DriftItem(
                run=self.ctx.run,
                kind=kind,
                object_type=object_type,
                object_name=object_name[:600],
                **fields,
            )
        )
        if len(self.pending) >= FLUSH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Store what is pending."""
        if self.pending:
            DriftItem.objects.bulk_create(self.pending)
            self.pending = []

    @property
    def total(self) -> int:
        """Every difference found so far."""
        return sum(self.counts.values())


def drift_check(ctx: RunContext, client: JiraClient) -> str:
    """Compare the directory with Jira and store every difference; returns the run's message."""
    directory = ctx.run.directory
    policy = current_policy(directory.jira_site)
    recorder = DriftRecorder(ctx)
    ctx.phase("groups")
    listing = list_jira_groups(client, policy)
    ctx.phase("protected users")
    protected = read_protected_users(client, policy, group_names=listing.protected)
    ctx.phase("users")
    compare_users(ctx, client, recorder, protected=protected, listing=listing)
    ctx.phase("groups and memberships")
    compare_groups(ctx, client, recorder, policy=policy, listing=listing, protected=protected)
    recorder.flush()
    ctx.beat(force=True)
    if not recorder.total:
        return "No drift: Jira holds what the SCIM tables intend."
    counted = ", ".join(
        f"{recorder.counts[kind]} {label.lower()}"
        for kind, label in Kind.choices
        if recorder.counts[kind]
    )
    return f"{recorder.total} difference(s): {counted}."


# -- users --------------------------------------------------------------------------------


def intended_state(row: ScimUser) -> JiraUserState:
    """What Jira should hold of a row (a disabled-and-hidden user is an inactive Jira user)."""
    return jira_user_state(
        user_name=row.user_name,
        display_name=row.display_name,
        active=row.active if row.hidden_at is None else False,
        resource=row.resource or {},
    )


def _protection(
    row: ScimUser, facts: JiraUserFacts, protected: ProtectedUsers
) -> str | None:
    """Why the write-through would refuse to touch this user (its own rule), or None."""
    policy = protected.policy
    if policy.protects_user(name=row.user_name) or policy.protects_user(name=facts.name):
        return policy.user_reason(name=row.user_name)
    if row.origin != Origin.SCIM and protected.protects(key=facts.key, name=facts.name):
        return protected.reason(key=facts.key, name=facts.name)
    return None


def compare_user(
    recorder: DriftRecorder, row: ScimUser, facts: JiraUserFacts, protected: ProtectedUsers
) -> None:
    """Record how one linked user differs from Jira's (or that it is protected)."""
    reason = _protection(row, facts, protected)
    if reason is not None:
        recorder.add(
            Kind.PROTECTED, "user", row.user_name, user_id=row.pk, jira_key=facts.key,
            detail=f"Never changed through SCIM: {reason}.",
        )
        return
    state = intended_state(row)
    differences = []
    if state.email and (facts.email or "").casefold() != state.email.casefold():
        differences.append(("email", state.email, facts.email or ""))
    if (facts.display_name or "") != state.display_name:
        differences.append(("displayName", state.display_name, facts.display_name or ""))
    if facts.active != state.active:
        differences.append(("active", str(state.active).lower(), str(facts.active).lower()))
    for attribute, scim_value, jira_value in differences:
        recorder.add(
            Kind.ATTRIBUTE_DIFFERS, "user", row.user_name, user_id=row.pk, jira_key=facts.key,
            attribute=attribute, scim_value=scim_value, jira_value=jira_value,
        )


def compare_users(
    ctx: RunContext,
    client: JiraClient,
    recorder: DriftRecorder,
    *,
    protected: ProtectedUsers,
    listing: GroupListing,
) -> None:
    """Stream Jira's users against the rows; then the rows Jira's listing did not show."""
    directory = ctx.run.directory
    strategy = user_listing_strategy(client.version())
    jira_users = iter_jira_users(
        client,
        extra_groups=listing.names if strategy == "groups" else (),
        scope=directory.sync_group_names,
    )
    seen: set[str] = set()
    for batch in chunks(jira_users, settings.SYNC_BATCH_SIZE):
        fresh = [facts for facts in batch if facts.key not in seen]
        seen.update(facts.key for facts in fresh)
        ctx.count("users", "seen", len(fresh))
        rows = {
            row.jira_user_key: row
            for row in ScimUser.objects.filter(
                directory__jira_site_id=directory.jira_site_id,
                jira_user_key__in=[facts.key for facts in fresh],
            ).only(*USER_FIELDS)
        }
        for facts in fresh:
            row = rows.get(facts.key)
            if row is None:
                if not protected.protects(key=facts.key, name=facts.name):
                    recorder.add(
                        Kind.EXTRA_IN_JIRA, "user", facts.name, jira_key=facts.key,
                        jira_value=facts.email or "",
                        detail="No SCIM user of any directory maps this Jira user; reconcile "
                        "never deletes what SCIM did not create.",
                    )
            elif row.directory_id == directory.pk:
                compare_user(recorder, row, facts, protected)
        ctx.beat()
    _compare_unseen(ctx, client, recorder, seen=seen, protected=protected)


def _compare_unseen(
    ctx: RunContext,
    client: JiraClient,
    recorder: DriftRecorder,
    *,
    seen: set[str],
    protected: ProtectedUsers,
) -> None:
    """Rows whose Jira user the listing did not show: gone, never created, or out of its scope."""
    rows = (
        ScimUser.objects.filter(directory=ctx.run.directory)
        .order_by("pk")
        .values_list("pk", "user_name", "jira_user_key", "hidden_at")
    )
    for pk, user_name, key, hidden_at in rows.iterator(chunk_size=2000):
        if key and key in seen:
            continue
        if key:
            # Outside the listing (a sync scope, Jira 10.0-10.2's users in no group): ask.
            bean = client.find_user(key=key)
            if bean is not None and bean.get("name") is not None:
                row = ScimUser.objects.only(*USER_FIELDS).get(pk=pk)
                compare_user(recorder, row, JiraUserFacts.from_bean(bean), protected)
                continue
        if hidden_at is not None:
            continue  # deleted through SCIM and not in Jira: as intended
        recorder.add(
            Kind.MISSING_IN_JIRA, "user", user_name, user_id=pk, jira_key=key or "",
            detail=(
                f"The linked Jira user {key} is gone." if key
                else "Never created in Jira (shadow mode, or a write that did not reach Jira)."
            ),
        )
        ctx.beat()


# -- groups and memberships ---------------------------------------------------------------


def compare_groups(
    ctx: RunContext,
    client: JiraClient,
    recorder: DriftRecorder,
    *,
    policy: JiraPolicy,
    listing: GroupListing,
    protected: ProtectedUsers,
) -> None:
    """Each SCIM group: exists in Jira (unless protected), then its members both ways."""
    jira_names = {name.lower() for name in (*listing.names, *listing.protected)}
    groups = (
        ScimGroup.objects.filter(directory=ctx.run.directory)
        .order_by("display_name", "pk")
        .values_list("pk", "display_name", "jira_group_name", "origin")
    )
    for pk, display_name, linked, origin in list(groups):
        name = linked or display_name
        ctx.count("groups", "seen")
        if policy.protects_group(name):
            recorder.add(
                Kind.PROTECTED, "group", name, group_id=pk,
                detail=f"Never changed through SCIM: {policy.group_reason(name)}.",
            )
            continue
        exists = name.lower() in jira_names or (
            not listing.complete and client.find_group(name) is not None
        )
        if not exists:
            recorder.add(
                Kind.MISSING_IN_JIRA, "group", name, group_id=pk,
                detail=f"The linked Jira group {linked!r} is gone." if linked
                else "Never created in Jira (shadow mode, or a write that did not reach Jira).",
            )
            for user_id, user_name in _members(pk):
                recorder.add(
                    Kind.MEMBERSHIP_MISSING, "membership", f"{name}/{user_name}",
                    group_id=pk, user_id=user_id,
                )
                ctx.count("memberships", "seen")
            continue
        ctx.run.phase = f"memberships of {name}"
        try:
            _compare_members(
                ctx, client, recorder, pk, name, protected=protected,
                scim_created=origin == Origin.SCIM,
            )
        except JiraNotFound:
            ctx.error("group", name, "The Jira group disappeared during the drift check.")
        ctx.beat()


def _members(group_id: Any) -> Iterable[tuple[Any, str]]:
    return (
        ScimMembership.objects.filter(group_id=group_id, user__hidden_at__isnull=True)
        .order_by("user__user_name")
        .values_list("user_id", "user__user_name")
        .iterator(chunk_size=2000)
    )


def _compare_members(
    ctx: RunContext,
    client: JiraClient,
    recorder: DriftRecorder,
    group_id: Any,
    name: str,
    *,
    protected: ProtectedUsers,
    scim_created: bool,
) -> None:
    """One group's members both ways; memory holds this group's members only.

    A protected Jira user in the group (an administrator) is Jira's own: never an extra.
    Extra members are for reconcile to remove only from groups SCIM created: a group Sync
    mapped (an application-access group, say) keeps what Jira put in it, reported.
    """
    directory = ctx.run.directory
    intended: dict[str, tuple[Any, str]] = {}  # Jira key -> (user id, userName)
    rows = (
        ScimMembership.objects.filter(group_id=group_id, user__hidden_at__isnull=True)
        .values_list("user_id", "user__user_name", "user__jira_user_key")
        .iterator(chunk_size=2000)
    )
    for user_id, user_name, key in rows:
        if key:
            intended[key] = (user_id, user_name)
        else:  # the user is not in Jira yet: neither is the membership
            recorder.add(
                Kind.MEMBERSHIP_MISSING, "membership", f"{name}/{user_name}",
                group_id=group_id, user_id=user_id,
            )
    members = client.iter_group_members(name, page_size=MEMBER_PAGE_SIZE)
    for page in chunks(members, settings.SYNC_BATCH_SIZE):
        ctx.count("memberships", "seen", len(page))
        extra = [
            bean
            for bean in page
            if str(bean.get("key")) not in intended
            and not protected.protects(key=str(bean.get("key")), name=str(bean.get("name")))
        ]
        for bean in page:
            intended.pop(str(bean.get("key")), None)
        if extra:
            mine = dict(
                ScimUser.objects.filter(
                    directory=directory, jira_user_key__in=[str(b.get("key")) for b in extra]
                ).values_list("jira_user_key", "pk")
            )
            for bean in extra:
                key = str(bean.get("key"))
                if not scim_created:
                    user_id, detail = None, LEFT_ALONE_GROUP
                elif key in mine:
                    user_id, detail = mine[key], ""
                else:
                    user_id, detail = None, LEFT_ALONE_USER
                recorder.add(
                    Kind.MEMBERSHIP_EXTRA, "membership", f"{name}/{bean.get('name')}",
                    group_id=group_id, user_id=user_id, jira_key=key, detail=detail,
                )
        ctx.beat()
    for key, (user_id, user_name) in intended.items():
        recorder.add(
            Kind.MEMBERSHIP_MISSING, "membership", f"{name}/{user_name}",
            group_id=group_id, user_id=user_id, jira_key=key,
        )
