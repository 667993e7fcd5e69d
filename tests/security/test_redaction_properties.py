"""Property: no password-write shape the SCIM parser accepts leaks its secret.

Hypothesis generates password writes in every shape the API parses — SCIM 2.0 and 1.1,
POST/PUT/PATCH, with and without PATCH paths, URN-qualified (`:` and 1.1's `.`), names in
any case and padded, duplicate keys (the parser keeps the last), and request charsets
(utf-16/32, utf-7 spelling `p` as `+AHA-`). Each example must set the planted password
(the applier sees it: the shape really is a password write) and must leave it nowhere in
the audit table, its CSV export or the logs.
"""

from __future__ import annotations

import itertools
import json
import logging
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import stored_text

pytestmark = pytest.mark.django_db

V2_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
V1_CORE = "urn:scim:schemas:core:1.0"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CHARSETS = [None, "utf-8", "UTF-8", "utf-16", "utf-16-le", "utf-32", "utf-7", "latin-1"]
_users = itertools.count(1)

ws = st.sampled_from(["", " ", "\n  ", "\t"])


def cased(word: str) -> st.SearchStrategy[str]:
    """`word` in mixed letter case."""
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join(c.upper() if up else c for c, up in zip(word, flags, strict=True))
    )


@st.composite
def json_object(draw: st.DrawFn, pairs: list[tuple[str, str]]) -> str:
    """A JSON object written by hand from (key, JSON value text) pairs: duplicates kept."""
    members = [
        f"{draw(ws)}{json.dumps(key)}{draw(ws)}:{draw(ws)}{value}{draw(ws)}"
        for key, value in pairs
    ]
    return "{" + ",".join(members) + "}"


@st.composite
def attribute_name(draw: st.DrawFn, dialect: str) -> str:
    """`password` as a resource key of this dialect: any case, maybe URN-qualified."""
    name = draw(cased("password"))
    prefixes = ["", f"{V2_USER}:"] if dialect == "v2" else ["", f"{V1_CORE}:", f"{V1_CORE}."]
    return draw(st.sampled_from(prefixes)) + name


@st.composite
def resource_pairs(draw: st.DrawFn, dialect: str, user_name: str, secret: str) -> str:
    """A POST/PUT body setting the password; maybe a decoy duplicate first."""
    schema = V2_USER if dialect == "v2" else V1_CORE
    key = draw(attribute_name(dialect))
    pairs = [("schemas", json.dumps([schema])), ("userName", json.dumps(user_name))]
    if draw(st.booleans()):
        pairs.append((key, json.dumps("decoy-value")))  # the parser keeps the last one
    pairs.append((key, json.dumps(secret)))
    if dialect == "v1" and draw(st.booleans()):
        inner = draw(json_object(pairs[2:]))
        return draw(json_object([*pairs[:2], (V1_CORE, inner)]))
    return draw(json_object(pairs))


@st.composite
def patch_body(draw: st.DrawFn, dialect: str, secret: str) -> str:
    """A PATCH body setting the password."""
    if dialect == "v1":  # 1.1 PATCH: a partial resource
        key = draw(attribute_name("v1"))
        return draw(json_object([("schemas", json.dumps([V1_CORE])), (key, json.dumps(secret))]))
    op = json.dumps(draw(st.sampled_from(["replace", "Replace", "add", "ADD"])))
    if draw(st.booleans()):  # path-less: the value is a partial resource
        value = draw(json_object([(draw(attribute_name("v2")), json.dumps(secret))]))
        operation = draw(json_object([("op", op), (draw(cased("value")), value)]))
    else:
        path = (
            draw(st.sampled_from(["", " ", "  "]))
            + draw(st.sampled_from(["", f"{V2_USER}:"]))
            + draw(cased("password"))
            + draw(st.sampled_from(["", " ", "\t"]))
        )
        pairs = [("op", op)]
        path_key = draw(cased("path"))
        if draw(st.booleans()):
            # Another spelling of `path` first: the parser keeps the last of them.
            decoy_key = draw(cased("path").filter(lambda key: key != path_key))
            pairs.append((decoy_key, json.dumps("displayName")))
        pairs += [(path_key, json.dumps(path)), (draw(cased("value")), json.dumps(secret))]
        operation = draw(json_object(pairs))
    return draw(
        json_object([("schemas", json.dumps([PATCH_SCHEMA])), ("Operations", f"[{operation}]")])
    )


@st.composite
def password_write(draw: st.DrawFn) -> dict[str, Any]:
    """One request: dialect, method, body bytes, content type and the planted secret."""
    secret = "Zq" + draw(st.text(string.ascii_letters + string.digits, min_size=10, max_size=16))
    dialect = draw(st.sampled_from(["v2", "v1"]))
    method = draw(st.sampled_from(["POST", "PUT", "PATCH"]))
    user_name = f"prop-user-{next(_users)}"
    if method == "PATCH":
        text = draw(patch_body(dialect, secret))
    else:
        text = draw(resource_pairs(dialect, user_name, secret))
    charset = draw(st.sampled_from(CHARSETS))
    raw = text.encode(charset or "utf-8")
    if charset == "utf-7" and draw(st.booleans()):
        raw = raw.replace(b"password", b"+AHA-assword")  # `p` in UTF-7's base64 form
    content_type = "application/scim+json" + (f"; charset={charset}" if charset else "")
    return {
        "dialect": dialect,
        "method": method,
        "user_name": user_name,
        "raw": raw,
        "content_type": content_type,
        "secret": secret,
    }


@pytest.mark.usefixtures("audit_on")
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(write=password_write())
def test_no_planted_password_reaches_the_audit_log_export_or_logs(
    write, scim, scim1, applier, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    client = scim if write["dialect"] == "v2" else scim1
    path = "Users"
    if write["method"] != "POST":
        user = scim.create_user(write["user_name"])
        path = f"Users/{user['id']}"
    response = client.request(
        write["method"], path, raw=write["raw"], content_type=write["content_type"]
    )
    assert response.status_code in (200, 201, 204), response.content
    assert write["secret"] in applier.passwords, "not a password write"
    assert write["secret"] not in stored_text()
    assert write["secret"] not in caplog.text
