"""Admin "Audit log": filtered list, entry page, the switch, settings, CSV export, clear."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from . import export, selectors, services
from .models import AuditEntry, AuditLogSettings

# Entries per page of the list.
PAGE_SIZE = 100

SETTINGS_PERMISSION = "auditlog.change_auditlogsettings"
CLEAR_PERMISSION = "auditlog.delete_auditentry"


def pretty_body(text: str) -> str:
    """A stored body indented for reading; text that is not (complete) JSON as it is."""
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return text


class AuditLogSettingsForm(forms.ModelForm):
    """The switch and the overrides of the AUDITLOG_* defaults."""

    class Meta:
        model = AuditLogSettings
        fields = ("enabled", "max_body_bytes", "retention_days")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only audit log; entries are only ever removed by Clear history and retention."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Entries are recorded, never added by hand."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Entries are evidence: nobody edits them."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """No one-by-one deletion; "Clear history" checks its own permission."""
        return False

    def get_urls(self) -> list[URLPattern]:
        """The export, clear, switch and settings pages before the default ones."""
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("export/", wrap(self.export_view), name=f"{info}_export"),
            path("clear/", wrap(self.clear_view), name=f"{info}_clear"),
            path("switch/", wrap(require_POST(self.switch_view)), name=f"{info}_switch"),
            path("settings/", wrap(self.settings_view), name=f"{info}_settings"),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args: Any) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def _require_view(self, request: HttpRequest) -> None:
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": self._url("changelist"),
            **extra,
        }

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The FilterSet's form, the switch, and the newest matching entries, paged."""
        self._require_view(request)
        filterset = selectors.entries_filter(request.GET)
        invalid = filterset.is_bound and not filterset.is_valid()
        limit = settings.AUDITLOG_EXPORT_LIMIT
        page = matched = None
        if not invalid:
            try:
                number = int(request.GET.get("page", "1"))
            except ValueError:
                number = 1
            page = selectors.entries_page(filterset.qs, number=number, size=PAGE_SIZE)
            if page.number == 1 and not page.has_next:
                # Everything that matches is on this page: no second scan (a rare body search
                # reads the whole log once, not twice).
                matched = len(page.entries)
            else:
                matched = selectors.entries_count_upto(filterset.qs, limit + 1)
        query = request.GET.copy()
        query.pop("page", None)
        context = self._context(
            request,
            "Audit log",
            filterset=filterset,
            invalid=invalid,
            page=page,
            matched=matched,
            export_limit=limit,
            more_than_limit=matched is not None and matched > limit,
            filter_query=query.urlencode(),
            filtered=bool(query),
            audit_settings=selectors.audit_settings_get(),
            can_change_settings=request.user.has_perm(SETTINGS_PERMISSION),
            can_clear=request.user.has_perm(CLEAR_PERMISSION),
            export_url=self._url("export"),
            clear_url=self._url("clear"),
            switch_url=self._url("switch"),
            settings_url=self._url("settings"),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "auditlog/admin/changelist.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The entry page: every field, bodies pretty-printed, the Jira calls."""
        self._require_view(request)
        try:
            pk = int(unquote(object_id))
        except ValueError:
            raise Http404("No such audit log entry.") from None
        entry = get_object_or_404(AuditEntry, pk=pk)
        context = self._context(
            request,
            f"{entry.method} {entry.path}",
            entry=entry,
            request_body=pretty_body(entry.request_body),
            response_body=pretty_body(entry.response_body),
            jira_calls_not_shown=max(entry.jira_call_count - len(entry.jira_calls), 0),
        )
        return TemplateResponse(request, "auditlog/admin/entry.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Export to CSV: the newest AUDITLOG_EXPORT_LIMIT entries matching the filter."""
        self._require_view(request)
        filterset = selectors.entries_filter(request.GET)
        if filterset.is_bound and not filterset.is_valid():
            self.message_user(
                request, "Fix the filter before exporting: it is not valid.", messages.ERROR
            )
            return HttpResponseRedirect(f"{self._url('changelist')}?{request.GET.urlencode()}")
        return export.csv_response(
            filterset.qs,
            limit=settings.AUDITLOG_EXPORT_LIMIT,
            excel=request.GET.get("excel") == "1",
        )

    def clear_view(self, request: HttpRequest) -> HttpResponse:
        """Clear history: a confirmation page (GET), then deletion of every entry (POST)."""
        if not request.user.has_perm(CLEAR_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            deleted = services.entries_clear()
            self.message_user(request, f"Audit log cleared: {deleted} entries deleted.")
            return HttpResponseRedirect(self._url("changelist"))
        context = self._context(
            request, "Clear the audit log?", entry_count=AuditEntry.objects.count()
        )
        return TemplateResponse(request, "auditlog/admin/clear_confirm.html", context)

    def switch_view(self, request: HttpRequest) -> HttpResponse:
        """Turn recording on or off (the list page's button)."""
        if not request.user.has_perm(SETTINGS_PERMISSION):
            raise PermissionDenied
        enabled = request.POST.get("enabled") == "on"
        services.audit_log_set_enabled(enabled=enabled)
        self.message_user(request, f"Recording of SCIM requests is {'on' if enabled else 'off'}.")
        return HttpResponseRedirect(self._url("changelist"))

    def settings_view(self, request: HttpRequest) -> HttpResponse:
        """The switch, the body cap and the retention."""
        if not request.user.has_perm(SETTINGS_PERMISSION):
            raise PermissionDenied
        current = selectors.audit_settings_get()
        form = AuditLogSettingsForm(request.POST or None, instance=current)
        if request.method == "POST" and form.is_valid():
            try:
                services.audit_settings_update(
                    enabled=form.cleaned_data["enabled"],
                    max_body_bytes=form.cleaned_data["max_body_bytes"],
                    retention_days=form.cleaned_data["retention_days"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, "Audit log settings saved.")
                return HttpResponseRedirect(self._url("changelist"))
        context = self._context(
            request,
            "Audit log settings",
            form=form,
            default_max_body_bytes=settings.AUDITLOG_MAX_BODY_BYTES,
            default_retention_days=settings.AUDITLOG_RETENTION_DAYS,
        )
        return TemplateResponse(request, "auditlog/admin/settings.html", context)
