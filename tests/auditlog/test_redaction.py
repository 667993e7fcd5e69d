"""Passwords, tokens and Authorization headers never reach the audit log."""

from __future__ import annotations

import base64
import json

import pytest

from auditlog.models import AuditEntry
from auditlog.redaction import REDACTED, WITHHELD, cap, redact_body, redact_document, redact_query

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SECRET = "Sup3r-Secret-pw!"


class TestRedactDocument:
    """Every shape in which an IdP sends a password."""

    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            pytest.param(
                {"schemas": [USER], "userName": "a", "password": SECRET},
                {"schemas": [USER], "userName": "a", "password": REDACTED},
                id="scim2-resource",
            ),
            pytest.param(
                {"userName": "a", "Password": SECRET},
                {"userName": "a", "Password": REDACTED},
                id="attribute-names-are-case-insensitive",
            ),
            pytest.param(
                {"schemas": [PATCH],
                 "Operations": [{"op": "replace", "path": "password", "value": SECRET}]},
                {"schemas": [PATCH],
                 "Operations": [{"op": "replace", "path": "password", "value": REDACTED}]},
                id="patch-path",
            ),
            pytest.param(
                {"Operations": [{"Op": "Replace", "Path": f"{USER}:password", "Value": SECRET}]},
                {"Operations": [{"Op": "Replace", "Path": f"{USER}:password", "Value": REDACTED}]},
                id="patch-urn-path-azure-casing",
            ),
            pytest.param(
                {"Operations": [{"op": "replace", "value": {"password": SECRET, "x": 1}}]},
                {"Operations": [{"op": "replace", "value": {"password": REDACTED, "x": 1}}]},
                id="patch-value-object",
            ),
            pytest.param(
                {"Operations": [{"op": "add", "value": {f"{USER}:password": SECRET}}]},
                {"Operations": [{"op": "add", "value": {f"{USER}:password": REDACTED}}]},
                id="patch-value-urn-key",
            ),
            pytest.param(
                {"Operations": [{"op": "replace", "path": "displayName", "value": "Ann"}]},
                {"Operations": [{"op": "replace", "path": "displayName", "value": "Ann"}]},
                id="other-patch-values-stay",
            ),
            pytest.param(
                {"schemas": ["urn:scim:schemas:core:1.0"], "userName": "a", "password": SECRET,
                 "meta": {"attributes": ["password"]}},
                {"schemas": ["urn:scim:schemas:core:1.0"], "userName": "a", "password": REDACTED,
                 "meta": {"attributes": ["password"]}},
                id="scim11-resource-and-patch",
            ),
            pytest.param(
                {"urn:example:ext": {"apiToken": "t", "client_secret": "s", "access-token": "a"}},
                {"urn:example:ext": {"apiToken": REDACTED, "client_secret": REDACTED,
                                     "access-token": REDACTED}},
                id="tokens-in-extensions",
            ),
            pytest.param(
                {"pairs": [{"name": "password", "value": SECRET}, {"name": "x", "value": "y"}]},
                {"pairs": [{"name": "password", "value": REDACTED}, {"name": "x", "value": "y"}]},
                id="name-value-pairs",
            ),
            pytest.param(
                [{"password": SECRET}], [{"password": REDACTED}], id="top-level-list"
            ),
        ],
    )  # fmt: skip
    def test_shapes(self, document, expected):
        assert redact_document(document) == expected

    def test_the_input_is_not_changed(self):
        document = {"password": SECRET}
        redact_document(document)
        assert document == {"password": SECRET}


