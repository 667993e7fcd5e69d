"""SCIM Bulk against the fake Jira over HTTP: 1,000 operations, bulkIds, faults.

The operations come from a seeded generator (users, groups whose members are `bulkId:`
references, PATCHes of both addressed by bulkId), shuffled so that many references point
forward. Jira fails a share of its requests; the applier absorbs most blips and the rest
fail their operation. Whatever each operation answers, Jira must end exactly as the
BulkResponse reports: every operation reported a success applied whole, every other one
(failed, depending on a failed one, not run after failOnErrors) not applied at all.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings

from provisioning.models import JiraIntent, ScimGroup, ScimUser
from provisioning.services.apply import applier_override
from provisioning.writethrough.applier import JiraApplier
from tests.fakejira import FakeJira, FaultRule
from tests.provisioning.conftest import GROUP_SCHEMA, ScimClient

from .conftest import MakeIdp, members_op, user_body

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
FAULT_RATE = 0.15
CLIENT = {"timeout": 0.5, "backoff_factor": 0.0, "max_retries": 0, "max_retry_wait": 0.05}
FAULTS: list[tuple[str, dict[str, Any], float]] = [
    ("error", {"status": 500}, 0.4),
    ("applied_then_error", {"status": 500}, 0.3),
    ("disconnect", {"apply": True}, 0.2),
    ("rate_limit", {"retry_after": 0.01}, 0.1),
]


@dataclass
class Plan:
    """The operations sent and what each one means for Jira if it succeeds."""

    operations: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # bulkId -> userName
    groups: dict[str, str] = field(default_factory=dict)  # bulkId -> displayName
    initial: dict[str, list[str]] = field(default_factory=dict)  # group bulkId -> user bulkIds
    added: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # op -> (group, users)
    disabled: dict[int, str] = field(default_factory=dict)  # op -> user bulkId


def make_plan(count: int, seed: int) -> Plan:
    """`count` operations: 70% user creates, 15% group creates, 10% member adds, 5% disables."""
    rng = random.Random(seed)
    plan = Plan()
    user_ids = [f"u{i}" for i in range(count * 70 // 100)]
    group_ids = [f"g{i}" for i in range(count * 15 // 100)]
    operations: list[dict[str, Any]] = []
    for bulk_id in user_ids:
        plan.users[bulk_id] = f"bulk-{bulk_id}"
        body = user_body(f"bulk-{bulk_id}")
        operations.append({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": body})
    for bulk_id in group_ids:
        plan.groups[bulk_id] = f"bulk-{bulk_id}"
        plan.initial[bulk_id] = rng.sample(user_ids, rng.randint(0, 4))
        members = [{"value": f"bulkId:{u}"} for u in plan.initial[bulk_id]]
        data = {"schemas": [GROUP_SCHEMA], "displayName": f"bulk-{bulk_id}", "members": members}
        operations.append({"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data})
    patches: list[tuple[str, Any]] = []
    for _ in range(count * 10 // 100):
        group, users = rng.choice(group_ids), rng.sample(user_ids, rng.randint(1, 3))
        patches.append(("add", (group, users)))
    disables = rng.sample(user_ids, count - len(operations) - len(patches))
    patches.extend(("disable", user) for user in disables)
    operations += [{"patch": patch} for patch in patches]
    rng.shuffle(operations)
    for index, operation in enumerate(operations):
        if "patch" not in operation:
            continue
        kind, what = operation.pop("patch")
        if kind == "add":
            group, users = what
            plan.added[index] = (group, users)
            op = members_op("add", *[f"bulkId:{u}" for u in users])
            operation.update(method="PATCH", path=f"/Groups/bulkId:{group}")
        else:
            plan.disabled[index] = what
            op = {"op": "replace", "path": "active", "value": False}
            operation.update(method="PATCH", path=f"/Users/bulkId:{what}")
        operation["data"] = {"schemas": [PATCH_OP], "Operations": [op]}
    plan.operations = operations
    return plan


def install_faults(jira: FakeJira) -> list[FaultRule]:
    """Faults on FAULT_RATE of the Jira requests (see test_fault_replay.py)."""
    rules, left = [], 1.0
    for kind, options, share in FAULTS:
        marginal = FAULT_RATE * share
        rule = FaultRule(kind, "*", "/rest/api/2/*", probability=marginal / left, **options)  # type: ignore[arg-type]
        rules.append(jira.add_fault(rule))
        left -= marginal
    return rules


def send(idp: ScimClient, operations: list[dict[str, Any]], **fields: Any) -> list[Any]:
    """POST the Bulk request; the answer of each operation by its index (None: not run)."""
    body = {"schemas": [BULK], "Operations": operations, **fields}
    response = idp.post("Bulk", body)
    assert response.status_code == 200, response.content[:500]
    answered = response.json()["Operations"]
    answers: list[Any] = [None] * len(operations)
    position = 0  # answers come in request order, a subsequence of the operations
    for answer in answered:
        while (operations[position]["method"], operations[position].get("bulkId")) != (
            answer["method"],
            answer.get("bulkId"),
        ):
            position += 1
        answers[position] = answer
        position += 1
    return answers


def status(answer: Any) -> str | None:
    """The operation's status, None when it was not run."""
    return None if answer is None else answer["status"]


