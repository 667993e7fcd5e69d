"""Attack 8 of issue 19: fuzzed input reached 500s; every such value is now a 400 SCIM error.

Each case sends the raw JSON text (Python's `json` module would refuse to write some of
it) and checks that the answer is a SCIM error of the right kind and that nothing was
stored or sent on.
"""

from __future__ import annotations

import pytest

from provisioning.models import ScimGroup, ScimUser
from tests.provisioning.conftest import assert_scim_error

pytestmark = pytest.mark.django_db

USER = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%s}'
SEARCH = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],%s}'
PATCH = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}'


def _stored() -> tuple[list[tuple[str, int]], int]:
    return list(ScimUser.objects.values_list("user_name", "version")), ScimGroup.objects.count()


class TestPagingNumbers:
    """`startIndex` / `count` that are not finite integers of SQL's range."""

    @pytest.mark.parametrize("path", ["Users/.search", "Groups/.search", ".search"])
    @pytest.mark.parametrize("field", ["startIndex", "count"])
    def test_an_overflowing_number_in_a_search_body(self, scim, path, field) -> None:
        response = scim.post(path, raw=SEARCH % f'"{field}":1e400')
        assert_scim_error(response, 400, "invalidValue")

    def test_a_fractional_number_in_a_search_body(self, scim) -> None:
        assert_scim_error(scim.post("Users/.search", raw=SEARCH % '"count":2.5'), 400)

    @pytest.mark.parametrize("field", ["startIndex", "count"])
    def test_a_huge_integer_as_a_query_parameter(self, scim, field) -> None:
        assert_scim_error(scim.get("Users", **{field: "9" * 40}), 400, "invalidValue")

    def test_a_huge_integer_over_scim11(self, scim1) -> None:
        response = scim1.get("Users", startIndex="1" + "0" * 30)
        assert response.status_code == 400, response.content
        assert "startIndex" in response.json()["Errors"][0]["description"]


class TestLoneSurrogates:
    """Escapes such as `\\ud800` that decode to no character (UnicodeEncodeError before)."""

    def test_in_a_user_name(self, scim) -> None:
        assert_scim_error(scim.post("Users", raw=USER % '"a\\ud800"'), 400, "invalidValue")
        assert _stored() == ([], 0)

    def test_in_a_user_name_over_scim11(self, scim1) -> None:
        body = '{"schemas":["urn:scim:schemas:core:1.0"],"userName":"b\\udfff"}'
        response = scim1.post("Users", raw=body)
        assert response.status_code == 400, response.content
        assert "surrogate" in response.json()["Errors"][0]["description"]
        assert _stored() == ([], 0)

    def test_in_another_stored_string(self, scim) -> None:
        body = USER % '"carol", "name": {"givenName": "\\udc00x"}'
        assert_scim_error(scim.post("Users", raw=body), 400, "invalidValue")
        assert _stored() == ([], 0)

    def test_in_a_patch_value(self, scim) -> None:
        user = scim.create_user("dave")
        before = _stored()
        body = PATCH % '{"op":"replace","path":"displayName","value":"\\ud83d"}'
        assert_scim_error(scim.patch(f"Users/{user['id']}", raw=body), 400, "invalidValue")
        assert _stored() == before

    def test_in_a_filter(self, scim) -> None:
        response = scim.get("Users", filter='userName eq "e\\ud800"')
        assert_scim_error(response, 400, "invalidFilter")

    def test_in_a_search_filter(self, scim) -> None:
        response = scim.post("Users/.search", raw=SEARCH % '"filter":"userName eq \\"\\ud800\\""')
        assert_scim_error(response, 400)


class TestNulInFilters:
    """An escaped NUL in a filter value (DataError in the selectors on PostgreSQL before)."""

    @pytest.mark.parametrize("path", ["Users", "Groups"])
    def test_escaped_nul_in_a_filter_value(self, scim, path) -> None:
        attribute = "userName" if path == "Users" else "displayName"
        response = scim.get(path, filter=f'{attribute} eq "a\\u0000b"')
        assert_scim_error(response, 400, "invalidFilter")

    def test_escaped_nul_in_a_root_search(self, scim) -> None:
        body = SEARCH % '"filter":"displayName co \\"\\\\u0000\\""'
        assert_scim_error(scim.post(".search", raw=body), 400, "invalidFilter")

    def test_escaped_nul_in_a_scim11_filter(self, scim1) -> None:
        assert scim1.get("Users", filter='userName eq "a\\u0000"').status_code == 400

    def test_escaped_nul_in_a_patch_path_filter(self, scim) -> None:
        user = scim.create_user("frank")
        group = scim.create_group("nul-path", members=[user["id"]])
        before = _stored()
        body = PATCH % '{"op":"remove","path":"members[value eq \\"\\\\u0000\\"]"}'
        assert_scim_error(scim.patch(f"Groups/{group['id']}", raw=body), 400, "invalidFilter")
        assert _stored() == before


class TestWhatJsonbRefuses:
    """Values PostgreSQL's jsonb refuses ("invalid input syntax for type json")."""

    # NaN and Infinity literals are already refused by the JSON parser (invalidSyntax).
    @pytest.mark.parametrize("number", ["1e400", "-1e999"])
    def test_non_finite_numbers_anywhere_in_a_body(self, scim, number) -> None:
        body = USER % f'"grace", "urn:example:extension": {{"score": {number}}}'
        assert_scim_error(scim.post("Users", raw=body), 400, "invalidValue")
        assert _stored() == ([], 0)

    def test_non_finite_number_in_a_patch(self, scim) -> None:
        user = scim.create_user("heidi")
        before = _stored()
        body = PATCH % '{"op":"add","value":{"title":"x","urn:example:score":1e999}}'
        assert_scim_error(scim.patch(f"Users/{user['id']}", raw=body), 400, "invalidValue")
        assert _stored() == before

    def test_a_body_nested_absurdly_deep(self, scim) -> None:
        body = USER % ('"ivan", "x": ' + "[" * 200 + "]" * 200)
        assert_scim_error(scim.post("Users", raw=body), 400, "invalidSyntax")
        assert _stored() == ([], 0)


class TestHostilePaths:
    """A path holding a newline reached Django's HTML 404 instead of our SCIM 404."""

    @pytest.mark.parametrize("path", ["/scim/v2/%0A", "/scim/v1/Users%0A/x", "/scim/v2/a%0Ab"])
    def test_a_newline_in_an_unknown_path(self, scim, path) -> None:
        response = scim.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/scim+json"
        assert response.json()
