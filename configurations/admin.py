"""Admin pages: SCIM configurations (Jira sites and directories: admin_jira.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_variables

from . import (
    admin_jira,  # noqa: F401  (registers the Jira site and directory pages)
    crypto,
)
from .admin_guards import GuardAdminMixin, rotation_options
from .endpoints import scim_base_urls_for_request
from .forms import ScimConfigurationChangeForm, ScimConfigurationCreateForm
from .models import JiraSite, ScimConfiguration
from .services import (
    IssuedCredentials,
    directory_get_or_create,
    scim_configuration_create,
    scim_configuration_rotate_credentials,
    scim_configuration_set_enabled,
    scim_configuration_set_mode,
)

# Session key under which freshly issued credentials wait to be shown, once: encrypted with
# a key of their own (the session table and its backups never hold them in clear), and
# refused after ISSUED_MAX_AGE seconds.
ISSUED_SESSION_KEY = "scimbridge-issued-credentials"
ISSUED_PURPOSE = "issued-credentials"
ISSUED_MAX_AGE = 600


def _urls_column(request: HttpRequest) -> Callable[[Any], str]:
    """A changelist column with the absolute SCIM URLs as this browser reaches the server."""
    v2, v1 = scim_base_urls_for_request(request)

    @admin.display(description="SCIM URLs (v2 / v1)")
    def column(configuration: ScimConfiguration) -> str:
        copy = '<button type="button" class="button copy" data-copy-target="{}">Copy</button>'
        pk = configuration.pk
        return format_html(
            f'<code id="{{}}">{{}}</code>{copy}<br><code id="{{}}">{{}}</code>{copy}',
            f"scim-v2-{pk}",
            v2,
            f"scim-v2-{pk}",
            f"scim-v1-{pk}",
            v1,
            f"scim-v1-{pk}",
        )

    return column


@admin.register(ScimConfiguration)
class ScimConfigurationAdmin(GuardAdminMixin, admin.ModelAdmin):
    """The "General" tab: every configuration, its options and its SCIM URLs."""

    form = ScimConfigurationChangeForm
    list_select_related = ("directory__jira_site",)
    list_filter = ("mode", "enabled", "delete_users", "recreate_renamed_groups", "directory")
    search_fields = ("name", "directory__name", "basic_auth_username")
    actions = ("enable_selected", "disable_selected", "shadow_selected")
    readonly_fields = (
        "directory",
        "jira_site",
        "auth_method",
        "basic_auth",
        "token_prefix_display",
        "token_created_at",
        "previous_token_display",
        "deprovisioning",
        "last_used_at",
        "created_at",
    )
    change_form_template = "admin/configurations/scimconfiguration/change_form.html"

    def get_list_display(self, request: HttpRequest) -> tuple:
        """Columns of the General tab; the SCIM URLs are built from this request."""
        return (
            "name",
            "mode_badge",
            "directory",
            "jira_site",
            "auth_method",
            "delete_or_disable",
            "groups",
            _urls_column(request),
            "enabled",
            "deprovisioning",
            "credential_expiry",
            "last_used_at",
        )

    @admin.display(description="Mode", ordering="mode")
    def mode_badge(self, configuration: ScimConfiguration) -> str:
        """LIVE or SHADOW, linked to the go-live page (drift, planned changes, switch)."""
        url = reverse("admin:provisioning_syncrun_golive", args=[configuration.pk])
        return format_html(
            '<a class="scim-mode scim-mode-{}" href="{}"><strong>{}</strong></a>',
            configuration.mode,
            url,
            configuration.mode.upper(),
        )

    @admin.display(description="Jira site", ordering="directory__jira_site__name")
    def jira_site(self, configuration: ScimConfiguration) -> str:
        """The Jira site the configuration provisions into."""
        return str(configuration.directory.jira_site)

    @admin.display(description="Auth method")
    def auth_method(self, configuration: ScimConfiguration) -> str:
        """Bearer token, or bearer token plus Basic auth."""
        return configuration.auth_method_label

    @admin.display(description="On delete", ordering="delete_users")
    def delete_or_disable(self, configuration: ScimConfiguration) -> str:
        """What a SCIM DELETE does."""
        return "Delete" if configuration.delete_users else "Disable"

    @admin.display(description="Default / app groups")
    def groups(self, configuration: ScimConfiguration) -> str:
        """Default groups and application access, one line each (one column fits 1280 px)."""
        return format_html(
            "{}<br>{}",
            configuration.default_groups or "—",
            ", ".join(configuration.application_labels) or "—",
        )

    @admin.display(description="Basic auth username")
    def basic_auth(self, configuration: ScimConfiguration) -> str:
        """The Basic-auth username, and where to change it (Rotate token)."""
        if configuration.basic_auth_username:
            return f"{configuration.basic_auth_username} (change or turn off with Rotate token)"
        return "— (only the bearer token; turn Basic auth on with Rotate token)"

    @admin.display(description="Token")
    def token_prefix_display(self, configuration: ScimConfiguration) -> str:
        """The non-secret start of the token."""
        return f"{configuration.token_prefix}…"

    # -- actions -----------------------------------------------------------------------------

    @admin.action(description="Enable selected configurations", permissions=["change"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Enable configurations."""
        self._set_enabled(request, queryset, enabled=True)

    @admin.action(description="Disable selected configurations", permissions=["change"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Disable configurations; their credentials stop working at once."""
        self._set_enabled(request, queryset, enabled=False)

    @admin.action(
        description="Switch selected configurations to shadow mode", permissions=["change"]
    )
    def shadow_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Stop writing to Jira; going live is on each configuration's go-live page."""
        for configuration in queryset:
            scim_configuration_set_mode(configuration=configuration, mode="shadow")
        self.message_user(
            request,
            f"{queryset.count()} configuration(s) now in shadow mode: "
            "SCIM writes are recorded as planned changes, Jira is only read.",
        )

    def _set_enabled(self, request: HttpRequest, queryset: QuerySet, *, enabled: bool) -> None:
        for configuration in queryset:
            scim_configuration_set_enabled(configuration=configuration, enabled=enabled)
        state = "enabled" if enabled else "disabled"
        self.message_user(request, f"{queryset.count()} configuration(s) {state}.")

    # -- pages ---------------------------------------------------------------------------------

    def get_urls(self) -> list:
        """Add the credentials page and token rotation."""
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/credentials/",
                wrap(self.credentials_view),
                name="configurations_scimconfiguration_credentials",
            ),
            path(
                "<int:object_id>/rotate/",
                wrap(self.rotate_view),
                name="configurations_scimconfiguration_rotate",
            ),
            *self.guard_urls(),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        """Show the SCIM URLs as this browser reaches the server."""
        v2, v1 = scim_base_urls_for_request(request)
        extra_context = {**(extra_context or {}), "scim_v2_url": v2, "scim_v1_url": v1}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """ "New configuration": the plugin's options, then "Generate token"."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ScimConfigurationCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                configuration, issued = self._create(form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.log_addition(request, configuration, [{"added": {}}])
                return self._redirect_to_credentials(request, configuration, issued)
        context = {
            **self.admin_site.each_context(request),
            "title": "New configuration",
            "form": form,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            "has_jira_sites": JiraSite.objects.exists(),
            **(extra_context or {}),
        }
        return TemplateResponse(
            request, "admin/configurations/scimconfiguration/add_form.html", context
        )

    @staticmethod
    def _create(data: dict[str, Any]) -> tuple[ScimConfiguration, IssuedCredentials]:
        with transaction.atomic():
            directory = data["directory"] or directory_get_or_create(
                name=data["new_directory_name"], jira_site=data["jira_site"]
            )
            return scim_configuration_create(
                name=data["name"],
                directory=directory,
                basic_auth_username=data["basic_auth_username"],
                delete_users=data["delete_users"],
                default_groups=data["default_groups"],
                application_keys=data["application_keys"],
                recreate_renamed_groups=data["recreate_renamed_groups"],
                mode=ScimConfiguration.Mode.SHADOW if data.get("shadow") else "live",
            )

    def rotate_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Confirm, then issue new credentials (Basic auth on or off); old ones get a grace."""
        configuration = get_object_or_404(ScimConfiguration, pk=object_id)
        if not self.has_change_permission(request, configuration):
            raise PermissionDenied
        error = ""
        original = username = configuration.basic_auth_username
        if request.method == "POST":
            # Absent (an older form, a script): Basic auth stays as it is.
            submitted = request.POST.get("basic_auth_username")
            username = original if submitted is None else submitted.strip()
            try:
                grace, expires_at = rotation_options(request.POST)
                issued = scim_configuration_rotate_credentials(
                    configuration=configuration,
                    grace=grace,
                    expires_at=expires_at,
                    basic_auth_username=submitted,
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                fields = ["token", *(["basic_auth_username"] if username != original else [])]
                self.log_change(request, configuration, [{"changed": {"fields": fields}}])
                return self._redirect_to_credentials(request, configuration, issued)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Rotate the token of {configuration.name}?",
            "configuration": configuration,
            "basic_auth_username": username,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request,
            "admin/configurations/scimconfiguration/rotate_confirm.html",
            context,
            status=400 if error else 200,
        )

    @method_decorator(sensitive_variables("issued"))
    def _redirect_to_credentials(
        self, request: HttpRequest, configuration: ScimConfiguration, issued: IssuedCredentials
    ) -> HttpResponse:
        # Sealed in this admin's session until the next page shows them; never in clear.
        sealed = crypto.seal(
            {
                "token": issued.token,
                "basic_auth_username": issued.basic_auth_username,
                "basic_auth_password": issued.basic_auth_password,
            },
            purpose=ISSUED_PURPOSE,
        )
        request.session[ISSUED_SESSION_KEY] = {"configuration": configuration.pk, "sealed": sealed}
        return HttpResponseRedirect(
            reverse("admin:configurations_scimconfiguration_credentials", args=[configuration.pk])
        )

    @method_decorator(sensitive_variables("issued"))
    def credentials_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Show freshly issued credentials exactly once."""
        configuration = get_object_or_404(
            ScimConfiguration.objects.select_related("directory__jira_site"), pk=object_id
        )
        if not self.has_view_permission(request, configuration):
            raise PermissionDenied
        issued = None
        pending = request.session.get(ISSUED_SESSION_KEY)
        if pending and pending.get("configuration") == configuration.pk:
            del request.session[ISSUED_SESSION_KEY]
            issued = crypto.unseal(
                pending.get("sealed", ""), purpose=ISSUED_PURPOSE, max_age=ISSUED_MAX_AGE
            )
        v2, v1 = scim_base_urls_for_request(request)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Credentials of {configuration.name}",
            "configuration": configuration,
            "issued": issued,
            "scim_v2_url": v2,
            "scim_v1_url": v1,
            "opts": self.model._meta,
        }
        # admin_view() marks the page never_cache (no-store), so no copy of the secret is kept.
        return TemplateResponse(
            request, "admin/configurations/scimconfiguration/credentials.html", context
        )
