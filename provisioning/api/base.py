"""Base view of the SCIM API: authentication, media types and SCIM errors in one place."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.views import APIView

from alerts.services import note_jira_failure, note_jira_success
from configurations.models import ScimConfiguration
from provisioning.scim.dialect import V2, Dialect
from provisioning.scim.errors import ScimError
from provisioning.services.guard import DeprovisioningHeld

from .authentication import IsScimConfiguration, ScimAuthentication
from .exceptions import scim_exception_handler
from .holds import hold_request
from .renderers import PARSER_CLASSES, RENDERER_CLASSES, ScimContentNegotiation

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ScimView(APIView):
    """Every SCIM endpoint derives from this view."""

    authentication_classes = [ScimAuthentication]
    permission_classes = [IsScimConfiguration]
    parser_classes = PARSER_CLASSES
    renderer_classes = RENDERER_CLASSES
    content_negotiation_class = ScimContentNegotiation
    throttle_classes = []
    # Set by the URL conf (`as_view(dialect=V1)`): translates requests and answers.
    dialect: Dialect = V2

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authenticate first; only then check the body's size and read it.

        Nothing of an unauthenticated request's body is read, parsed or recorded. Read
        here, through Django's cached `body`, it stays available to the audit log after
        the view (DRF would otherwise consume the stream).
        """
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        self.check_body_size(length)
        request.body  # noqa: B018 - reads and caches the body (see above)

    def check_body_size(self, length: int) -> None:
        """413 when the body is larger than SCIM_MAX_BODY_BYTES (/Bulk has its own limit)."""
        limit = settings.SCIM_MAX_BODY_BYTES
        if length > limit:
            raise ScimError(
                413, f"The request body ({length} bytes) is larger than the {limit} accepted."
            )

    def handle_exception(self, exc: Exception) -> Any:
        """A deprovisioning the breaker refused is held (recorded) before it is answered."""
        if isinstance(exc, DeprovisioningHeld):
            hold_request(self.request, exc, self.kwargs.get("resource_id"))
        failure = getattr(exc, "jira_failure", None)
        if failure is not None and isinstance(self.request.auth, ScimConfiguration):
            site = self.request.auth.directory.jira_site
            note_jira_failure(
                jira_site_id=site.pk, site_name=site.name, credentials=failure == "credentials"
            )
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """A write that succeeded reached Jira: an outage being tracked for alerts is over."""
        if request.method in WRITE_METHODS and response.status_code < 300:
            configuration = request.auth
            if isinstance(configuration, ScimConfiguration):
                note_jira_success(jira_site_id=configuration.directory.jira_site_id)
        return super().finalize_response(request, response, *args, **kwargs)

    def get_exception_handler(self):
        """Use the SCIM exception handler for this view only (admin stays Django's)."""
        return scim_exception_handler

    @property
    def configuration(self) -> ScimConfiguration:
        """The authenticated SCIM configuration."""
        return self.request.auth


class UnknownEndpointView(ScimView):
    """Answers every URL under /scim/ that matches no endpoint with a SCIM 404."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authenticate first: unknown URLs reveal nothing to anonymous callers."""
        super().initial(request, *args, **kwargs)
        raise ScimError(404, f"No SCIM endpoint at {request.path}.")


class NotImplementedEndpointView(ScimView):
    """An RFC 7644 endpoint this server does not offer (`/Me`; `/Bulk` in 1.1): a SCIM 501.

    RFC 7644 section 3.11 (`/Me`) and 3.7 (Bulk) let a server not implement them; a client
    probing for them gets a SCIM error it can act on, not a 404 that reads as a wrong URL.
    """

    # What each endpoint is, for the `detail` (the URL pattern passes `endpoint`).
    ENDPOINTS = {
        "Me": "the /Me alias of the authenticated subject (RFC 7644 section 3.11); "
        "the SCIM credential is a configuration, not a user",
        "Bulk": "SCIM 1.1 Bulk; ServiceProviderConfigs advertises bulk.supported false. "
        "SCIM 2.0 Bulk is served at /scim/v2/Bulk",
    }
    # Per dialect: the endpoints it does not offer.
    NOT_OFFERED = {"v2": ("Me",), "v1": ("Me", "Bulk")}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authenticate first, as for any endpoint; then answer 501."""
        super().initial(request, *args, **kwargs)
        endpoint = kwargs.get("endpoint", "")
        raise ScimError(501, f"Not implemented: {self.ENDPOINTS[endpoint]}.")
