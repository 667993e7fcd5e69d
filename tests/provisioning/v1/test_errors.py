"""Every error under /scim/v1 is a 1.1 error: {"Errors": [{"description", "code"}]}, SCIM JSON.

The 503s that come from Jira are in test_okta_agent.py, with the fake Jira.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import override_settings

from provisioning import selectors
from tests.provisioning.conftest import SCIM, ScimClient

from .conftest import CORE, assert_v1_error, user11

pytestmark = pytest.mark.django_db

UNKNOWN = "2819c223-7f76-453a-919d-413861904646"


class TestStatusCodes:
    """One test per status the 1.1 API answers with."""

    def test_401(self, scim1: ScimClient) -> None:
        for header in ({}, {"HTTP_AUTHORIZATION": "Bearer scb_wrong"}):
            response = scim1.client.get("/scim/v1/Users", **header)
            assert "Authentication failed" in assert_v1_error(response, 401)
            assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "path",
        [
            f"Users/{UNKNOWN}",
            f"Groups/{UNKNOWN}",
            "Users/not-a-uuid",
            "Users/.search",
            "Nothing",
            "ResourceTypes",
            "Users/a/b",
            "Schemas/urn:nope",
            "/scim/v1",
            "/scim/v1/",
        ],
    )
    def test_404(self, scim1: ScimClient, path: str) -> None:
        assert_v1_error(scim1.get(path), 404)

    def test_404_on_writes_to_unknown_ids(self, scim1: ScimClient) -> None:
        assert_v1_error(scim1.put(f"Users/{UNKNOWN}", user11("a")), 404)
        assert_v1_error(scim1.patch(f"Users/{UNKNOWN}", {"active": False}), 404)
        assert_v1_error(scim1.patch(f"Groups/{UNKNOWN}", {"members": []}), 404)
        assert_v1_error(scim1.delete(f"Groups/{UNKNOWN}"), 404)

    @pytest.mark.parametrize(
        ("params", "says"),
        [
            ({"filter": "RANDOMCAPS"}, "operator"),
            ({"filter": 'userName ne "x"'}, "SCIM 2.0 only"),
            ({"filter": 'emails[type eq "work"]'}, "SCIM 2.0 only"),
            ({"filter": 'nosuchattribute eq "x"'}, "nosuchattribute"),
            ({"filter": 'meta.created gt "yesterday"'}, "yesterday"),
            ({"sortBy": "nosuchattribute"}, "nosuchattribute"),
            ({"attributes": "emails[type"}, ""),
            ({"count": "many"}, "count"),
        ],
    )
    def test_400_queries(self, scim1: ScimClient, params: dict[str, str], says: str) -> None:
        assert says in assert_v1_error(scim1.get("Users", **params), 400)

    @pytest.mark.parametrize(
        "raw", ["{", "not json", '{"userName": "a",}', "[" * 100_000, b"\xff\xfe"]
    )
    def test_400_bodies(self, scim1: ScimClient, raw: Any) -> None:
        assert_v1_error(scim1.post("Users", raw=raw), 400)

    @pytest.mark.parametrize(
        "body",
        [
            [],
            {"schemas": [CORE]},
            {"userName": ""},
            {"userName": ["a"]},
            {"userName": "a", "emails": "x"},
            {"userName": "a\u0000b"},
        ],
    )
    def test_400_users(self, scim1: ScimClient, body: Any) -> None:
        assert_v1_error(scim1.post("Users", body), 400)

    def test_400_patches(self, scim1: ScimClient) -> None:
        user = scim1.post("Users", user11("dana.scully")).json()
        group = scim1.post("Groups", {"displayName": "g"}).json()
        for url, body in (
            (f"Users/{user['id']}", []),
            (f"Users/{user['id']}", {"meta": {"attributes": "title"}}),
            (f"Users/{user['id']}", {"meta": {"attributes": ["userName"]}}),
            (f"Users/{user['id']}", {"addresses": [{"operation": "delete"}]}),
            (f"Users/{user['id']}", {"emails": [{"value": 3}]}),
            (f"Groups/{group['id']}", {"members": [{"value": "nobody"}]}),
            (f"Groups/{group['id']}", {"members": "x"}),
            (f"Groups/{group['id']}", {"displayName": ""}),
        ):
            assert_v1_error(scim1.patch(url, body), 400)

    def test_405(self, scim1: ScimClient) -> None:
        for method, path in (
            ("PUT", "Users"),
            ("PATCH", "Groups"),
            ("POST", f"Users/{UNKNOWN}"),
            ("DELETE", "Schemas"),
            ("PUT", "ServiceProviderConfigs"),
        ):
            response = scim1.request(method, path, {})
            assert_v1_error(response, 405)
            assert "GET" in response["Allow"]

    def test_409(self, scim1: ScimClient) -> None:
        scim1.post("Users", user11("dana.scully"))
        assert "DANA.SCULLY" in assert_v1_error(scim1.post("Users", user11("DANA.SCULLY")), 409)
        scim1.post("Groups", {"displayName": "X-Files"})
        assert_v1_error(scim1.post("Groups", {"displayName": "x-files"}), 409)

    def test_409_on_rename(self, scim1: ScimClient) -> None:
        scim1.post("Users", user11("dana.scully"))
        other = scim1.post("Users", user11("fox.mulder")).json()
        response = scim1.patch(f"Users/{other['id']}", {"userName": "Dana.Scully"})
        assert_v1_error(response, 409)

    def test_412(self, scim1: ScimClient) -> None:
        user = scim1.post("Users", user11("dana.scully")).json()
        url = f"Users/{user['id']}"
        headers = {"If-Match": 'W/"7"'}
        assert "W/" in assert_v1_error(scim1.put(url, user11("dana.scully"), headers=headers), 412)
        assert_v1_error(scim1.delete(url, headers=headers), 412)

    @override_settings(SCIM_MAX_BODY_BYTES=100)
    def test_413(self, scim1: ScimClient) -> None:
        assert_v1_error(scim1.post("Users", {"userName": "a", "title": "x" * 200}), 413)

    def test_413_at_the_default_limit(self, scim1: ScimClient) -> None:
        body = json.dumps({"userName": "a", "title": "x" * (1024 * 1024)})
        assert_v1_error(scim1.post("Users", raw=body), 413)

    @pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
    def test_415(self, scim1: ScimClient, content_type: str) -> None:
        response = scim1.post("Users", raw="userName=a", content_type=content_type)
        assert_v1_error(response, 415)

    def test_429(self, scim1: ScimClient) -> None:
        for _ in range(10):
            scim1.client.get("/scim/v1/Users", HTTP_AUTHORIZATION="Bearer scb_wrong")
        response = scim1.client.get("/scim/v1/Users", HTTP_AUTHORIZATION="Bearer scb_wrong")
        assert_v1_error(response, 429)
        assert int(response["Retry-After"]) > 0

    def test_503_when_the_database_is_busy(
        self, scim1: ScimClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def locked(*_: Any) -> Any:
            """A database that is locked."""
            raise OperationalError("database is locked")

        monkeypatch.setattr(selectors, "visible_users", locked)
        response = scim1.get("Users")
        assert_v1_error(response, 503)
        assert response["Retry-After"]


class TestNeverTheV2Envelope:
    """Odd requests: each answers SCIM JSON, errors in the 1.1 envelope, none a 500."""

    @pytest.mark.parametrize(
        ("method", "path", "body", "params"),
        [
            ("GET", "Users", None, {"filter": "userName eq"}),
            ("GET", "Users", None, {"filter": "a" * 5000}),
            ("GET", "Users", None, {"filter": 'userName eq "x" ' + "and title pr " * 300}),
            ("GET", "Users", None, {"filter": '"' * 301}),
            ("GET", "Users", None, {"startIndex": "99999999999999999999999"}),
            ("GET", "Users", None, {"sortOrder": "sideways"}),
            ("GET", "Groups", None, {"filter": 'members gt "x"'}),
            ("GET", "Users/x", None, {"attributes": "urn:scim:schemas:core:1.0:"}),
            ("POST", "Users", {"userName": "a", "name": "x"}, {}),
            ("POST", "Users", {"userName": "a", "urn:x:y": {"a": 1}}, {}),
            ("POST", "Groups", {"displayName": "g", "members": [1]}, {}),
            ("POST", "Groups", {"displayName": None}, {}),
            (
                "POST",
                "Groups",
                {"displayName": "g", "members": [{"value": "x", "type": "Group"}]},
                {},
            ),
            ("PATCH", f"Users/{UNKNOWN}", {"Operations": []}, {}),
            ("GET", "Schemas", None, {"filter": 'id eq "x"'}),
        ],
    )
    def test_errors_are_1_1(
        self, scim1: ScimClient, method: str, path: str, body: Any, params: dict[str, str]
    ) -> None:
        response = scim1.request(method, path, body, **params)
        assert response["Content-Type"] == SCIM
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            assert_v1_error(response, response.status_code)

    def test_odd_patch_bodies(self, scim1: ScimClient) -> None:
        user = scim1.post("Users", user11("dana.scully")).json()
        group = scim1.post("Groups", {"displayName": "g"}).json()
        odd: list[Any] = [
            {"Operations": [{"op": "add", "path": "title", "value": "x"}]},
            {"emails": [1, "x", None]},
            {"emails": {"operation": "delete"}},
            {"members": [{"operation": "delete"}]},
            {"members": [{"value": None}]},
            {"name": "Dana"},
            {"meta": None},
            {"meta": {"attributes": [None]}},
            {"urn:scim:schemas:extension:enterprise:1.0": "x"},
            {"urn:scim:schemas:extension:enterprise:1.0": {"manager": 7}},
            {"active": "maybe"},
            {"": "x"},
        ]
        for body in odd:
            for url in (f"Users/{user['id']}", f"Groups/{group['id']}"):
                response = scim1.patch(url, body)
                assert response.status_code in (200, 204, 400), (url, body, response.content)
                if response.status_code == 400:
                    assert_v1_error(response, 400)
