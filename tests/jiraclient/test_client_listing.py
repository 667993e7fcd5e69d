"""Listing every user (one strategy per Jira version) and streaming group members."""

from __future__ import annotations

import pytest

from jiraclient import JiraNotFound
from jiraclient.paging import user_listing_strategy

USERS = 2500  # several pages on every strategy


def _seed(fake):
    """Thousands of users in the default application group, plus a few odd ones."""
    fake.seed_users(USERS, groups=["jira-software-users"])
    fake.seed_user("inactive1", active=False, groups=["jira-core-users"])
    fake.seed_user("in-two-roles", groups=["jira-software-users", "jira-servicedesk-users"])


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        # user/search pages of 1000 until an empty page: 3 pages + the empty one
        ("8.20.10", ("search", "/rest/api/2/user/search", 4)),
        ("9.12.4", ("search", "/rest/api/2/user/search", 4)),
        # group/member pages are capped at 50 by the fake: 51 pages for the 2502 members of
        # jira-software-users, 1 for jira-servicedesk-users, 1 for jira-core-users
        ("10.1.0", ("groups", "/rest/api/2/group/member", 53)),
        ("10.3.0", ("list", "/rest/api/2/user/list", 3)),
        ("11.3.0", ("list", "/rest/api/2/user/list", 3)),
    ],
)
def test_iter_all_users_per_version(fake_jira_factory, client_for, version, expected):
    strategy, path, expected_requests = expected
    fake = fake_jira_factory(version)
    _seed(fake)
    jira = client_for(fake, username="admin", password="admin")  # Basic works on every version
    assert user_listing_strategy(jira.version()) == strategy
    fake.clear_requests()
    users = list(jira.iter_all_users(page_size=1000))
    keys = [u["key"] for u in users]
    assert len(keys) == len(set(keys)) == USERS + 3  # + admin, inactive1, in-two-roles
    assert "inactive1" in {u["name"] for u in users}
    requests_made = fake.requests("GET", path)
    assert len(requests_made) == expected_requests
    assert all(r.status == 200 for r in fake.requests())


def test_listing_streams_page_by_page(fake_jira_factory, client_for):
    fake = fake_jira_factory("10.3.0")
    fake.seed_users(USERS)
    jira = client_for(fake)
    jira.version()
    fake.clear_requests()
    stream = jira.iter_all_users(page_size=500)
    assert fake.requests() == []  # nothing fetched before iteration starts
    first = [next(stream) for _ in range(500)]
    assert len(fake.requests()) == 1
    next(stream)
    assert len(fake.requests()) == 2
    assert len(first) + 1 + sum(1 for _ in stream) == USERS + 1


def test_search_strategy_survives_a_lower_server_cap(fake_jira_factory, client_for):
    fake = fake_jira_factory("9.12.4", features={"search_page_cap": 300})
    fake.seed_users(1000)
    users = list(client_for(fake).iter_all_users(page_size=1000))
    assert len(users) == 1001  # short pages do not end the listing early


def test_why_search_is_not_used_on_10x(fake_jira_factory, client_for):
    fake = fake_jira_factory("10.1.0")
    fake.seed_users(250)
    assert len(list(client_for(fake).iter_all_users(strategy="search"))) == 100


def test_groups_strategy_lists_extra_groups_too(fake_jira_factory, client_for):
    fake = fake_jira_factory("10.2.0")
    fake.seed_users(120, groups=["jira-software-users"])
    fake.seed_users(30, prefix="contractor", groups=["contractors"])
    jira = client_for(fake)
    assert len(list(jira.iter_all_users())) == 121
    assert len(list(jira.iter_all_users(extra_groups=["contractors"]))) == 151


def test_strategy_can_be_forced(fake_jira_factory, client_for):
    fake = fake_jira_factory("10.3.0")
    fake.seed_users(20)
    jira = client_for(fake)
    assert len(list(jira.iter_all_users(strategy="search"))) == 21
    with pytest.raises(ValueError, match="strategy"):
        jira.iter_all_users(strategy="nope")


def test_iter_group_members_streams_every_page(fake_jira, client):
    fake_jira.seed_users(230, groups=["big"])
    fake_jira.seed_user("off", active=False, groups=["big"])
    stream = client.iter_group_members("big")
    next(stream)
    assert len(fake_jira.requests()) == 1
    assert len(list(stream)) == 230  # 231 in total with the inactive one
    assert len(fake_jira.requests()) == 5
    active = list(client.iter_group_members("big", include_inactive=False))
    assert len(active) == 230
    starts = [r.arg("startAt") for r in fake_jira.requests("GET", "/rest/api/2/group/member")]
    assert starts[:5] == ["0", "50", "100", "150", "200"]


def test_iter_group_members_does_not_follow_next_page_links(fake_jira_factory, client_for):
    fake = fake_jira_factory(advertised_base_url="http://jira.internal.invalid:8080")
    fake.seed_users(120, groups=["big"])
    assert len(list(client_for(fake).iter_group_members("big"))) == 120


def test_iter_group_members_of_a_missing_group(client):
    with pytest.raises(JiraNotFound):
        list(client.iter_group_members("nope"))
