"""The user reads every IdP cycle repeats, answered without DRF's request machinery.

`GET /Users/{id}` and `GET /Users?filter=...&startIndex=...&count=...` (Entra's
`userName eq` before every write, Okta's imports) pass through Django's middleware like
every request (request id, audit log, metrics, security headers), but not through DRF:
its Request, content negotiation, authentication, permission and throttle classes, and its
Response rendering cost about a tenth of such a read under load (measured paired, fast
against full: 1.10x the requests per second by id, 1.09x for `userName eq`;
docs/performance.md). What they answer comes from the functions the full views use: the
credential check (`admitted_configuration`), the selectors and the renderer.

Whatever they do not answer themselves goes on to the full view, which stays the authority
for every other case: other query parameters, `If-None-Match`, a credential that is not
admitted (so that 401, 403 and 429 and the failure counts stay the view's), a user not
found, a filter the view refuses, and any error. `SCIM_FAST_READS=false` turns them off.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from provisioning import selectors
from provisioning.scim.dialect import Dialect
from provisioning.scim.errors import ScimError

from .authentication import admitted_configuration
from .renderers import SCIM_MEDIA_TYPE, scim_json
from .resources import USERS, list_document, resource_document
from .views import locator_for, request_limits

logger = logging.getLogger("scimbridge.api")

# Set on the responses answered here (not a header: clients see no difference).
SERVED_FAST = "scim_served_fast"
# The parameters of the lists answered here (Entra's lookups, Okta's imports).
LIST_PARAMETERS = frozenset({"filter", "startIndex", "count"})

Serve = Callable[..., HttpResponse | None]


def with_fast_read(view: Callable[..., Any], serve: Serve) -> Callable[..., Any]:
    """`view` (a DRF view function) with its GETs offered to `serve` first."""
    dialect: Dialect = view.view_initkwargs["dialect"]  # type: ignore[attr-defined]
    allow = _allowed_methods(view)

    @functools.wraps(view)  # keeps csrf_exempt, view_class and view_initkwargs
    def fast_or_full(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method == "GET" and settings.SCIM_FAST_READS:
            response = _served(serve, request, dialect, **kwargs)
            if response is not None:
                response["Allow"] = allow  # as DRF answers it
                setattr(response, SERVED_FAST, True)
                return response
        return view(request, *args, **kwargs)

    return fast_or_full


def _allowed_methods(view: Callable[..., Any]) -> str:
    """The `Allow` header DRF answers the view's requests with."""
    instance = view.view_class(**view.view_initkwargs)  # type: ignore[attr-defined]
    instance.setup(HttpRequest())  # as for a request: Django adds HEAD where GET is
    return ", ".join(instance.allowed_methods)


def _served(serve: Serve, request: HttpRequest, dialect: Dialect, **kwargs: Any) -> Any:
    if request.META.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None  # a GET with a body: the full view checks its size (413)
    try:
        response = serve(request, dialect, **kwargs)
    except Exception:  # the full view answers every error, as it always did
        logger.debug("Fast read not answered; the full view answers", exc_info=True)
        response = None
    if response is None:
        # The full view authenticates again: only what it decides may reach the audit log.
        request.__dict__.pop("auth", None)
    return response


def _answer(document: dict[str, Any], *, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(scim_json(document), content_type=SCIM_MEDIA_TYPE)
    if etag:
        response["ETag"] = etag
    return response


def user_by_id(request: HttpRequest, dialect: Dialect, *, resource_id: str) -> HttpResponse | None:
    """`GET /Users/{id}` without parameters or preconditions, when the user is found."""
    if request.META.get("QUERY_STRING") or "HTTP_IF_NONE_MATCH" in request.META:
        return None
    configuration = admitted_configuration(request)
    if configuration is None:
        return None
    try:
        user = selectors.user_get(directory=configuration.directory, user_id=resource_id)
    except ScimError:
        return None
    document = resource_document(
        USERS,
        dialect,
        user,
        locator=locator_for(request, dialect),
        projection=dialect.projection(request.GET),
    )
    return _answer(document, etag=user.etag)


def user_list(request: HttpRequest, dialect: Dialect) -> HttpResponse | None:
    """`GET /Users` with no parameters but `filter`, `startIndex` and `count`."""
    if not LIST_PARAMETERS.issuperset(request.GET):
        return None
    configuration = admitted_configuration(request)
    if configuration is None:
        return None
    query = dialect.list_query(
        request.GET, max_page_size=settings.SCIM_MAX_PAGE_SIZE, limits=request_limits()
    )
    document = list_document(
        USERS,
        dialect,
        directory=configuration.directory,
        query=query,
        locator=locator_for(request, dialect),
    )
    return _answer(document)
