"""List queries: filter, paging, sorting, projection, and /.search on resources and the root."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from scim2_models import SearchRequest

from provisioning.scim.schema import UserResource

from .conftest import LIST_SCHEMA, ScimClient, assert_scim_error, valid_list, valid_resource

pytestmark = pytest.mark.django_db
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def people(scim: ScimClient) -> list[dict[str, Any]]:
    """Seven users with titles (one without), a group holding three of them."""
    titles = ["b", "A", None, "c", "a", "B", "d"]
    users = []
    for number, title in enumerate(titles):
        extra = {"title": title} if title is not None else {}
        users.append(scim.create_user(f"user{number}", **extra))
    scim.create_group("Staff", [user["id"] for user in users[:3]])
    return users


def user_names(body: dict[str, Any]) -> list[str]:
    """userNames of a ListResponse page, in order."""
    return [
        resource.get("userName") or resource.get("displayName") for resource in body["Resources"]
    ]


class TestPaging:
    """startIndex and count (RFC 7644 section 3.4.2.4)."""

    def test_pages(self, scim: ScimClient, people: list[dict[str, Any]]) -> None:
        body = scim.get("Users", startIndex=3, count=2).json()
        valid_list(body)
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (7, 3, 2)
        assert user_names(body) == ["user2", "user3"]

    def test_start_below_one_means_one(self, scim: ScimClient, people: list) -> None:
        assert user_names(scim.get("Users", startIndex=-5, count=1).json()) == ["user0"]

    def test_count_zero_gives_totals_only(self, scim: ScimClient, people: list) -> None:
        body = scim.get("Users", count=0).json()
        assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (7, 0, [])

    def test_past_the_end(self, scim: ScimClient, people: list) -> None:
        body = scim.get("Users", startIndex=100).json()
        assert (body["totalResults"], body["Resources"]) == (7, [])

    @override_settings(SCIM_MAX_PAGE_SIZE=3)
    def test_count_is_capped(self, scim: ScimClient, people: list) -> None:
        assert scim.get("Users", count=1000).json()["itemsPerPage"] == 3
        assert scim.get("Users").json()["itemsPerPage"] == 3
        config = scim.get("ServiceProviderConfig").json()
        assert config["filter"]["maxResults"] == config["pagination"]["maxPageSize"] == 3

    @pytest.mark.parametrize("params", [{"count": "x"}, {"startIndex": "1.5"}])
    def test_bad_numbers(self, scim: ScimClient, params: dict[str, str]) -> None:
        assert_scim_error(scim.get("Users", **params), 400, "invalidValue")


class TestSorting:
    """sortBy/sortOrder over the whole result, as scim2-models orders resources."""

    @pytest.mark.parametrize("order", ["ascending", "descending"])
    @pytest.mark.parametrize(
        "attribute",
        ["title", "userName", "emails", "meta.created", "emails.type", "groups.display"],
    )
    def test_matches_scim2_models(
        self, scim: ScimClient, people: list, attribute: str, order: str
    ) -> None:
        everyone = scim.get("Users").json()["Resources"]
        expected = SearchRequest(sort_by=attribute, sort_order=order).sort(
            [valid_resource(user, UserResource) for user in everyone]
        )
        pages = [
            scim.get("Users", sortBy=attribute, sortOrder=order, startIndex=start, count=3).json()
            for start in (1, 4, 7)
        ]
        got = [resource["id"] for page in pages for resource in page["Resources"]]
        assert got == [user.id for user in expected]

    def test_case_insensitive_with_missing_values_last(
        self, scim: ScimClient, people: list
    ) -> None:
        body = scim.get("Users", sortBy="title").json()
        assert [r.get("title") for r in body["Resources"]] == ["A", "a", "b", "B", "c", "d", None]

    @pytest.mark.parametrize(
        ("params", "status"),
        [
            ({"sortBy": "nothing"}, 400),
            ({"sortBy": "name"}, 400),
            ({"sortBy": "x509Certificates.value"}, 400),
            ({"sortOrder": "sideways"}, 400),
        ],
    )
    def test_refused(self, scim: ScimClient, params: dict[str, str], status: int) -> None:
        assert_scim_error(scim.get("Users", **params), status, "invalidValue")


class TestFilterParameter:
    """The filter query parameter."""

    def test_plus_stands_for_space(self, scim: ScimClient, people: list) -> None:
        response = scim.client.get(
            "/scim/v2/Users?filter=userName+eq+%22user1%22",
            HTTP_AUTHORIZATION=f"Bearer {scim.token}",
        )
        assert user_names(response.json()) == ["user1"]

    def test_unknown_value_is_an_empty_list(self, scim: ScimClient, people: list) -> None:
        """Entra's test connection filters on a random GUID."""
        body = scim.get("Users", filter='userName eq "8a0ad9b1-2b58-4d45-aaa0-3e22c3ab6c4f"')
        assert body.status_code == 200
        assert body.json() == {
            "schemas": [LIST_SCHEMA],
            "totalResults": 0,
            "startIndex": 1,
            "itemsPerPage": 0,
            "Resources": [],
        }

    @pytest.mark.parametrize("text", ["RANDOMCAPS", 'userName eq "x', 'nothing eq "x"'])
    def test_invalid(self, scim: ScimClient, text: str) -> None:
        assert_scim_error(scim.get("Users", filter=text), 400, "invalidFilter")

    def test_group_lookup_without_members(self, scim: ScimClient, people: list) -> None:
        """Entra: GET /Groups?excludedAttributes=members&filter=displayName eq "x"."""
        body = scim.get(
            "Groups", excludedAttributes="members", filter='displayName eq "staff"'
        ).json()
        valid_list(body)
        assert [group["displayName"] for group in body["Resources"]] == ["Staff"]
        assert "members" not in body["Resources"][0]


