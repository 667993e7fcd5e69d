"""Shared behaviour of the SCIM endpoint views of both dialects: limits, 405, URLs, rendering."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from rest_framework.request import Request
from rest_framework.response import Response
from scim2_models import Context, Resource

from provisioning.scim.dialect import Dialect
from provisioning.scim.errors import ScimError, ScimType
from provisioning.scim.limits import Limits
from provisioning.scim.query import Projection
from provisioning.scim.rendering import Canonical
from provisioning.scim.schema import Locator
from provisioning.scim.values import check_values
from provisioning.selectors import RELATED_ATTRIBUTE

from .base import ScimView
from .renderers import SCIM_MEDIA_TYPE


class EndpointView(ScimView):
    """Base of the SCIM endpoints: SCIM 405, URLs of this server (ScimView checks sizes)."""

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """405 as a SCIM error, with the methods this endpoint allows."""
        allowed = ", ".join(self.allowed_methods)
        raise ScimError(
            405,
            f"{request.method} is not allowed on this endpoint; allowed: {allowed}.",
            headers={"Allow": allowed},
        )

    @property
    def locator(self) -> Locator:
        """Absolute URLs of this dialect's SCIM endpoints, as the client reached them."""
        return locator_for(self.request, self.dialect)

    @property
    def max_page_size(self) -> int:
        """The largest page a list answers (advertised in ServiceProviderConfig)."""
        return settings.SCIM_MAX_PAGE_SIZE

    @property
    def limits(self) -> Limits:
        """What one request may carry (the SCIM_MAX_* settings, docs/security.md)."""
        return request_limits()

    def body(self) -> Any:
        """The parsed JSON body (size checked in ScimView.initial), every value checked.

        The one walk over every body: NUL, lone surrogates, non-finite numbers and deep
        nesting are refused here (400) before any of it reaches SQL, jsonb, logs or Jira.
        """
        try:
            data = self.request.data
        except RecursionError:
            # json.loads gives up on very deep nesting; that is a client error, not ours.
            raise ScimError(
                400, "The request body nests too deeply.", ScimType.INVALID_SYNTAX
            ) from None
        check_values(data)
        return data


def request_limits() -> Limits:
    """What one request may carry (the SCIM_MAX_* settings, docs/security.md)."""
    return Limits(
        members_per_write=settings.SCIM_MAX_MEMBERS_PER_WRITE,
        patch_operations=settings.SCIM_MAX_PATCH_OPERATIONS,
        filter_length=settings.SCIM_MAX_FILTER_LENGTH,
        filter_depth=settings.SCIM_MAX_FILTER_DEPTH,
        filter_terms=settings.SCIM_MAX_FILTER_TERMS,
        attribute_values=settings.SCIM_MAX_ATTRIBUTE_VALUES,
    )


def locator_for(request: HttpRequest, dialect: Dialect) -> Locator:
    """Absolute URLs of the dialect's SCIM endpoints, as the client reached them."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    base = _base_path(dialect.users_route, get_script_prefix(), urlconf)
    return Locator(request.build_absolute_uri(base))


@functools.lru_cache(maxsize=64)
def _base_path(users_route: str, script_prefix: str, urlconf: Any) -> str:
    # reverse() costs more than the rest of a lookup's rendering. The script prefix and the
    # URL conf key the cache only: reverse() reads them itself.
    return reverse(users_route, urlconf=urlconf).rsplit("/", 1)[0]


@functools.cache
def canonical_form(model: type[Resource[Any]]) -> Canonical:
    """The canonical attribute order of a resource model (computed once per model)."""
    return Canonical(model)


def scim_response(
    data: Any, *, status: int = 200, etag: str | None = None, location: str | None = None
) -> Response:
    """A SCIM JSON response with ETag / Location headers when given."""
    headers = {}
    if etag:
        headers["ETag"] = etag
    if location:
        headers["Location"] = location
    response = Response(data, status=status, headers=headers)
    response.content_type = SCIM_MEDIA_TYPE
    return response


def empty_response(*, status: int, etag: str | None = None) -> Response:
    """204 / 304 without a body."""
    return Response(status=status, headers={"ETag": etag} if etag else {})


@dataclass(frozen=True)
class Renderer:
    """Renders stored rows of one resource type as projected SCIM JSON."""

    model: type[Resource[Any]]
    schema: str
    related: str
    load_related: Callable[[Iterable[Any]], dict[Any, Any]]
    document: Callable[..., dict[str, Any]]
    # Optional: extends the projected documents of a page in place (rows, documents,
    # projection=...), e.g. last-login info (provisioning/sync/last_login.py).
    decorate: Callable[..., None] | None = None

    def render(
        self,
        rows: Sequence[Any],
        *,
        locator: Locator,
        projection: Projection,
        known_related: dict[Any, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The resources as the response carries them (one query for their relations).

        `known_related`: the relations when the caller knows them (a user just created
        belongs to no group, a user read with its groups), so that they are not read.
        """
        if known_related is None and rows and all(hasattr(row, RELATED_ATTRIBUTE) for row in rows):
            # Read with the rows (selectors.RELATED_ATTRIBUTE).
            known_related = {row.pk: getattr(row, RELATED_ATTRIBUTE) for row in rows}
        related: dict[Any, Any] = known_related or {}
        if known_related is None and rows and projection.includes(self.related, self.schema):
            related = self.load_related([row.pk for row in rows])
        parameters = projection.parameters(self.model)
        canonical = canonical_form(self.model)
        documents = []
        for row in rows:
            document = self.document(row, locator=locator, **{self.related: related.get(row.pk)})
            # Validated on write: answered as stored unless projected or not canonical.
            if parameters is None and canonical.trusted(document):
                documents.append(canonical.ordered(document))
                continue
            resource = self.model.model_validate(document)
            documents.append(
                resource.model_dump(
                    scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters
                )
            )
        if self.decorate is not None:
            self.decorate(rows, documents, projection=projection)
        return documents
