"""A configuration reaches only its own directory's users and groups."""

from __future__ import annotations

from typing import Any

import pytest

from configurations.services import directory_get_or_create, scim_configuration_create

from .conftest import SEARCH_SCHEMA, ScimClient, assert_scim_error, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(db: Any) -> ScimClient:
    """A client of a configuration on another directory."""
    directory = directory_get_or_create(name="other", jira_site=make_site("other-site"))
    _, credentials = scim_configuration_create(name="stranger", directory=directory)
    return ScimClient(credentials.token)


def test_other_directories_are_invisible(scim: ScimClient, stranger: ScimClient) -> None:
    user = scim.create_user("ann")
    group = scim.create_group("g", [user["id"]])
    for path in (f"Users/{user['id']}", f"Groups/{group['id']}"):
        assert_scim_error(stranger.get(path), 404)
        assert_scim_error(stranger.put(path, {"userName": "x", "displayName": "x"}), 404)
        assert_scim_error(stranger.patch_ops(path, {"op": "remove", "path": "title"}), 404)
        assert_scim_error(stranger.delete(path), 404)
    assert stranger.get("Users").json()["totalResults"] == 0
    assert stranger.get("Groups", filter='displayName eq "g"').json()["totalResults"] == 0
    assert stranger.post(".search", {"schemas": [SEARCH_SCHEMA]}).json()["totalResults"] == 0
    # The same names are free there, and members cannot come from elsewhere.
    mine = stranger.create_user("ann")
    response = stranger.post("Groups", {"displayName": "g", "members": [{"value": user["id"]}]})
    assert_scim_error(response, 400, "invalidValue")
    assert stranger.create_group("g", [mine["id"]])["members"][0]["value"] == mine["id"]
    assert scim.get(f"Users/{user['id']}").json()["userName"] == "ann"


def test_configurations_sharing_a_directory_share_it(scim: ScimClient, scim_directory) -> None:
    _, credentials = scim_configuration_create(name="second-idp", directory=scim_directory)
    other = ScimClient(credentials.token)
    user = scim.create_user("ann")
    assert other.get(f"Users/{user['id']}").json() == user
