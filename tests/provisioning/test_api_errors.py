"""Every error under /scim/v2 is a SCIM Error in SCIM JSON; none is a 500 or HTML."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import OperationalError
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning import selectors

from .conftest import SCIM, ScimClient, assert_scim_error

pytestmark = pytest.mark.django_db


class TestStatusCodes:
    """One test per status the API answers with."""

    def test_401_without_credentials(self, scim: ScimClient) -> None:
        response = scim.client.get("/scim/v2/Users")
        assert_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_404_unknown_urls(self, scim: ScimClient) -> None:
        for path in ("/scim/v2/Nothing", "/scim/v2/Users/a/b", "/scim/v2/", "/scim/v3/Users"):
            assert_scim_error(scim.get(path), 404)

    @pytest.mark.parametrize(
        "path", ["ServiceProviderConfig", "Schemas", "ResourceTypes", "ResourceTypes/User"]
    )
    @pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
    def test_405_on_discovery(self, scim: ScimClient, path: str, method: str) -> None:
        response = scim.request(method, path, {})
        assert_scim_error(response, 405)
        assert "GET" in response["Allow"]

    def test_405_on_resources(self, scim: ScimClient) -> None:
        assert_scim_error(scim.request("PUT", "Users", {}), 405)
        assert_scim_error(scim.request("POST", "Users/x", {}), 405)

    @override_settings(SCIM_MAX_BODY_BYTES=100)
    def test_413(self, scim: ScimClient) -> None:
        response = scim.post("Users", {"userName": "a", "title": "x" * 200})
        assert_scim_error(response, 413)

    def test_413_at_the_default_limit(self, scim: ScimClient) -> None:
        body = json.dumps({"userName": "a", "title": "x" * (1024 * 1024)})
        assert_scim_error(scim.post("Users", raw=body), 413)

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
    )
    def test_415(self, scim: ScimClient, content_type: str) -> None:
        response = scim.post("Users", raw="userName=a", content_type=content_type)
        assert_scim_error(response, 415)

    @pytest.mark.parametrize(
        "raw", ["{", "not json", '{"userName": "a",}', "[" * 100_000, b"\xff\xfe"]
    )
    def test_400_bodies(self, scim: ScimClient, raw: Any) -> None:
        assert_scim_error(scim.post("Users", raw=raw), 400, "invalidSyntax")

    def test_400_nul(self, scim: ScimClient) -> None:
        assert_scim_error(scim.post("Users", {"userName": "a\u0000b"}), 400, "invalidValue")
        assert_scim_error(scim.get("Users", filter='userName eq "\u0000"'), 400)

    def test_409_412_304(self, scim: ScimClient) -> None:
        created = scim.create_user("ann")
        url = f"Users/{created['id']}"
        assert_scim_error(scim.post("Users", {"userName": "ANN"}), 409, "uniqueness")
        assert_scim_error(scim.put(url, {"userName": "ann"}, headers={"If-Match": '"7"'}), 412)
        assert_scim_error(
            scim.patch_ops(url, {"op": "remove", "path": "title"}, headers={"If-None-Match": "*"}),
            412,
        )
        assert_scim_error(scim.put(url, {"userName": "ann"}, headers={"If-Match": "garbage"}), 400)
        response = scim.get(url, headers={"If-None-Match": 'W/"1"'})
        assert response.status_code == 304
        assert response["ETag"] == 'W/"1"'
        assert scim.get(url, headers={"If-None-Match": 'W/"0"'}).status_code == 200
        assert (
            scim.put(url, {"userName": "ann"}, headers={"If-Match": '"1", W/"2"'}).status_code
            == 200
        )

    def test_429_after_failed_authentications(self, scim: ScimClient) -> None:
        for _ in range(10):
            scim.client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scb_wrong")
        response = scim.client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer scb_wrong")
        assert_scim_error(response, 429)
        assert int(response["Retry-After"]) > 0

    def test_503_when_the_database_is_busy(
        self, scim: ScimClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def locked(*_: Any) -> Any:
            raise OperationalError("database is locked")

        monkeypatch.setattr(selectors, "visible_users", locked)
        response = scim.get("Users")
        assert_scim_error(response, 503)
        assert response["Retry-After"]


class TestNeverHtml:
    """A matrix of odd requests: each answers SCIM JSON (mostly errors), none a 500."""

    @pytest.mark.parametrize(
        ("method", "path", "body", "params"),
        [
            ("GET", "Users", None, {"filter": "userName eq"}),
            ("GET", "Users", None, {"filter": "a" * 5000}),
            ("GET", "Users", None, {"filter": "(" * 200 + 'userName eq "x"' + ")" * 200}),
            ("GET", "Users", None, {"sortBy": 'emails[type eq "work"]'}),
            ("GET", "Users", None, {"attributes": 'emails[type eq "work"]'}),
            ("GET", "Users", None, {"startIndex": "99999999999999999999999"}),
            ("GET", "Groups", None, {"filter": 'members.value gt "x"'}),
            ("POST", "Users", {"userName": ["a"]}, {}),
            ("POST", "Users", {"userName": "a", "emails": "x"}, {}),
            ("POST", "Users", {"userName": "a", "name": "x"}, {}),
            ("POST", "Users", {"userName": "a", "urn:x:y": {"a": 1}}, {}),
            ("POST", "Groups", {"displayName": "g", "members": "x"}, {}),
            ("POST", "Groups", {"displayName": "g", "members": [1]}, {}),
            ("POST", "Groups", {"displayName": None}, {}),
            ("PATCH", "Users/00000000-0000-0000-0000-000000000000", {"Operations": []}, {}),
            ("POST", ".search", {"filter": 7}, {}),
            ("POST", "Users/.search", {"count": "many"}, {}),
            ("POST", "Users/.search", {"sortOrder": 1}, {}),
            ("POST", "Users/.search", {"attributes": [1]}, {}),
            ("GET", "Schemas/urn:nope", None, {}),
            ("GET", "Schemas", None, {"filter": 'id eq "x"'}),
        ],
    )
    def test_scim_json(
        self, scim: ScimClient, method: str, path: str, body: Any, params: dict[str, str]
    ) -> None:
        response = scim.request(method, path, body, **params)
        assert response["Content-Type"] == SCIM
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            assert response.json()["status"] == str(response.status_code)

    def test_patch_bodies(self, scim: ScimClient) -> None:
        user = scim.create_user("ann")
        group = scim.create_group("g")
        odd = [
            {"Operations": [{"op": "add"}]},
            {"Operations": [{"op": "add", "path": "emails", "value": "x"}]},
            {"Operations": [{"op": "replace", "path": "members", "value": "x"}]},
            {
                "Operations": [
                    {"op": "replace", "path": 'emails[type eq "work"].value', "value": {"a": 1}}
                ]
            },
            {"Operations": [{"op": "remove", "path": "emails", "value": [1]}]},
            {"Operations": [{"op": "remove", "path": "members", "value": [{"value": 1}]}]},
            {"Operations": [{"op": "add", "value": ["x"]}]},
            {"Operations": [{"op": "replace", "path": 'members[value eq "x"]', "value": 3}]},
            {"Operations": [{"op": "add", "path": "members[display pr].type", "value": "x"}]},
            {"Operations": [{"op": None, "path": "title"}]},
            {"Operations": [{"path": "title", "value": "x"}]},
        ]
        for body in odd:
            for url in (f"Users/{user['id']}", f"Groups/{group['id']}"):
                response = scim.patch(url, body)
                if response.status_code != 204:
                    assert response["Content-Type"] == SCIM, (url, body)
                assert response.status_code in (400, 200, 204), (url, body, response.content)
                if response.status_code == 400:
                    assert response.json()["scimType"], (url, body)


KEYS = [
    "userName",
    "displayName",
    "emails",
    "members",
    "value",
    "type",
    "primary",
    "op",
    "path",
    "Operations",
    "active",
    "name",
    "givenName",
    "schemas",
    "id",
    "meta",
    ENTERPRISE_KEY := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "manager",
    "$ref",
    "display",
    "operation",
    "x509Certificates",
    "password",
]
PATHS = [
    "members",
    'members[value eq "x"]',
    "emails",
    'emails[type eq "work"].value',
    "name.givenName",
    "active",
    f"{ENTERPRISE_KEY}:manager",
    "displayName",
    "userName",
    "groups",
    "meta.version",
    "members.display",
    "x",
    "[",
    "title",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from(["", "x", "True", "add", "remove", "Replace", "work", "a@b.example", *PATHS]),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    ),
    max_leaves=12,
)
OPERATION = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "Add", "bogus"])},
    optional={"path": st.sampled_from(PATHS), "value": JSON},
)


@pytest.mark.django_db
class TestNoBodyGives500:
    """Generated bodies for every write: always a SCIM answer below 500."""

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=JSON, operations=st.lists(OPERATION, min_size=1, max_size=3))
    def test_writes(self, scim: ScimClient, body: Any, operations: list[dict[str, Any]]) -> None:
        user = scim.create_user(f"u{uuid.uuid4()}")
        group = scim.create_group(f"g{uuid.uuid4()}", [user["id"]])
        requests = [
            ("POST", "Users", body),
            ("POST", "Groups", body),
            ("PUT", f"Users/{user['id']}", body),
            ("PUT", f"Groups/{group['id']}", body),
            ("PATCH", f"Users/{user['id']}", body),
            ("PATCH", f"Groups/{group['id']}", body),
            ("PATCH", f"Users/{user['id']}", {"Operations": operations}),
            ("PATCH", f"Groups/{group['id']}", {"Operations": operations}),
            ("POST", ".search", body),
        ]
        for method, path, payload in requests:
            response = scim.request(method, path, payload)
            assert response.status_code < 500, (method, path, payload, response.content)
            if response.content:
                assert response["Content-Type"] == SCIM