def check(jira: FakeJira, plan: Plan, statuses: list[str | None], *, exact: bool) -> None:
    """The SCIM tables hold exactly what the successful operations did, and Jira too.

    Not exact (after faults): Jira may also hold what a failed operation's Jira call applied
    before its answer was lost (the operation answered 503, nothing stored), which the
    intent journal names for a create and a re-send makes good; never anything else.
    """
    index_of = {op["bulkId"]: i for i, op in enumerate(plan.operations) if "bulkId" in op}
    created = {b for b in plan.users if statuses[index_of[b]] == "201"}
    groups = {b for b in plan.groups if statuses[index_of[b]] == "201"}
    disabled = {u for i, u in plan.disabled.items() if statuses[i] == "200"}
    for group in groups:  # a group created with its members: every one of them was created
        assert set(plan.initial[group]) <= created, group
    members = {g: set(plan.initial[g]) for g in groups}
    for index, (group, users) in plan.added.items():
        if statuses[index] == "204":
            assert group in groups
            assert set(users) <= created
            members[group] |= set(users)
    names = {plan.users[b] for b in created}
    group_names = {plan.groups[g] for g in groups}
    assert set(ScimUser.objects.values_list("user_name", flat=True)) == names
    assert set(ScimUser.objects.filter(active=False).values_list("user_name", flat=True)) == {
        plan.users[u] for u in disabled
    }
    assert set(ScimGroup.objects.values_list("display_name", flat=True)) == group_names
    for group in groups:
        stored = ScimGroup.objects.get(display_name=plan.groups[group])
        assert set(stored.memberships.values_list("user__user_name", flat=True)) == {
            plan.users[u] for u in members[group]
        }

    in_jira = {u.name for u in jira.users.values() if u.name != jira.admin_username}
    jira_groups = {name for name in jira.groups if name.startswith("bulk-")}
    journaled = set(JiraIntent.objects.values_list("jira_name", flat=True))
    if exact:
        assert in_jira == names
        assert jira_groups == group_names
        assert not journaled, "journaled creates left unconsumed"
    else:
        assert names <= in_jira
        assert in_jira - names <= journaled
        assert group_names <= jira_groups
        assert jira_groups - group_names <= journaled
    for bulk_id in created:
        if exact or bulk_id in disabled:
            assert jira.user(plan.users[bulk_id]).active is (bulk_id not in disabled), bulk_id
    for group in groups:
        expected = {plan.users[u] for u in members[group]}
        actual = jira.members(plan.groups[group])
        assert actual == expected if exact else expected <= actual, group


def resend(idp: ScimClient, plan: Plan, answers: list[Any]) -> list[Any]:
    """Send again every operation that did not succeed, as an IdP retries failed objects:
    references to what the first request created now carry the ids it answered."""
    ids = {
        answer["bulkId"]: answer["location"].rsplit("/", 1)[1]
        for answer in answers
        if answer and answer["status"] == "201"
    }
    again = []
    for operation, answer in zip(plan.operations, answers, strict=True):
        if status(answer) in SUCCESS:
            continue
        text = json.dumps(operation)
        for bulk_id, resource_id in ids.items():
            text = text.replace(f'bulkId:{bulk_id}"', f'{resource_id}"')
        again.append(json.loads(text))
    second = iter(send(idp, again))
    return [answer if status(answer) in SUCCESS else next(second) for answer in answers]


