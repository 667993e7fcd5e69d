"""SCIM media types: parsing request bodies and rendering responses."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

SCIM_MEDIA_TYPE = "application/scim+json"


class ScimParser(JSONParser):
    """Parses `application/scim+json` bodies."""

    media_type = SCIM_MEDIA_TYPE


class ScimRenderer(JSONRenderer):
    """Renders `application/scim+json`, the only representation the SCIM API answers with."""

    media_type = SCIM_MEDIA_TYPE
    format = "scim"
    charset = None


class ScimContentNegotiation(DefaultContentNegotiation):
    """Always answer in SCIM JSON; read bodies sent as SCIM JSON, JSON or with no type.

    IdPs send `Accept: application/json`, `*/*` or nothing, and some send no Content-Type
    (Okta's spec test does); none of that may turn into 406 or 415.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        """Pick the SCIM renderer whatever the Accept header says."""
        renderer = renderers[0]
        return renderer, renderer.media_type

    def select_parser(self, request, parsers):
        """Parse a body without Content-Type as SCIM JSON."""
        if not request.content_type:
            return parsers[0]
        return super().select_parser(request, parsers)


PARSER_CLASSES = [ScimParser, JSONParser]
RENDERER_CLASSES = [ScimRenderer]
