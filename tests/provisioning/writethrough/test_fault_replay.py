"""500 mixed SCIM operations against a Jira failing 20% of requests, retried as IdPs retry.

Every operation is retried on 503/429 until it succeeds, as Entra and Okta retry failed
objects. The operations come from a seeded generator and the faults from the fake Jira's
seeded RNG, so a failure replays. At the end Jira must hold exactly the intended state:
every user once with its attributes, every group with exactly its members, nothing left
over, and no journaled intent left unconsumed.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from configurations.models import Directory, JiraSite
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import JiraIntent, ScimGroup, ScimUser
from provisioning.services.apply import applier_override
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira, FaultRule
from tests.provisioning.conftest import ScimClient

from .conftest import members_op, replace_op, user_body
from .test_groups import group_body

OPERATIONS = 500
FAULT_RATE = 0.20
# Attempts per operation before the test calls it lost (an IdP would quarantine it). Every
# attempt repeats all of an operation's Jira calls, each failing 20% of the time.
MAX_ATTEMPTS = 60
# Share of each fault kind among the injected faults.
FAULT_MIX: list[tuple[str, dict[str, Any], float]] = [
    ("error", {"status": 500}, 0.25),
    ("error", {"status": 503}, 0.05),
    ("applied_then_error", {"status": 500}, 0.25),
    ("disconnect", {"apply": False}, 0.12),
    ("disconnect", {"apply": True}, 0.13),
    ("rate_limit", {"retry_after": 0.01}, 0.10),
    ("timeout", {"apply": False, "seconds": 0.15}, 0.05),
    ("timeout", {"apply": True, "seconds": 0.15}, 0.05),
]
# No retries inside the client (production: 3 for idempotent calls), no back-off between
# the applier's re-runs of a failed step (JIRA_BLIP_ATTEMPTS, default 3): the faults beyond
# them reach the IdP, whose retries must then converge.
CLIENT = {"timeout": 0.1, "backoff_factor": 0.0, "max_retries": 0, "max_retry_wait": 0.05}
DEFAULT_GROUP = "staff"


def install_faults(jira: FakeJira) -> list[FaultRule]:
    """Rules whose marginal probabilities add up to FAULT_RATE per Jira request."""
    rules = []
    left = 1.0  # probability that no earlier rule fired
    for kind, options, share in FAULT_MIX:
        marginal = FAULT_RATE * share
        rules.append(
            jira.add_fault(
                FaultRule(kind, "*", "/rest/api/2/*", probability=marginal / left, **options)
            )  # type: ignore[arg-type]
        )
        left -= marginal
    return rules


@dataclass
class User:
    """What the IdP believes of a user."""

    name: str
    email: str
    display: str
    active: bool = True
    password: str | None = None


@dataclass
class Group:
    """What the IdP believes of a group (Jira keeps the first name)."""

    name: str
    jira_name: str
    members: set[str] = field(default_factory=set)


@dataclass
class Replay:
    """The IdP side: two configurations (disable / delete on DELETE) and the intended state."""

    soft: ScimClient
    hard: ScimClient
    rng: random.Random
    users: dict[str, User] = field(default_factory=dict)  # SCIM id -> user
    hidden: dict[str, tuple[str, User]] = field(default_factory=dict)  # name -> (id, user)
    deleted: set[str] = field(default_factory=set)  # names of hard-deleted users
    groups: dict[str, Group] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=itertools.count)
    # Creation order of SCIM ids: ids are random UUIDs, so choices follow this to replay.
    order: dict[str, int] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    most_attempts: int = 0

    def send(self, label: str, call: Callable[[], Any], expected: int) -> Any:
        """Send until it succeeds, retrying 503/429 as an IdP does; fail on anything else."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = call()
            self.attempts[label] += 1
            self.statuses[response.status_code] += 1
            if response.status_code == expected:
                if attempt > 1:
                    self.retried[label] += 1
                self.most_attempts = max(self.most_attempts, attempt)
                return response
            if response.status_code not in (429, 503):
                pytest.fail(f"{label}: {response.status_code} {response.content[:400]!r}")
        pytest.fail(f"{label}: still failing after {MAX_ATTEMPTS} attempts")

    def fresh(self, prefix: str) -> str:
        """A name never used before."""
        return f"{prefix}{next(self.counter):04d}"

    # -- operations -------------------------------------------------------------------

    def create_user(self) -> None:
        name = self.fresh("u")
        user = User(name, f"{name}@example.com", f"User {name}")
        if self.rng.random() < 0.5:
            user.password = f"Pw-{name}-1"
        body = user_body(name, email=user.email, display_name=user.display)
        if user.password:
            body["password"] = user.password
        client = self.rng.choice([self.soft, self.hard])
        created = self.send("create user", lambda: client.post("Users", body), 201).json()
        self.users[created["id"]] = user
        self.order[created["id"]] = len(self.order)

    def restore_user(self) -> None:
        name = self.rng.choice(list(self.hidden))
        user_id, user = self.hidden.pop(name)
        user.active, user.display = True, f"Back {name}"
        body = user_body(name, email=user.email, display_name=user.display)
        created = self.send("restore user", lambda: self.soft.post("Users", body), 201).json()
        assert created["id"] == user_id
        self.users[user_id] = user

    def patch_user(self) -> None:
        user_id = self.rng.choice(self.ordered(self.users))
        user = self.users[user_id]
        what = self.rng.choice(["display", "email", "active", "password", "rename"])
        if what == "display":
            user.display = f"{user.display.split(' #')[0]} #{next(self.counter)}"
            ops = [replace_op("displayName", user.display)]
        elif what == "email":
            user.email = f"{self.fresh('mail')}@example.com"
            ops = [replace_op('emails[type eq "work"].value', user.email)]
        elif what == "active":
            user.active = not user.active
            ops = [replace_op(None, {"active": user.active})]
        elif what == "password":
            user.password = f"Pw-{self.fresh('p')}"
            ops = [replace_op("password", user.password)]
        else:  # rename and change the display name in one write: one Jira PUT
            user.name = self.fresh("r")
            user.display = f"Renamed {user.name}"
            ops = [replace_op("userName", user.name), replace_op("displayName", user.display)]
        self.send(f"patch user {what}", lambda: self.soft.patch_ops(f"Users/{user_id}", *ops), 200)

    def put_user(self) -> None:
        user_id = self.rng.choice(self.ordered(self.users))
        user = self.users[user_id]
        user.display = f"Put {next(self.counter)}"
        body = user_body(user.name, email=user.email, display_name=user.display)
        body["active"] = user.active
        self.send("put user", lambda: self.soft.put(f"Users/{user_id}", body), 200)

    def delete_user(self) -> None:
        user_id = self.rng.choice(self.ordered(self.users))
        user = self.users.pop(user_id)
        hard = self.rng.random() < 0.5
        client = self.hard if hard else self.soft
        self.send(
            f"delete user {'hard' if hard else 'soft'}",
            lambda: client.delete(f"Users/{user_id}"),
            204,
        )
        for group in self.groups.values():
            group.members.discard(user_id)
        if hard:
            self.deleted.add(user.name)
        else:
            user.active = False
            self.hidden[user.name] = (user_id, user)

    def create_group(self) -> None:
        name = self.fresh("g")
        members = self.sample_users(self.rng.randint(0, 2))
        body = group_body(name, *members)
        created = self.send("create group", lambda: self.soft.post("Groups", body), 201).json()
        self.groups[created["id"]] = Group(name, name, set(members))

    def add_members(self) -> None:
        group_id, group = self.pick_group()
        added = self.sample_users(self.rng.randint(1, 3))
        group.members |= set(added)
        op = members_op(self.rng.choice(["add", "Add"]), *added)
        self.send("add members", lambda: self.soft.patch_ops(f"Groups/{group_id}", op), 204)

    def remove_member(self) -> None:
        group_id, group = self.pick_group()
        if not group.members:
            return self.add_members()
        user_id = self.rng.choice(self.ordered(group.members))
        group.members.discard(user_id)
        op = {"op": "remove", "path": f'members[value eq "{user_id}"]'}
        self.send("remove member", lambda: self.soft.patch_ops(f"Groups/{group_id}", op), 204)
        return None

    def rename_group(self) -> None:
        group_id, group = self.pick_group()
        group.name = self.fresh("n")
        # Okta's shape: the new name with a membership change in one PATCH.
        added = self.sample_users(1)
        group.members |= set(added)
        ops = [replace_op(None, {"id": group_id, "displayName": group.name})]
        ops += [members_op("add", *added)] if added else []
        self.send("rename group", lambda: self.soft.patch_ops(f"Groups/{group_id}", *ops), 204)

    def put_group(self) -> None:
        # Okta's shape: the whole member list, one or two members different from before.
        group_id, group = self.pick_group()
        if group.members:
            group.members.discard(self.rng.choice(self.ordered(group.members)))
        group.members |= set(self.sample_users(self.rng.randint(0, 2)))
        body = group_body(group.name, *self.ordered(group.members))
        self.send("put group", lambda: self.soft.put(f"Groups/{group_id}", body), 200)

    def delete_group(self) -> None:
        group_id, _ = self.pick_group()
        del self.groups[group_id]
        self.send("delete group", lambda: self.soft.delete(f"Groups/{group_id}"), 204)

    # -- helpers ----------------------------------------------------------------------

    def ordered(self, user_ids: Any) -> list[str]:
        return sorted(user_ids, key=self.order.__getitem__)

    def sample_users(self, count: int) -> list[str]:
        return self.rng.sample(self.ordered(self.users), min(count, len(self.users)))

    def pick_group(self) -> tuple[str, Group]:
        group_id = self.rng.choice(list(self.groups))
        return group_id, self.groups[group_id]

    def step(self) -> None:
        """One operation, weighted like a busy IdP (many creates and member changes)."""
        choices: list[tuple[Callable[[], None], int]] = [(self.create_user, 22)]
        if self.hidden:
            choices.append((self.restore_user, 4))
        if self.users:
            choices += [
                (self.patch_user, 22),
                (self.put_user, 5),
                (self.delete_user, 8),
                (self.create_group, 7),
            ]
        if self.groups and self.users:
            choices += [(self.add_members, 16), (self.remove_member, 8)]
        if self.groups:
            choices += [(self.rename_group, 3), (self.put_group, 3), (self.delete_group, 3)]
        operations, weights = zip(*choices, strict=True)
        self.rng.choices(operations, weights)[0]()


