"""What one `POST /Users` costs: its SQL statements, its Jira calls, its Jira connections.

The statements are listed, not only counted, so that a change that brings one back (a
savepoint, a re-read of the journal) names itself. Transactional tests: the write's own
COMMIT, and what runs after it, are part of the cost.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configurations.models import JiraSite, ScimConfiguration
from provisioning.models import JiraIntent, ScimUser
from tests.fakejira import FakeJira

from .conftest import MakeIdp, user_body

pytestmark = pytest.mark.django_db(transaction=True)

# BEGIN; one read of what the create must know first (a user of that userName, the
# configuration's stored mode, a journaled create of the name); the user; its value rows;
# the Jira link; COMMIT. (That the site has no outage record to end is cached.)
CREATE = [
    "BEGIN",
    "SELECT configurations_directory",
    "INSERT provisioning_scimuser",
    "INSERT provisioning_scimuservalue",
    "UPDATE provisioning_scimuser",
    "COMMIT",
]


def statement(sql: str) -> str:
    """`VERB table` of one captured statement (the table outside any subquery)."""
    words = sql.replace('"', "").replace("(", " ( ").replace(")", " ) ").split()
    verb = words[0].upper()
    if verb in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
        return verb
    keyword = {"SELECT": "FROM", "INSERT": "INTO", "DELETE": "FROM", "UPDATE": "UPDATE"}[verb]
    depth = 0
    for position, word in enumerate(words):
        depth += {"(": 1, ")": -1}.get(word, 0)
        if depth == 0 and word.upper() == keyword:
            return f"{verb} {words[position + 1].split('.')[0]}"
    raise AssertionError(f"no table in {sql!r}")


def created_with_statements(idp: Any, name: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = idp.post("Users", user_body(name))
    return response, [statement(query["sql"]) for query in captured.captured_queries]


class TestStatements:
    """The SQL of one create, after a first request warmed the credential's `last_used_at`."""

    def test_a_create_runs_these_statements(self, make_idp: MakeIdp) -> None:
        idp, _ = make_idp()
        assert idp.post("Users", user_body("first")).status_code == 201
        response, statements = created_with_statements(idp, "ada")
        assert response.status_code == 201, response.content
        assert statements == CREATE

    def test_a_conflict_rolls_back_without_a_savepoint(self, make_idp: MakeIdp) -> None:
        idp, _ = make_idp()
        assert idp.post("Users", user_body("ada")).status_code == 201
        response, statements = created_with_statements(idp, "ADA")
        assert response.status_code == 409
        assert "SAVEPOINT" not in statements
        assert "INSERT provisioning_scimuser" not in statements  # the lookup found it

    def test_a_journaled_name_is_spent(self, make_idp: MakeIdp, wt_directory: Any) -> None:
        """An intent left by an earlier attempt whose POST Jira never applied is deleted."""
        idp, _ = make_idp()
        assert idp.post("Users", user_body("first")).status_code == 201
        JiraIntent.objects.create(
            directory=wt_directory, kind=JiraIntent.Kind.USER, jira_name="ADA"
        )
        response, statements = created_with_statements(idp, "ada")
        assert response.status_code == 201
        assert "DELETE provisioning_jiraintent" in statements
        assert not JiraIntent.objects.exists()

    def test_the_stored_mode_is_followed(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        """The mode is read in the write's transaction, not taken from the request's copy."""
        idp, configuration = make_idp()
        assert idp.post("Users", user_body("first")).status_code == 201  # cached, live
        # Not through the service: the credential cache's copy still says "live".
        ScimConfiguration.objects.filter(pk=configuration.pk).update(mode="shadow")
        jira.clear_requests()
        assert idp.post("Users", user_body("ada")).status_code == 201
        assert not jira.requests("POST")
        assert ScimUser.objects.get(user_name="ada").jira_user_key is None


class TestJiraCalls:
    """One POST per create; default groups and applications add no lookup."""

    def test_a_plain_create_is_one_post(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        idp, _ = make_idp()
        jira.clear_requests()
        assert idp.post("Users", user_body("ada")).status_code == 201
        assert [(r.method, r.path) for r in jira.requests()] == [("POST", "/rest/api/2/user")]

    def test_default_groups_and_applications(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        idp, _ = make_idp(default_groups=["staff"], application_keys=["jira-software"])
        jira.seed_group("staff")
        jira.clear_requests()
        assert idp.post("Users", user_body("ada")).status_code == 201
        calls = [(r.method, r.path, r.arg("groupname")) for r in jira.requests()]
        assert calls == [
            ("POST", "/rest/api/2/user", None),
            ("POST", "/rest/api/2/group/user", "staff"),
        ]
        assert jira.requests("POST", "/rest/api/2/user")[0].body["applicationKeys"] == [
            "jira-software"
        ]


class TestKeptConnections:
    """Writes of one thread reuse the site's client and its keep-alive connection."""

    def test_creates_share_one_connection(self, make_idp: MakeIdp, jira: FakeJira) -> None:
        idp, _ = make_idp()
        before = jira.connections_accepted
        for name in ("ada", "grace", "linus"):
            assert idp.post("Users", user_body(name)).status_code == 201
        assert jira.connections_accepted - before <= 1

    def test_off_means_a_connection_per_write(
        self, make_idp: MakeIdp, jira: FakeJira, settings: Any
    ) -> None:
        settings.JIRA_KEEPALIVE_SECONDS = 0
        idp, _ = make_idp()
        before = jira.connections_accepted
        for name in ("ada", "grace", "linus"):
            assert idp.post("Users", user_body(name)).status_code == 201
        assert jira.connections_accepted - before == 3

    def test_a_new_token_is_used_at_once(
        self, make_idp: MakeIdp, jira: FakeJira, site: JiraSite
    ) -> None:
        idp, _ = make_idp()
        assert idp.post("Users", user_body("ada")).status_code == 201
        site.set_secret("revoked-token")
        site.save()
        assert idp.post("Users", user_body("grace")).status_code == 503
        site.set_secret(jira.admin_token)
        site.save()
        assert idp.post("Users", user_body("grace")).status_code == 201
        tokens = {r.headers.get("Authorization") for r in jira.requests("POST")}
        assert tokens == {f"Bearer {jira.admin_token}", "Bearer revoked-token"}