def run(
    make_idp: MakeIdp, jira: FakeJira, count: int, *, faults: bool, **fields: Any
) -> list[str | None]:
    """Send a plan of `count` operations, check Jira against the answers; with faults, send
    the failed ones again without faults and check that Jira then holds the whole plan.

    With faults, neither the client nor the applier repeats a failed Jira call (no retries,
    JIRA_BLIP_ATTEMPTS=1): every fault fails its operation, so that many operations fail,
    and more depend on a failed one.
    """
    plan = make_plan(count, seed=count)
    idp, _ = make_idp(f"bulk-{count}")
    started = time.monotonic()
    if faults:
        rules = install_faults(jira)
        with override_settings(JIRA_BLIP_ATTEMPTS=1), applier_override(JiraApplier(**CLIENT)):
            answers = send(idp, plan.operations, **fields)
        jira.clear_faults()
    else:
        rules, answers = [], send(idp, plan.operations, **fields)
    elapsed = time.monotonic() - started
    statuses = [status(answer) for answer in answers]
    print(  # the figures; shown with pytest -s
        f"\n{count} bulk operations in {elapsed:.1f} s: "
        f"{dict(Counter(statuses))}; {len(jira.requests())} Jira requests, "
        f"{sum(r.fired for r in rules)} faults"
    )
    check(jira, plan, statuses, exact=not faults)
    if faults:
        final = [status(answer) for answer in resend(idp, plan, answers)]
        assert all(s in SUCCESS for s in final), Counter(final)
        check(jira, plan, final, exact=True)
    return statuses


# In CI: 100 operations with faults, 40 for the other cases; the 1,000 of the issue take
# 60-115 s each on a loaded 2-core machine (about the cost of 1,000 single requests), so
# they run with SCIMBRIDGE_SLOW_TESTS=1.
SLOW = [
    pytest.param(
        1000,
        marks=[
            pytest.mark.slow,
            pytest.mark.skipif(
                not os.environ.get("SCIMBRIDGE_SLOW_TESTS"),
                reason="SCIMBRIDGE_SLOW_TESTS=1 runs it",
            ),
        ],
    ),
]
SUCCESS = ("200", "201", "204")


@pytest.fixture(autouse=True)
def _no_bulk_budget(settings: Any) -> None:
    """These tests are about the state, not time: a loaded machine must not reach the budget
    (60 s; 1,000 operations take ~60 s on 2 shared cores), which answers the rest 503."""
    settings.SCIM_BULK_BUDGET_SECONDS = 900


class TestBulkAgainstJira:
    """Jira ends as the BulkResponse says, with and without faults and failOnErrors."""

    @pytest.mark.parametrize("count", [40, *SLOW])
    def test_no_faults_every_operation_succeeds(
        self, make_idp: MakeIdp, jira: FakeJira, count: int
    ) -> None:
        statuses = run(make_idp, jira, count, faults=False)
        assert set(statuses) == set(SUCCESS)

    @pytest.mark.parametrize("count", [100, *SLOW])
    def test_faults_fail_their_operations_only(
        self, make_idp: MakeIdp, jira: FakeJira, count: int
    ) -> None:
        statuses = run(make_idp, jira, count, faults=True)
        assert None not in statuses
        assert "503" in statuses  # Jira's own failures
        assert "409" in statuses  # operations depending on a failed POST
        assert sum(s in SUCCESS for s in statuses) > count // 2

    @pytest.mark.parametrize("count", [40, *SLOW])
    def test_fail_on_errors_stops_with_faults(
        self, make_idp: MakeIdp, jira: FakeJira, count: int
    ) -> None:
        statuses = run(make_idp, jira, count, faults=True, failOnErrors=3)
        assert sum(s is not None and s not in SUCCESS for s in statuses) == 3
        assert None in statuses  # the rest was not run