def assert_jira_matches(jira: FakeJira, replay: Replay, directory: Directory) -> None:
    """Jira holds exactly what the IdP intended, and the tables link to it."""
    intended = {user.name: user for user in replay.users.values()}
    intended |= {name: user for name, (_, user) in replay.hidden.items()}
    users = {u.name: u for u in jira.users.values() if u.name != jira.admin_username}
    assert sorted(users) == sorted(intended), "Jira users differ (duplicates or losses)"
    for name, want in intended.items():
        got = users[name]
        assert (got.email, got.display_name, got.active) == (want.email, want.display, want.active)
        if want.password:
            assert got.password == want.password, name
    assert not replay.deleted & set(users)

    builtin = {
        "jira-administrators",
        "jira-system-administrators",
        "jira-software-users",
        "jira-servicedesk-users",
        "jira-core-users",
        DEFAULT_GROUP,
    }
    scim_groups = {group.jira_name for group in replay.groups.values()}
    assert set(jira.groups) == builtin | scim_groups, "Jira groups differ"
    names = {user_id: user.name for user_id, user in replay.users.items()}
    for group in replay.groups.values():
        assert jira.members(group.jira_name) == {names[m] for m in group.members}, group.name
    # A default group keeps disabled users; hard-deleted ones left it with their account.
    assert jira.members(DEFAULT_GROUP) == set(intended)

    rows = {row.user_name: row for row in ScimUser.objects.filter(directory=directory)}
    assert sorted(rows) == sorted(intended)
    for name, row_ in rows.items():
        assert row_.jira_user_key == users[name].key
        assert row_.jira_confirmed_at is not None
        assert row_.is_hidden == (name in replay.hidden)
    groups = ScimGroup.objects.filter(directory=directory)
    assert {g.jira_group_name for g in groups} == scim_groups
    assert not JiraIntent.objects.exists(), "journaled creates left unconsumed"


