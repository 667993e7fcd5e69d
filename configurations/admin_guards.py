"""Admin for the guard rails: breaker state and resume page, held requests, token expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from .breaker import breaker_resume, breaker_state
from .breaker_models import HeldRequest
from .lifetime import DEFAULT_GRACE, EXPIRY_WARNING_DAYS, is_live
from .models import ScimConfiguration
from .services import scim_configuration_end_grace


def _number(data: QueryDict, name: str, label: str) -> float | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError(f"{label} must be a number.") from None
    if value < 0:
        raise ValidationError(f"{label} cannot be negative.")
    return value


def rotation_options(data: QueryDict) -> tuple[timedelta, datetime | None]:
    """The rotation form's grace period (hours, default 24) and expiry (days, optional)."""
    hours = _number(data, "grace_hours", "The grace period")
    days = _number(data, "expires_days", "The expiry")
    grace = DEFAULT_GRACE if hours is None else timedelta(hours=hours)
    if days == 0:
        raise ValidationError("The expiry must be at least one day, or empty for none.")
    return grace, (timezone.now() + timedelta(days=days) if days else None)


def _expiry_text(label: str, expires: datetime | None, now: datetime) -> str | None:
    if expires is None:
        return None
    if not is_live(expires, now):
        return f"{label} expired {expires:%Y-%m-%d %H:%M}"
    soon = expires - now <= timedelta(days=EXPIRY_WARNING_DAYS)
    return f"{label} expires {expires:%Y-%m-%d %H:%M}" + (" ⚠" if soon else "")


class GuardAdminMixin:
    """Columns, read-only fields and pages of the guard rails for ScimConfigurationAdmin."""

    admin_site: admin.AdminSite

    @admin.display(description="Deprovisioning")
    def deprovisioning(self, configuration: ScimConfiguration) -> str:
        """Paused (with held requests and a link to resume) or running."""
        if configuration.deprovisioning_paused_at is None:
            if not configuration.max_deprovisions and not configuration.max_group_deletions:
                return "No limit"
            return (
                f"Running (≤ {configuration.max_deprovisions} users, "
                f"{configuration.max_group_deletions} groups / "
                f"{configuration.deprovision_window_minutes} min)"
            )
        url = reverse("admin:configurations_scimconfiguration_resume", args=[configuration.pk])
        held = HeldRequest.objects.filter(configuration=configuration, released_at=None).count()
        return format_html(
            '<strong class="errornote">PAUSED</strong> since {} — {} held request(s) — '
            '<a href="{}">review / resume</a>',
            f"{configuration.deprovisioning_paused_at:%Y-%m-%d %H:%M}",
            held,
            url,
        )

    @admin.display(description="Credentials expiry")
    def credential_expiry(self, configuration: ScimConfiguration) -> str:
        """Expiry of the token, the Basic password, and of the previous ones in grace."""
        now = timezone.now()
        items = [
            _expiry_text("token", configuration.token_expires_at, now),
            _expiry_text(
                f"previous token {configuration.previous_token_prefix}…",
                configuration.previous_token_expires_at
                if configuration.previous_token_digest
                else None,
                now,
            ),
        ]
        if configuration.uses_basic_auth:
            items.append(_expiry_text("password", configuration.basic_password_expires_at, now))
            items.append(
                _expiry_text(
                    "previous password",
                    configuration.previous_basic_password_expires_at
                    if configuration.previous_basic_password_digest
                    else None,
                    now,
                )
            )
        return "; ".join(item for item in items if item) or "never"

    @admin.display(description="Previous token")
    def previous_token_display(self, configuration: ScimConfiguration) -> str:
        """The rotated-out token still valid in its grace period, and until when."""
        expires = configuration.previous_token_expires_at
        if not configuration.previous_token_digest or not is_live(expires) or expires is None:
            return "—"
        # A link to a confirmation page: a form cannot sit inside the change form.
        url = reverse("admin:configurations_scimconfiguration_end_grace", args=[configuration.pk])
        return format_html(
            '<code>{}…</code> valid until {} — <a href="{}" id="end-grace">stop it now</a>',
            configuration.previous_token_prefix,
            f"{expires:%Y-%m-%d %H:%M}",
            url,
        )

    def guard_urls(self) -> list:
        """The resume page and ending a grace period."""
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/resume/",
                wrap(self.resume_view),
                name="configurations_scimconfiguration_resume",
            ),
            path(
                "<int:object_id>/end-grace/",
                wrap(self.end_grace_view),
                name="configurations_scimconfiguration_end_grace",
            ),
        ]

    def _changeable(self, request: HttpRequest, object_id: int) -> ScimConfiguration:
        configuration = get_object_or_404(ScimConfiguration, pk=object_id)
        if not self.has_change_permission(request, configuration):  # type: ignore[attr-defined]
            raise PermissionDenied
        return configuration

    def resume_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The breaker's state and held requests; POST resumes (optionally raising limits)."""
        configuration = self._changeable(request, object_id)
        error = ""
        if request.method == "POST":
            try:
                users = _number(request.POST, "max_deprovisions", "The user limit")
                groups = _number(request.POST, "max_group_deletions", "The group limit")
                minutes = _number(request.POST, "for_minutes", "The duration")
                if (users is not None or groups is not None) and not minutes:
                    raise ValidationError("Raised limits need a duration in minutes.")  # noqa: TRY301
            except ValidationError as exc:
                error = "; ".join(exc.messages)
            else:
                released = breaker_resume(
                    configuration=configuration,
                    max_deprovisions=int(users) if users is not None else None,
                    max_group_deletions=int(groups) if groups is not None else None,
                    for_minutes=int(minutes) if minutes else None,
                    released_by=request.user.get_username(),
                )
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    f"Deprovisioning resumed; {released} held request(s) released — the IdP's "
                    "retries apply them.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:configurations_scimconfiguration_change", args=[object_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Deprovisioning of {configuration.name}",
            "configuration": configuration,
            "state": breaker_state(configuration),
            "held": HeldRequest.objects.filter(configuration=configuration, released_at=None)[:500],
            "error": error,
            "opts": ScimConfiguration._meta,
        }
        return TemplateResponse(
            request, "admin/configurations/scimconfiguration/resume.html", context
        )

    def end_grace_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Confirm, then (POST) the previous token and password stop working now."""
        configuration = self._changeable(request, object_id)
        if request.method == "POST":
            scim_configuration_end_grace(configuration=configuration)
            self.message_user(request, "The previous credentials no longer work.")  # type: ignore[attr-defined]
            return HttpResponseRedirect(
                reverse("admin:configurations_scimconfiguration_change", args=[object_id])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Stop the previous credentials of {configuration.name}?",
            "configuration": configuration,
            "opts": ScimConfiguration._meta,
        }
        return TemplateResponse(
            request, "admin/configurations/scimconfiguration/end_grace_confirm.html", context
        )


@admin.register(HeldRequest)
class HeldRequestAdmin(admin.ModelAdmin):
    """Deprovisioning requests the breaker held: who, what, when (read-only)."""

    list_display = (
        "first_held_at",
        "configuration",
        "summary",
        "client_address",
        "credential",
        "attempts",
        "released_at",
    )
    list_filter = ("configuration", ("released_at", admin.EmptyFieldListFilter), "kind")
    search_fields = ("summary", "path")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Held by the breaker only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Read-only: resume from the configuration's page."""
        return False
