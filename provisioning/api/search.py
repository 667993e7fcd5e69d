"""POST /.search at the service root: users and groups in one result (RFC 7644 3.4.3)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from provisioning import selectors
from provisioning.models import ScimUser
from provisioning.scim.query import list_query_from_search

from .resources import GROUPS, USERS
from .views import EndpointView, scim_response


class RootSearchView(EndpointView):
    """Searches every resource type of the configuration's directory."""

    def post(self, request: Request) -> Response:
        """A ListResponse mixing User and Group resources."""
        query = list_query_from_search(
            self.body(), max_page_size=self.max_page_size, limits=self.limits
        )
        page = selectors.resource_search(directory=self.configuration.directory, query=query)
        users = [row for row in page.items if isinstance(row, ScimUser)]
        groups = [row for row in page.items if not isinstance(row, ScimUser)]
        rendered = {
            row.pk: document
            for resource_type, rows in ((USERS, users), (GROUPS, groups))
            for row, document in zip(
                rows,
                resource_type.renderer.render(
                    rows, locator=self.locator, projection=query.projection
                ),
                strict=True,
            )
        }
        resources = [self.dialect.resource_out(rendered[row.pk]) for row in page.items]
        return scim_response(self.dialect.list_response(resources, total=page.total, query=query))
