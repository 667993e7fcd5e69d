"""List parameters and projections parsed into a ListQuery, no database."""

from __future__ import annotations

from typing import Any

import pytest

from provisioning.scim.errors import ScimError
from provisioning.scim.query import (
    ListQuery,
    Projection,
    list_query_from_params,
    list_query_from_search,
    projection_from_params,
)
from provisioning.scim.schema import USER_SCHEMA


class TestListQuery:
    """Paging rules of RFC 7644 section 3.4.2.4 and the parameters' checks."""

    def test_defaults(self) -> None:
        assert list_query_from_params({}, max_page_size=100) == ListQuery()

    def test_paging(self) -> None:
        query = list_query_from_params(
            {"STARTINDEX": "0", "count": "500", "sortby": " userName ", "sortOrder": "Descending"},
            max_page_size=200,
        )
        assert (query.start_index, query.offset, query.count) == (1, 0, 200)
        assert (query.sort_by, query.descending) == ("userName", True)
        assert list_query_from_params({"count": "-3"}, max_page_size=10).count == 0

    @pytest.mark.parametrize(
        "params",
        [
            {"count": "many"},
            {"startIndex": True},
            {"sortOrder": "up"},
            {"sortBy": " "},
            {"attributes": "userName", "excludedAttributes": "emails"},
            {"filter": 'userName eq "\x00"'},
        ],
    )
    def test_refused(self, params: dict[str, Any]) -> None:
        with pytest.raises(ScimError) as error:
            list_query_from_params(params, max_page_size=100)
        assert error.value.status == 400

    def test_search_body(self) -> None:
        query = list_query_from_search(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": 'userName sw "a"',
                "attributes": ["userName", "emails"],
            },
            max_page_size=50,
        )
        assert query.filter == 'userName sw "a"'
        assert query.projection == Projection(("userName", "emails"))
        with pytest.raises(ScimError):
            list_query_from_search({"schemas": ["urn:other"]}, max_page_size=50)


class TestProjection:
    """Which attributes a response carries."""

    def test_includes(self) -> None:
        projection = projection_from_params({"attributes": f"{USER_SCHEMA}:emails.value,name"})
        assert projection.includes("emails", USER_SCHEMA)
        assert not projection.includes("groups", USER_SCHEMA)
        excluded = projection_from_params({"excludedAttributes": "groups"})
        assert not excluded.includes("groups", USER_SCHEMA)
        assert excluded.includes("emails", USER_SCHEMA)
        assert not Projection()
