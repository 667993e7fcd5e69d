"""The base of the SCIM 1.1 views: the 1.1 error envelope and this server's 1.1 URLs."""

from __future__ import annotations

from django.urls import reverse

from provisioning.api.views import ScimV2View
from provisioning.scim.schema import Locator


class ScimV1View(ScimV2View):
    """Every 1.1 endpoint derives from this view.

    What the 2.0 base view adds to ScimView — the body-size limit, the SCIM 405, body
    parsing — is not 2.0 specific, so the 1.1 views inherit it rather than repeat it; the
    dialect (error envelope) and the URLs (meta.location, Location) are 1.1's own.
    """

    scim_dialect = "v1"

    @property
    def locator(self) -> Locator:
        """Absolute URLs of this server's SCIM 1.1 endpoints, as the client reached them."""
        users = reverse("scim-v1-users")
        return Locator(self.request.build_absolute_uri(users.rsplit("/", 1)[0]))
