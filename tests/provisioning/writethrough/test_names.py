"""Names are trimmed before they reach Jira, control characters refused (issue #18, item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.models import ScimGroup, ScimUser
from tests.fakejira import FakeJira
from tests.provisioning.conftest import GROUP_SCHEMA, ScimClient, assert_scim_error

from .conftest import members_op, replace_op, user_body

pytestmark = pytest.mark.django_db


def _group(idp: ScimClient, name: str) -> Any:
    return idp.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})


class TestUserNames:
    """userName as Jira holds it."""

    def test_untrimmed_user_name(self, idp: ScimClient, jira: FakeJira) -> None:
        body = user_body("ws1", email="ws1@x.com")
        body["userName"] = " ws1@x.com "
        response = idp.post("Users", body)
        assert response.status_code == 201, response.content
        assert response.json()["userName"] == "ws1@x.com"
        row = ScimUser.objects.get()
        assert row.user_name == "ws1@x.com"
        assert row.jira_user_key == jira.user("ws1@x.com").key
        # The IdP's retry of the same body is the same user, not a second one.
        assert_scim_error(idp.post("Users", body), 409, "uniqueness")
        assert ScimUser.objects.count() == 1

    def test_patch_and_put_trim(self, idp: ScimClient, jira: FakeJira) -> None:
        user = idp.create_user("ws2", **{k: v for k, v in user_body("ws2").items() if k in
                                         ("emails", "displayName")})
        response = idp.patch_ops(f"Users/{user['id']}", replace_op("userName", "  ws3 "))
        assert response.status_code == 200, response.content
        assert response.json()["userName"] == "ws3"
        assert jira.user("ws3") is not None
        body = user_body("ws4")
        body["userName"] = "\tws4\n"
        response = idp.put(f"Users/{user['id']}", body)
        assert response.status_code == 200, response.content
        assert ScimUser.objects.get().user_name == "ws4"
        assert jira.user("ws4") is not None

    @pytest.mark.parametrize("name", ["ws\t5", "ws\n5", "ws\x015", "ws\x7f5"])
    def test_control_characters_refused(self, idp: ScimClient, jira: FakeJira, name: str) -> None:
        body = user_body("ws5")
        body["userName"] = name
        assert_scim_error(idp.post("Users", body), 400, "invalidValue")
        assert not ScimUser.objects.exists()
        assert not jira.requests("POST", "/rest/api/2/user")

    def test_v1_trims(self, idp: ScimClient, jira: FakeJira) -> None:
        v1 = ScimClient(idp.token, base="/scim/v1")
        response = v1.post(
            "Users",
            {
                "schemas": ["urn:scim:schemas:core:1.0"],
                "userName": " ws6 ",
                "emails": [{"value": "ws6@example.com", "primary": True}],
                "displayName": "WS 6",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["userName"] == "ws6"
        assert jira.user("ws6") is not None


class TestGroupNames:
    """Group displayName as Jira holds it."""

    @pytest.mark.parametrize("sent", [" g1 ", "\tg1", "g1\r\n"])
    def test_untrimmed_display_name(self, idp: ScimClient, jira: FakeJira, sent: str) -> None:
        response = _group(idp, sent)
        assert response.status_code == 201, response.content
        assert response.json()["displayName"] == "g1"
        group = ScimGroup.objects.get()
        assert (group.display_name, group.jira_group_name) == ("g1", "g1")
        user = idp.create_user("member", **{k: v for k, v in user_body("member").items() if k in
                                            ("emails", "displayName")})
        added = idp.patch_ops(f"Groups/{group.pk}", members_op("add", user["id"]))
        assert added.status_code == 204, added.content
        assert jira.is_member("g1", "member")
        assert_scim_error(_group(idp, sent), 409, "uniqueness")

    def test_unchanged_name_with_spaces_is_no_rename(self, idp: ScimClient) -> None:
        group = idp.create_group("g2")
        response = idp.patch_ops(f"Groups/{group['id']}", replace_op("displayName", " g2 "))
        assert response.status_code == 204, response.content
        assert ScimGroup.objects.get().display_name == "g2"

    def test_control_character_refused(self, idp: ScimClient, jira: FakeJira) -> None:
        assert_scim_error(_group(idp, "g\x003"), 400)
        assert_scim_error(_group(idp, "g\t3"), 400, "invalidValue")
        assert not ScimGroup.objects.exists()
        assert not jira.requests("POST", "/rest/api/2/group")
