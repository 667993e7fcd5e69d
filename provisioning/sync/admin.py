"""Admin for the directory utilities: the utilities page, confirmations, run statistics.

Registered by provisioning/admin.py (the module Django's admin autodiscovery imports).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from auditlog.export import inert
from configurations.models import Directory
from jiraclient import JiraError
from jiraclient.sites import client_for_site

from . import last_login
from .drift_admin import DriftAdminMixin
from .models import ScimCustomization, SyncRun, SyncRunError
from .removal import CSV_HEADER, RemovalPlan, plan_for, plan_rows
from .remove import directory_counts
from .runs import COUNTER_NAMES, OBJECT_TYPES, DirectoryBusy
from .selectors import run_status, utilities_rows
from .tasks import run_enqueue

TEMPLATES = "provisioning/admin"


class SyncRunErrorInline(admin.TabularInline):
    """The objects a run could not handle."""

    model = SyncRunError
    fields = ("object_type", "object_name", "message", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


class SyncRunAdmin(DriftAdminMixin, admin.ModelAdmin):
    """Run history (read-only) and the "Utils for existing users/directories" pages."""

    list_display = ("created_at", "directory", "kind", "status", "phase", "finished_at")
    list_filter = ("kind", "status", "directory")
    list_select_related = ("directory",)
    readonly_fields = (
        "directory",
        "kind",
        "status",
        "phase",
        "requested_by",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "attempts",
        "message",
        "options_display",
        "counters_table",
    )
    # Only these (the raw counters and options JSON are shown as a table and in words).
    fields = readonly_fields
    inlines = (SyncRunErrorInline,)
    change_list_template = f"{TEMPLATES}/run_changelist.html"

    @admin.display(description="Options")
    def options_display(self, run: SyncRun) -> str:
        """What the admin chose when starting the run, in words."""
        if (run.options or {}).get("delete_synced_users"):
            return "Also delete users that existed in Jira before sync"
        return "—"

    @admin.display(description="Statistics")
    def counters_table(self, run: SyncRun) -> str:
        """The counters as a table: a row per object type, a column per counter."""
        return render_to_string(
            f"{TEMPLATES}/_counters.html",
            {"status": run_status(run), "object_types": OBJECT_TYPES},
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Runs are started from the utilities page only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Runs are history: read-only."""
        return False

    def get_urls(self) -> list[URLPattern]:
        """The utilities page, its actions and the status endpoint before the default pages."""
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("utilities/", wrap(self.utilities_view), name=f"{info}_utilities"),
            path(
                "utilities/<int:directory_id>/sync/",
                wrap(require_POST(self.sync_view)),
                name=f"{info}_sync",
            ),
            path(
                "utilities/<int:directory_id>/last-login/",
                wrap(require_POST(self.last_login_view)),
                name=f"{info}_last_login",
            ),
            path(
                "utilities/<int:directory_id>/customization/",
                wrap(require_POST(self.customization_view)),
                name=f"{info}_customization",
            ),
            path(
                "utilities/<int:directory_id>/remove/",
                wrap(self.remove_view),
                name=f"{info}_remove",
            ),
            path(
                "utilities/<int:directory_id>/remove/plan.csv",
                wrap(self.remove_plan_csv_view),
                name=f"{info}_remove_plan",
            ),
            path(
                "utilities/<int:directory_id>/clear/",
                wrap(self.clear_view),
                name=f"{info}_clear",
            ),
            path("<int:run_id>/status.json", wrap(self.status_view), name=f"{info}_status"),
            *self.drift_urls(info),
            *super().get_urls(),
        ]

    # -- helpers ---------------------------------------------------------------------

    def _url(self, name: str, *args: Any) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def _require(self, request: HttpRequest, *, write: bool) -> None:
        # Starting a utility changes the SCIM tables (and, for Remove, Jira): superusers only.
        if write and not request.user.is_superuser:
            raise PermissionDenied
        if not self.has_view_permission(request):
            raise PermissionDenied

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "utilities_url": self._url("utilities"),
            "changelist_url": self._url("changelist"),
            **extra,
        }

    def _start(
        self,
        request: HttpRequest,
        directory: Directory,
        kind: str,
        options: dict[str, Any] | None = None,
        redirect_to: str = "",
    ) -> HttpResponse:
        back = redirect_to or self._url("utilities")
        try:
            with transaction.atomic():
                run = run_enqueue(
                    directory=directory,
                    kind=kind,
                    requested_by=request.user.get_username(),
                    options=options,
                )
        except DirectoryBusy as busy:
            self.message_user(request, f"{directory}: {busy}", messages.WARNING)
            return HttpResponseRedirect(back + f"?run={busy.run.pk}")
        run.refresh_from_db()
        if run.status == SyncRun.Status.FAILED:
            # The broker refused the task: the run is already failed and the lock free.
            self.message_user(request, f"{directory}: {run.message}", messages.ERROR)
        else:
            self.message_user(
                request, f"{run.get_kind_display()} of {directory} started.", messages.SUCCESS
            )
        return HttpResponseRedirect(back + f"?run={run.pk}")

    # -- views -----------------------------------------------------------------------

    def utilities_view(self, request: HttpRequest) -> HttpResponse:
        """Sync button per directory, statistics, remove/clear, and SCIM customization."""
        self._require(request, write=False)
        selected = request.GET.get("run")
        directory = request.GET.get("directory", "")
        rows = utilities_rows()
        return TemplateResponse(
            request,
            f"{TEMPLATES}/utilities.html",
            self._context(
                request,
                "Utils for existing users/directories",
                rows=rows,
                selected_run=selected if selected and selected.isdigit() else "",
                selected_directory=directory if directory.isdigit() else "",
                status_url_template=self._url("status", 0).replace("/0/", "/{id}/"),
                counter_names=COUNTER_NAMES,
                object_types=OBJECT_TYPES,
            ),
        )

    def sync_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Start Sync Users & Groups."""
        self._require(request, write=True)
        directory = get_object_or_404(Directory, pk=directory_id)
        return self._start(request, directory, SyncRun.Kind.SYNC)

    def last_login_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Start "Sync users last login info", or say why this Jira cannot."""
        self._require(request, write=True)
        directory = get_object_or_404(
            Directory.objects.select_related("jira_site"), pk=directory_id
        )
        try:
            with client_for_site(directory.jira_site, max_retries=0) as client:
                version = client.version()
        except JiraError as exc:
            self.message_user(request, f"Could not reach Jira: {exc}", messages.ERROR)
            return HttpResponseRedirect(self._url("utilities"))
        if not last_login.supports_last_login(version):
            self.message_user(request, last_login.unavailable_message(version), messages.WARNING)
            return HttpResponseRedirect(self._url("utilities"))
        return self._start(request, directory, SyncRun.Kind.LAST_LOGIN)

    def customization_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Switch "show users last login info" for the directory's GET /Users responses."""
        self._require(request, write=True)
        directory = get_object_or_404(Directory, pk=directory_id)
        enabled = request.POST.get("show_last_login") == "on"
        ScimCustomization.objects.update_or_create(
            directory=directory, defaults={"show_last_login": enabled}
        )
        state = "shown" if enabled else "no longer shown"
        self.message_user(request, f"{directory}: last login info is {state} in GET /Users.")
        return HttpResponseRedirect(self._url("utilities"))

    def _confirm(self, request: HttpRequest, directory_id: int, kind: str) -> HttpResponse:
        """GET: what would happen; POST: start it once the directory's name is typed."""
        self._require(request, write=True)
        directory = get_object_or_404(
            Directory.objects.select_related("jira_site"), pk=directory_id
        )
        remove = kind == SyncRun.Kind.REMOVE_DIRECTORY
        source = request.POST if request.method == "POST" else request.GET
        delete_synced = remove and source.get("delete_synced_users") in ("1", "on")
        error = ""
        if request.method == "POST":
            # Checked here, not in the browser: a wrong name starts nothing.
            if request.POST.get("confirm_name", "").strip() == directory.name:
                options = {"delete_synced_users": True} if delete_synced else None
                return self._start(request, directory, kind, options)
            error = f"Type the directory's name, {directory.name}, exactly to confirm."
        extra: dict[str, Any] = {}
        if remove:
            plan, jira_error = self._plan(directory, delete_synced)
            extra = {
                "plan": plan and plan.counts(),
                "jira_error": jira_error,
                "delete_synced_users": delete_synced,
                "csv_url": self._url("remove_plan", directory.pk)
                + ("?delete_synced_users=1" if delete_synced else ""),
            }
        else:
            extra = {"counts": directory_counts(directory=directory)}
        return TemplateResponse(
            request,
            f"{TEMPLATES}/confirm.html",
            self._context(
                request,
                f"{'Remove directory' if remove else 'Clear SCIM tables of'} {directory}",
                directory=directory,
                remove=remove,
                confirm_error=error,
                **extra,
            ),
            status=400 if error else 200,
        )

    def _plan(self, directory: Directory, delete_synced: bool) -> tuple[RemovalPlan | None, str]:
        """The removal plan, or why Jira could not be read for it (then nothing may start)."""
        try:
            with client_for_site(directory.jira_site, max_retries=0) as client:
                return plan_for(client, directory, delete_synced_users=delete_synced), ""
        except JiraError as exc:
            return None, str(exc)

    def remove_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Confirm, then delete in Jira what SCIM created for the directory, unlink the rest."""
        return self._confirm(request, directory_id, SyncRun.Kind.REMOVE_DIRECTORY)

    def remove_plan_csv_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """The CSV of exactly what Remove Directory would delete in Jira now."""
        self._require(request, write=True)
        directory = get_object_or_404(
            Directory.objects.select_related("jira_site"), pk=directory_id
        )
        delete_synced = request.GET.get("delete_synced_users") in ("1", "on")
        plan, jira_error = self._plan(directory, delete_synced)
        if plan is None:
            return HttpResponse(
                f"Jira could not be read for the plan: {jira_error}",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        for row in plan_rows(plan):
            writer.writerow([inert(value) for value in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        suffix = "-with-synced-users" if delete_synced else ""
        response["Content-Disposition"] = (
            f'attachment; filename="remove-directory-{slugify(directory.name) or directory.pk}'
            f'{suffix}.csv"'
        )
        return response

    def clear_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Confirm, then delete the directory's rows (Jira untouched)."""
        return self._confirm(request, directory_id, SyncRun.Kind.CLEAR_TABLES)

    def status_view(self, request: HttpRequest, run_id: int) -> JsonResponse:
        """The run's progress as JSON (the statistics block polls it)."""
        self._require(request, write=False)
        run = get_object_or_404(SyncRun.objects.select_related("directory"), pk=run_id)
        return JsonResponse(run_status(run))