@pytest.mark.django_db
@pytest.mark.parametrize("blip_attempts", [1, 3], ids=["blips-off", "blips-absorbed"])
def test_fault_replay_converges(
    fake_jira_factory: Callable[..., FakeJira], settings: Any, blip_attempts: int
) -> None:
    """500 operations, 20% of Jira requests failing: Jira ends exactly as intended.

    Blips off, every fault reaches the IdP; with the applier's re-runs most are absorbed.
    """
    settings.JIRA_BLIP_ATTEMPTS = blip_attempts
    jira = fake_jira_factory("9.12.4", seed=20240607)
    site = JiraSite(name="faulty jira", base_url=jira.url, timeout=CLIENT["timeout"])
    site.set_secret(jira.admin_token)
    site.save()
    directory = directory_get_or_create(name="Replay", jira_site=site)
    _, soft = scim_configuration_create(
        name="soft", directory=directory, default_groups=DEFAULT_GROUP
    )
    _, hard = scim_configuration_create(
        name="hard", directory=directory, delete_users=True, default_groups=DEFAULT_GROUP
    )
    replay = Replay(ScimClient(soft.token), ScimClient(hard.token), random.Random(42))
    rules = install_faults(jira)

    started = time.monotonic()
    with applier_override(JiraApplier(**CLIENT)):
        for _ in range(OPERATIONS):
            replay.step()
    elapsed = time.monotonic() - started

    faulted = sum(rule.fired for rule in rules)
    requests = len(jira.requests())
    jira.clear_faults()
    print(  # the figures behind the claim; shown with pytest -s
        f"\n{OPERATIONS} operations in {elapsed:.1f} s: {sum(replay.attempts.values())} SCIM "
        f"requests ({dict(replay.statuses)}), {sum(replay.retried.values())} operations "
        f"needed retries (at most {replay.most_attempts} attempts); {requests} Jira requests, "
        f"{faulted} faults "
        f"({faulted / requests:.1%}): "
        + ", ".join(f"{rule.kind}{'+apply' if rule.apply else ''}={rule.fired}" for rule in rules)
        + f"; final: {len(replay.users)} users, {len(replay.hidden)} disabled, "
        f"{len(replay.deleted)} deleted, {len(replay.groups)} groups"
    )
    assert_jira_matches(jira, replay, directory)
    assert 0.15 < faulted / requests < 0.25
    if blip_attempts == 1:
        # The faults reached the IdP (some were absorbed by re-reading after a create).
        assert replay.statuses[503] > 150
    else:
        # Most faults never reached the IdP: only runs of them longer than the attempts.
        assert replay.statuses[503] < 50
