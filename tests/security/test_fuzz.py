"""Fuzz suite (attack 8 of issue 19): generated SCIM traffic never gets a 5xx.

Hypothesis drives both dialects (/scim/v2 and /scim/v1) through Django's test client with
valid-ish resources carrying hostile values (NUL, lone surrogates, escapes, numbers that
overflow, odd nesting), PatchOps, SearchRequests, hostile paths and query strings
(`filter`, `startIndex`, `count`, `sortBy`, `attributes`). Writes go to the logging
applier of tests/security/conftest.py instead of Jira. Every answer must be below 500 and
JSON when it has a body; a refused (4xx) write must leave every row and version as it was.

Bounded: `EXAMPLES` (80) per test and dialect and a 5 s deadline per example, so that the
module runs in well under a minute on SQLite. Run it on PostgreSQL too (NUL and jsonb
refusals only show there): `DATABASE_URL=postgres://... pytest tests/security/test_fuzz.py`.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.models import ScimGroup, ScimMembership, ScimUser, ScimUserValue
from tests.provisioning.conftest import GROUP_SCHEMA, PATCH_SCHEMA, SEARCH_SCHEMA, USER_SCHEMA

pytestmark = pytest.mark.django_db

# SCIM_FUZZ_EXAMPLES raises it for a longer hunt (e.g. 2000, several minutes).
EXAMPLES = int(os.environ.get("SCIM_FUZZ_EXAMPLES", "80"))
BASES = ["/scim/v2", "/scim/v1"]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Serialised JSON cannot hold these numbers; the body text gets them in place of a marker.
_BIG = {"__1e400__": "1e400", "__-1e999__": "-1e999", "__1e-400__": "1e-400"}

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
hostile_strings = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "a\x00b",
            "\\u0000",
            "\\ud800",
            '"',
            "\\",
            "%00",
            "line\nbreak\r",
            "'; drop table x; --",
            "\u202eevil",
            "😀",
            "x" * 300,
            "userName",
            "",
            " ",
        ]
    ),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=3), surrogates, st.text(max_size=3)),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(list(_BIG)),
    st.sampled_from([0, 1, -1, 2**63, 10**40]),
)
scalars = st.one_of(hostile_strings, numbers, st.booleans(), st.none())
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(hostile_strings, children, max_size=3),
    max_leaves=8,
)

attributes = st.sampled_from(
    [
        "userName",
        "displayName",
        "emails",
        "emails.value",
        "emails[type eq \"work\"].value",
        "name.givenName",
        "active",
        "title",
        "externalId",
        "members",
        "members.value",
        'members[value eq "x"]',
        "meta.created",
        "meta.lastModified",
        f"{USER_SCHEMA}:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "nosuch",
    ]
)
operators = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ"])
literals = st.one_of(
    hostile_strings.map(json.dumps),
    st.sampled_from(['"a\\u0000"', '"\\ud800"', "1e400", "-0", "true", "null", "12", '"x'])
)


def _filters() -> st.SearchStrategy[str]:
    comparison = st.one_of(
        st.builds(lambda a, o, v: f"{a} {o} {v}", attributes, operators, literals),
        attributes.map(lambda a: f"{a} pr"),
    )
    return st.one_of(
        st.recursive(
            comparison,
            lambda inner: st.one_of(
                st.builds(lambda a, b: f"{a} and {b}", inner, inner),
                st.builds(lambda a, b: f"{a} or {b}", inner, inner),
                inner.map(lambda f: f"not ({f})"),
                inner.map(lambda f: f"({f})"),
                st.builds(lambda a, f: f"{a.split('.')[0]}[{f}]", attributes, inner),
            ),
            max_leaves=4,
        ),
        hostile_strings,
    )


filters = _filters()
paging = st.one_of(numbers, hostile_strings, st.none())
query_params = st.fixed_dictionaries(
    {},
    optional={
        "filter": filters,
        "startIndex": paging,
        "count": paging,
        "sortBy": st.one_of(attributes, hostile_strings),
        "sortOrder": st.sampled_from(["ascending", "descending", "sideways"]),
        "attributes": st.one_of(attributes, hostile_strings),
        "excludedAttributes": st.one_of(attributes, hostile_strings),
    },
)
users = st.fixed_dictionaries(
    {"schemas": st.sampled_from([[USER_SCHEMA], ["urn:scim:schemas:core:1.0"]])},
    optional={
        "userName": st.one_of(hostile_strings, scalars),
        "displayName": hostile_strings,
        "active": st.one_of(st.booleans(), scalars),
        "name": st.fixed_dictionaries({}, optional={"givenName": scalars, "familyName": scalars}),
        "emails": st.lists(
            st.fixed_dictionaries({"value": hostile_strings}, optional={"primary": scalars}),
            max_size=3,
        ),
        "title": scalars,
        "password": hostile_strings,
        "externalId": hostile_strings,
        "urn:example:extension": json_values,
    },
)
groups = st.fixed_dictionaries(
    {"schemas": st.just([GROUP_SCHEMA]), "displayName": st.one_of(hostile_strings, scalars)},
    optional={
        "members": st.lists(st.fixed_dictionaries({"value": st.one_of(hostile_strings, scalars)})),
        "externalId": hostile_strings,
    },
)
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Replace", "bogus"])},
    optional={
        "path": st.one_of(attributes, filters, hostile_strings),
        "value": st.one_of(json_values, users, groups.map(lambda g: {"members": g.get("members")})),
    },
)
patches = st.fixed_dictionaries(
    {"schemas": st.just([PATCH_SCHEMA]), "Operations": st.lists(operations, max_size=4)}
)
searches = query_params.map(lambda params: {"schemas": [SEARCH_SCHEMA], **params})
bodies = st.one_of(json_values, users, groups, patches, searches)


def _text(body: Any) -> str:
    """The body as JSON text, markers replaced by numbers JSON serialisers cannot write."""
    text = json.dumps(body)
    for marker, number in _BIG.items():
        text = text.replace(json.dumps(marker), number)
    return text


def _quote(value: Any) -> str:
    return quote(str(value), safe="", errors="surrogatepass")


def _snapshot() -> tuple[Any, ...]:
    return (
        sorted(ScimUser.objects.values_list("pk", "version", "user_name")),
        sorted(ScimGroup.objects.values_list("pk", "version", "display_name")),
        ScimMembership.objects.count(),
        ScimUserValue.objects.count(),
    )


def _ids() -> tuple[str, str]:
    """A user and a group to aim item requests at (made once per test)."""
    user = ScimUser.objects.filter(user_name="fuzz-target").first()
    if user is None:
        raise AssertionError("the target user is missing")
    group = ScimGroup.objects.get(display_name="fuzz-group")
    return str(user.pk), str(group.pk)


@pytest.fixture
def targets(scim) -> tuple[str, str]:
    """A user in a group, created through the API."""
    user = scim.create_user("fuzz-target", emails=[{"value": "t@example.com"}])
    scim.create_group("fuzz-group", members=[user["id"]])
    return _ids()


def _send(scim, method: str, url: str, body: Any = None, params: dict[str, Any] | None = None):
    """Send one request and check the answer: no 5xx, JSON, nothing stored if refused."""
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in (params or {}).items() if v is not None)
    before = _snapshot()
    response = scim.client.generic(
        method,
        url,
        _text(body) if body is not None else "",
        content_type="application/scim+json",
        QUERY_STRING=query,
        HTTP_AUTHORIZATION=f"Bearer {scim.token}",
    )
    assert response.status_code < 500, (method, url, query, body, response.content[:500])
    if response.content:
        assert "json" in response["Content-Type"], response["Content-Type"]
        json.loads(response.content)
    if method != "GET" and 400 <= response.status_code < 500 and not url.endswith(".search"):
        assert _snapshot() == before, (method, url, body, response.content[:500])
    return response


@pytest.mark.parametrize("base", BASES)
class TestFuzz:
    """Each request shape, generated, against both dialects."""

    @FUZZ
    @given(resource=st.sampled_from(["Users", "Groups"]), params=query_params)
    def test_lists(self, scim, targets, base, resource, params) -> None:
        _send(scim, "GET", f"{base}/{resource}", params=params)

    @FUZZ
    @given(where=st.sampled_from(["Users/.search", "Groups/.search", ".search"]), body=bodies)
    def test_searches(self, scim, targets, base, where, body) -> None:
        _send(scim, "POST", f"{base}/{where}", body)

    @FUZZ
    @given(resource=st.sampled_from(["Users", "Groups"]), body=bodies)
    def test_creates(self, scim, targets, base, resource, body) -> None:
        _send(scim, "POST", f"{base}/{resource}", body)

    @FUZZ
    @given(resource=st.sampled_from(["Users", "Groups"]), body=bodies, params=query_params)
    def test_replaces(self, scim, targets, base, *, resource, body, params) -> None:
        user_id, group_id = targets
        item = user_id if resource == "Users" else group_id
        _send(scim, "PUT", f"{base}/{resource}/{item}", body, params)

    @FUZZ
    @given(resource=st.sampled_from(["Users", "Groups"]), body=st.one_of(patches, bodies))
    def test_patches(self, scim, targets, base, resource, body) -> None:
        user_id, group_id = targets
        item = user_id if resource == "Users" else group_id
        _send(scim, "PATCH", f"{base}/{resource}/{item}", body)

    @FUZZ
    @given(
        method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "POST"]),
        segments=st.lists(st.one_of(hostile_strings, attributes), min_size=1, max_size=3),
        params=query_params,
    )
    def test_paths(self, scim, targets, base, *, method, segments, params) -> None:
        path = "/".join(_quote(segment) for segment in segments)
        _send(scim, method, f"{base}/{path}", {} if method != "GET" else None, params)