class TestRedactBody:
    """Raw bodies: JSON is redacted; what cannot be parsed is withheld when it looks secret."""

    def test_json(self):
        assert json.loads(redact_body(json.dumps({"password": SECRET}).encode())) == {
            "password": REDACTED
        }

    def test_unicode_is_kept_readable(self):
        assert redact_body('{"familyName": "Müller"}'.encode()) == '{"familyName": "Müller"}'

    def test_broken_json_mentioning_a_password_is_withheld(self):
        assert redact_body(b'{"password": "' + SECRET.encode()) == WITHHELD

    def test_broken_json_without_secrets_is_kept(self):
        assert redact_body(b'{"userName": "a"') == '{"userName": "a"'

    def test_empty(self):
        assert redact_body(b"") == ""

    @pytest.mark.parametrize(
        "document",
        [
            {"urn:scim:schemas:core:1.0.password": SECRET},
            {"Operations": [{"op": "replace", "path": "password ", "value": SECRET}]},
            {"Operations": [{"op": "replace", "Path": "displayName", "path": "password",
                             "value": SECRET}]},
            {"Operations": [{"op": "replace", "path": "displayName", "Path": "password",
                             "value": SECRET}]},
            {"Operations": [{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:"
                             "User:PASSWORD", "Value": SECRET}]},
            {" Password ": SECRET},
        ],
    )
    def test_spellings_the_parser_accepts(self, document):
        assert SECRET not in redact_body(json.dumps(document).encode())

    @pytest.mark.parametrize("encoding", ["utf-7", "utf-16", "utf-16-be", "utf-32", "latin-1"])
    def test_the_request_charset_decodes_the_body(self, encoding):
        operation = {"op": "replace", "path": "password", "value": SECRET}
        body = json.dumps({"Operations": [operation]})
        stored = redact_body(body.encode(encoding), encoding=encoding)
        assert SECRET not in stored
        assert "\x00" not in stored
        assert json.loads(stored)["Operations"][0]["value"] == REDACTED

    def test_utf7_spelling_of_password(self):
        body = b'{"Operations":[{"op":"replace","path":"+AHA-assword","value":"s3cret-x"}]}'
        assert "s3cret-x" not in redact_body(body, encoding="utf-7")

    def test_unparsable_utf16_mentioning_a_password_is_withheld(self):
        # Declared UTF-8 (or not at all), sent as UTF-16: the parser refuses it, and the
        # NULs between the letters must not hide the word from the check.
        broken = '{"password": "' + SECRET
        assert redact_body(broken.encode("utf-16-le")) == WITHHELD

    def test_no_nul_or_lone_surrogate_is_stored(self):
        stored = redact_body(b'{"userName": "a\\u0000b", "title": "\\ud800"}')
        stored.encode("utf-8")  # would raise on a lone surrogate
        assert "\x00" not in stored
        assert "\x00" not in redact_body(b"not json \x00 at all")


class TestRedactQuery:
    """Secret-named query parameters."""

    def test_secret_parameters(self):
        assert redact_query("access_token=abc&count=10") == f"access_token={REDACTED}&count=10"

    def test_other_queries_are_kept_verbatim(self):
        query = "filter=userName%20eq%20%22token%40example.com%22"
        assert redact_query(query) == query


class TestCap:
    """Cutting at a byte size, never inside a character."""

    def test_short_text_is_kept(self):
        assert cap("abc", 10) == ("abc", False)

    def test_multibyte_text_is_cut_on_a_character_boundary(self):
        text, cut = cap("é" * 10, 5)
        assert (text, cut) == ("éé", True)

    def test_exactly_the_cap(self):
        assert cap("é" * 5, 10) == ("é" * 5, False)


@pytest.mark.django_db
class TestThroughTheMiddleware:
    """What a recorded request stores: no password, no token, no Authorization header."""

    @pytest.mark.parametrize("method", ["post", "put", "patch"])
    def test_resource_bodies(self, scim, audit_on, method):
        body = {"schemas": [USER], "userName": "alice", "password": SECRET}
        getattr(scim, method)(
            "/scim/v2/Users/abc" if method != "post" else "/scim/v2/Users",
            data=json.dumps(body),
            content_type="application/scim+json",
        )
        entry = AuditEntry.objects.get()
        assert SECRET not in entry.request_body
        assert SECRET not in entry.response_body
        assert json.loads(entry.request_body)["password"] == REDACTED
        assert json.loads(entry.request_body)["userName"] == "alice"

    def test_patch_operation(self, scim, audit_on):
        body = {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": "password", "value": SECRET}],
        }
        scim.patch("/scim/v2/Users/abc", data=json.dumps(body), content_type="application/json")
        assert SECRET not in AuditEntry.objects.get().request_body

    def test_scim11_patch(self, scim, audit_on):
        body = {"schemas": ["urn:scim:schemas:core:1.0"], "password": SECRET}
        scim.patch("/scim/v1/Users/abc", data=json.dumps(body), content_type="application/json")
        assert SECRET not in AuditEntry.objects.get().request_body

    def test_response_bodies(self, scim, audit_on):
        scim.get("/scim/v2/test/secret")
        assert "leaked-secret" not in AuditEntry.objects.get().response_body

    def test_token_in_the_query(self, scim, audit_on):
        scim.get("/scim/v2/Users", {"access_token": SECRET})
        assert SECRET not in AuditEntry.objects.get().query

    @pytest.mark.parametrize("scheme", ["bearer", "basic", "wrong"])
    def test_authorization_is_never_stored(self, client, configuration, audit_on, scheme):
        token = configuration[1]
        header = {
            "bearer": f"Bearer {token}",
            "basic": "Basic " + base64.b64encode(f"okta:{SECRET}".encode()).decode(),
            "wrong": f"Bearer {token}x",
        }[scheme]
        client.post(
            "/scim/v2/Users",
            data=json.dumps({"userName": "a"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
        entry = AuditEntry.objects.get()
        stored = json.dumps(
            {field.name: str(getattr(entry, field.attname)) for field in AuditEntry._meta.fields}
        )
        for secret in (token, SECRET, header, header.split()[1]):
            assert secret not in stored
