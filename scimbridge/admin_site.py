"""scimbridge's admin site: Django's admin whose index is the SCIM home page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, path, reverse

# Who may see the home page's sections: whoever may see the configurations.
HOME_PERMISSION = "configurations.view_scimconfiguration"


class ScimbridgeAdminSite(admin.AdminSite):
    """The admin with the SCIM home page as its index and no "View site" link."""

    site_header = "scimbridge"
    site_title = "scimbridge"
    index_title = "SCIM provisioning for Jira"
    # The site has no public pages: "/" redirects here (scimbridge/urls.py).
    site_url = None
    index_template = "admin/home/index.html"
    # The home page lists every page; without the side menu lists and forms get the width
    # they need at 1280 px.
    enable_nav_sidebar = False
    # The same dash the home page and the utilities show for "none".
    empty_value_display = "—"

    def get_urls(self) -> list[URLPattern | URLResolver]:
        """Add the site health endpoint the home page's script calls."""
        return [
            path(
                "home/site-health/<int:site_id>/",
                self.admin_view(self.site_health_view),
                name="home_site_health",
            ),
            *super().get_urls(),
        ]

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The SCIM home page, then Django's list of every admin page."""
        from .admin_home import home_context

        context: dict[str, Any] = {"show_home": request.user.has_perm(HOME_PERMISSION)}
        if context["show_home"]:
            context.update(home_context(request, self.home_urls()))
        return super().index(request, {**context, **(extra_context or {})})

    @staticmethod
    def home_urls() -> dict[str, str]:
        """Where the home page's sections link to."""
        names = {
            "configurations": "configurations_scimconfiguration_changelist",
            "configuration_add": "configurations_scimconfiguration_add",
            "sites": "configurations_jirasite_changelist",
            "site_add": "configurations_jirasite_add",
            "directories": "configurations_directory_changelist",
            "utilities": "provisioning_syncrun_utilities",
            "runs": "provisioning_syncrun_changelist",
            "audit_log": "auditlog_auditentry_changelist",
            "planned_changes": "provisioning_plannedchange_changelist",
            "held_requests": "configurations_heldrequest_changelist",
        }
        return {key: reverse(f"admin:{name}") for key, name in names.items()}

    def site_health_view(self, request: HttpRequest, site_id: int) -> HttpResponse:
        """Check one Jira site now (short timeout) and answer its rendered health cell."""
        from configurations.models import JiraSite
        from configurations.site_health import site_health_refresh

        if not request.user.has_perm("configurations.view_jirasite"):
            raise PermissionDenied
        site = get_object_or_404(JiraSite, pk=site_id)
        health = site_health_refresh(site=site)
        html = render_to_string(
            "admin/home/_site_health.html", {"health": health, "site": site}, request=request
        )
        return JsonResponse({"state": health.state if health else "unknown", "html": html})
