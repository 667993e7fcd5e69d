"""Admin pages of the Jira side: Jira sites (with Test connection) and directories."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .connection import check_jira_connection
from .forms import JiraSiteForm
from .models import Directory, JiraSite
from .site_health import site_health_record


@admin.register(JiraSite)
class JiraSiteAdmin(admin.ModelAdmin):
    """Jira sites; the secret is write-only and "Test connection" calls Jira."""

    form = JiraSiteForm
    list_display = ("name", "base_url", "auth_method", "username", "verify_tls", "directory_count")
    search_fields = ("name", "base_url")
    change_form_template = "admin/configurations/jirasite/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "base_url", "auth_method", "username", "secret")}),
        ("Connection", {"fields": ("verify_tls", "timeout")}),
        (
            "Least power: what SCIM never touches",
            {
                "description": (
                    "jira-administrators, jira-system-administrators, every group whose name "
                    'contains "admin", their members and scimbridge\'s own account are always '
                    "protected: Sync never maps them and every SCIM write to them answers 403. "
                    "See docs/security.md."
                ),
                "fields": ("protected_groups", "unprotected_groups", "protected_users"),
            },
        ),
    )

    @method_decorator(sensitive_post_parameters("secret"))
    def changeform_view(self, *args: Any, **kwargs: Any) -> HttpResponse:
        """Add and change pages; Django's error reports never show the entered secret."""
        return super().changeform_view(*args, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[JiraSite]:
        """Count directories in the same query."""
        return super().get_queryset(request).annotate(_directories=Count("directories"))

    @admin.display(description="Directories", ordering="_directories")
    def directory_count(self, site: JiraSite) -> int:
        """Number of directories bound to the site."""
        return site._directories

    def get_urls(self) -> list:
        """Add the Test connection endpoint."""
        return [
            path(
                "<int:object_id>/test-connection/",
                self.admin_site.admin_view(require_POST(self.test_connection_view)),
                name="configurations_jirasite_test_connection",
            ),
            *super().get_urls(),
        ]

    def test_connection_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Call Jira's myself and serverInfo and report the outcome as a message."""
        site = get_object_or_404(JiraSite, pk=object_id)
        # It calls Jira with the stored secret: an action on the site, not a view of it.
        if not self.has_change_permission(request, site):
            raise PermissionDenied
        report = check_jira_connection(site)
        # The home page shows this outcome as the site's health until the next check.
        site_health_record(site=site, report=report)
        level = messages.SUCCESS if report.ok else messages.ERROR
        if report.ok and report.is_admin is False:
            level = messages.WARNING
        self.message_user(request, report.message, level)
        return HttpResponseRedirect(reverse("admin:configurations_jirasite_change", args=[site.pk]))


@admin.register(Directory)
class DirectoryAdmin(admin.ModelAdmin):
    """Directories: named sets of SCIM users and groups, each bound to one Jira site."""

    list_display = ("name", "jira_site", "configuration_count", "created_at")
    list_select_related = ("jira_site",)
    search_fields = ("name",)
    # Links to the directory's utilities (Sync, Remove Directory, Clear, last login).
    change_form_template = "admin/configurations/directory/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Directory]:
        """Count configurations in the same query."""
        return super().get_queryset(request).annotate(_configurations=Count("scim_configurations"))

    @admin.display(description="SCIM configurations", ordering="_configurations")
    def configuration_count(self, directory: Directory) -> int:
        """Number of configurations using the directory."""
        return directory._configurations

    def get_readonly_fields(self, request: HttpRequest, obj: Directory | None = None) -> tuple:
        """The Jira site is read-only once the directory has rows (Directory.clean says why)."""
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.has_rows:
            readonly += ("jira_site",)
        return readonly
