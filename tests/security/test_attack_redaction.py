"""Attack 4 of issue 19: passwords past the redactor into the audit table and CSV export."""

from __future__ import annotations

import json

import pytest

from auditlog.models import AuditEntry
from tests.security.conftest import stored_text

pytestmark = pytest.mark.django_db

SECRET = "Planted-Secret-42"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _patch_body(*operations: dict) -> str:
    return json.dumps({"schemas": [PATCH], "Operations": list(operations)})


class TestPasswordsPastTheRedactor:
    """Each shape sets the password (the applier sees it) and never reaches the audit log."""

    def test_scim11_dotted_urn_key(self, scim1, applier, audit_on) -> None:
        body = {
            "schemas": ["urn:scim:schemas:core:1.0"],
            "userName": "dotted",
            "urn:scim:schemas:core:1.0.password": SECRET,
        }
        assert scim1.post("Users", body).status_code == 201
        assert applier.passwords == [SECRET]
        assert SECRET not in stored_text()

    def _user(self, scim) -> str:
        return scim.create_user("target")["id"]

    def test_path_with_a_trailing_space(self, scim, applier, audit_on) -> None:
        user = self._user(scim)
        operation = {"op": "replace", "path": "password ", "value": SECRET}
        assert scim.patch(f"Users/{user}", raw=_patch_body(operation)).status_code in (200, 204)
        assert applier.passwords == [SECRET]
        assert SECRET not in stored_text()

    def test_two_spellings_of_path_the_parser_keeps_the_last(
        self, scim, applier, audit_on
    ) -> None:
        user = self._user(scim)
        # Written by hand: a dict cannot hold both keys in this order.
        raw = (
            f'{{"schemas": ["{PATCH}"], "Operations": [{{"op": "replace", '
            f'"Path": "displayName", "path": "password", "value": "{SECRET}"}}]}}'
        )
        assert scim.patch(f"Users/{user}", raw=raw).status_code in (200, 204)
        assert applier.passwords == [SECRET]
        assert SECRET not in stored_text()

    def test_utf7_spelling_of_the_path(self, scim, applier, audit_on) -> None:
        user = self._user(scim)
        raw = _patch_body({"op": "replace", "path": "+AHA-assword", "value": SECRET})
        response = scim.patch(
            f"Users/{user}",
            raw=raw.encode("ascii"),
            content_type="application/scim+json; charset=utf-7",
        )
        assert response.status_code in (200, 204)
        assert applier.passwords == [SECRET]
        assert SECRET not in stored_text()

    def test_utf16_body_is_recorded_and_redacted(self, scim, applier, audit_on) -> None:
        user = self._user(scim)
        raw = _patch_body({"op": "replace", "path": "password", "value": SECRET})
        response = scim.patch(
            f"Users/{user}",
            raw=raw.encode("utf-16"),
            content_type="application/scim+json; charset=utf-16",
        )
        assert response.status_code in (200, 204)
        assert applier.passwords == [SECRET]
        entry = AuditEntry.objects.get(method="PATCH")
        assert "\x00" not in entry.request_body
        assert json.loads(entry.request_body)["Operations"][0]["value"] == "[REDACTED]"
        assert SECRET not in stored_text()