class TestProjection:
    """attributes / excludedAttributes on lists."""

    def test_attributes(self, scim: ScimClient, people: list) -> None:
        body = scim.get("Users", attributes="userName", count=1).json()
        assert body["Resources"] == [
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": people[0]["id"],
                "userName": "user0",
            }
        ]

    def test_both_refused(self, scim: ScimClient) -> None:
        assert_scim_error(scim.get("Users", attributes="userName", excludedAttributes="title"), 400)


class TestSearch:
    """POST /Users/.search, /Groups/.search and /.search."""

    def test_resource_search(self, scim: ScimClient, people: list) -> None:
        body = scim.post(
            "Users/.search",
            {
                "schemas": [SEARCH],
                "filter": 'title eq "b"',
                "sortBy": "userName",
                "sortOrder": "descending",
                "attributes": ["userName"],
                "startIndex": 1,
                "count": 10,
            },
        ).json()
        valid_list(body)
        assert user_names(body) == ["user5", "user0"]

    def test_group_search(self, scim: ScimClient, people: list) -> None:
        body = scim.post("Groups/.search", {"schemas": [SEARCH], "filter": "members pr"}).json()
        assert [group["displayName"] for group in body["Resources"]] == ["Staff"]
        assert len(body["Resources"][0]["members"]) == 3

    def test_root_search(self, scim: ScimClient, people: list) -> None:
        body = scim.post(
            ".search",
            {
                "schemas": [SEARCH],
                "filter": 'title eq "a" or displayName sw "st"',
                "sortBy": "meta.created",
                "sortOrder": "descending",
            },
        ).json()
        valid_list(body)
        assert user_names(body) == ["Staff", "user4", "user1"]
        assert body["totalResults"] == 3

    def test_root_search_pages_across_types(self, scim: ScimClient, people: list) -> None:
        pages = [
            scim.post(
                ".search",
                {"schemas": [SEARCH], "startIndex": start, "count": 3, "sortBy": "displayName"},
            ).json()
            for start in (1, 4, 7)
        ]
        names = [name for page in pages for name in user_names(page)]
        assert names[0] == "Staff"  # users have no displayName: they sort last
        assert sorted(names[1:]) == [f"user{n}" for n in range(7)]
        assert {page["totalResults"] for page in pages} == {8}

    def test_root_search_errors(self, scim: ScimClient) -> None:
        assert_scim_error(
            scim.post(".search", {"schemas": [SEARCH], "filter": "nothing pr"}),
            400,
            "invalidFilter",
        )
        assert_scim_error(scim.post(".search", {"schemas": ["urn:wrong"]}), 400)
        assert_scim_error(scim.post(".search", [1, 2]), 400, "invalidSyntax")
        assert_scim_error(scim.get(".search"), 405)
