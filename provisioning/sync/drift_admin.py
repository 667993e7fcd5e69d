"""Admin pages of safe go-live: the Drift page per directory, its CSV, reconcile, going live.

Mixed into `SyncRunAdmin` (admin.py): drift checks and reconciles are directory utility runs,
started, locked and polled like Sync. Read the pages with docs/go-live.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from auditlog.export import inert
from configurations.models import Directory, ScimConfiguration
from configurations.services import scim_configuration_set_mode

from .drift_models import DriftItem, PlannedChange
from .drift_report import CSV_HEADER, differences, drift_counts, item_row, latest_check, seconds
from .models import SyncRun
from .reconcile import RECONCILABLE, parse_kinds

TEMPLATES = "provisioning/admin"
PAGE_SIZE = 100
PLANNED_SHOWN = 50


class Echo:
    """A file-like object that hands back what csv.writer writes (for streaming)."""

    def write(self, value: str) -> str:
        """Return the line instead of storing it."""
        return value


class DriftAdminMixin:
    """Drift, reconcile and go-live pages of the directory utilities admin."""

    admin_site: admin.AdminSite

    def drift_urls(self, info: str) -> list[URLPattern]:
        """The pages' URL patterns (added by SyncRunAdmin.get_urls)."""
        wrap = self.admin_site.admin_view
        return [
            path("drift/<int:directory_id>/", wrap(self.drift_view), name=f"{info}_drift"),
            path(
                "drift/<int:directory_id>/check/",
                wrap(require_POST(self.drift_check_view)),
                name=f"{info}_drift_check",
            ),
            path(
                "drift/<int:directory_id>/reconcile/",
                wrap(require_POST(self.reconcile_view)),
                name=f"{info}_reconcile",
            ),
            path(
                "drift/<int:directory_id>/drift.csv",
                wrap(self.drift_csv_view),
                name=f"{info}_drift_csv",
            ),
            path(
                "go-live/<int:configuration_id>/", wrap(self.golive_view), name=f"{info}_golive"
            ),
        ]

    # -- the drift page -----------------------------------------------------------------

    def _shown_run(self, request: HttpRequest, directory: Directory) -> SyncRun | None:
        run_id = request.GET.get("run", "")
        if run_id.isdigit():
            return SyncRun.objects.filter(
                pk=int(run_id), directory=directory, kind__in=(SyncRun.Kind.DRIFT,
                                                               SyncRun.Kind.RECONCILE)
            ).first()
        return latest_check(directory, finished=False)

    def drift_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Counts per kind, a filterable table of differences, planned changes beside them."""
        self._require(request, write=False)  # type: ignore[attr-defined]
        directory = get_object_or_404(Directory.objects.select_related("jira_site"),
                                      pk=directory_id)
        run = self._shown_run(request, directory)
        filters = {
            "kind": request.GET.get("kind", "") if request.GET.get("kind") in
            DriftItem.Kind.values else "",
            "object_type": request.GET.get("object_type", "")
            if request.GET.get("object_type") in ("user", "group", "membership") else "",
            "query": request.GET.get("q", "").strip()[:200],
        }
        page = None
        if run is not None:
            page = Paginator(differences(run, **filters), PAGE_SIZE).get_page(
                request.GET.get("page")
            )
        planned = PlannedChange.objects.filter(directory=directory).select_related(
            "configuration"
        )
        return TemplateResponse(
            request,
            f"{TEMPLATES}/drift.html",
            self._context(  # type: ignore[attr-defined]
                request,
                f"Drift of {directory}",
                crumb=f"Drift of {directory}",
                directory=directory,
                run=run,
                seconds=run and seconds(run),
                counts=[
                    (kind, label, drift_counts(run)[kind]) for kind, label in DriftItem.Kind.choices
                ] if run else [],
                page=page,
                filters=filters,
                kinds=DriftItem.Kind.choices,
                reconcilable=[(k, DriftItem.Kind(k).label) for k in RECONCILABLE],
                planned=planned[:PLANNED_SHOWN],
                planned_total=planned.count(),
                configurations=ScimConfiguration.objects.filter(directory=directory),
                status_url=run and self._url("status", run.pk),  # type: ignore[attr-defined]
            ),
        )

    def drift_check_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Start a drift check (Jira is only read)."""
        self._require(request, write=True)  # type: ignore[attr-defined]
        directory = get_object_or_404(Directory, pk=directory_id)
        return self._start(  # type: ignore[attr-defined]
            request, directory, SyncRun.Kind.DRIFT,
            redirect_to=self._url("drift", directory.pk),  # type: ignore[attr-defined]
        )

    def reconcile_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """Start a reconcile of the chosen kinds (all when none is ticked)."""
        self._require(request, write=True)  # type: ignore[attr-defined]
        directory = get_object_or_404(Directory, pk=directory_id)
        back = self._url("drift", directory.pk)  # type: ignore[attr-defined]
        if request.POST.get("confirm_name", "").strip() != directory.name:
            self.message_user(  # type: ignore[attr-defined]
                request, f"Type the directory's name, {directory.name}, to confirm the "
                "reconcile.", messages.ERROR,
            )
            return HttpResponseRedirect(back)
        try:
            kinds = parse_kinds(",".join(request.POST.getlist("kinds"))) or list(RECONCILABLE)
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(back)
        return self._start(  # type: ignore[attr-defined]
            request, directory, SyncRun.Kind.RECONCILE, {"only": kinds}, redirect_to=back
        )

    def drift_csv_view(self, request: HttpRequest, directory_id: int) -> HttpResponse:
        """The shown run's differences (with the page's filters) as a streamed CSV."""
        self._require(request, write=False)  # type: ignore[attr-defined]
        directory = get_object_or_404(Directory, pk=directory_id)
        run = self._shown_run(request, directory)
        if run is None:
            return HttpResponse("No drift check yet.", status=404,
                                content_type="text/plain; charset=utf-8")
        items = differences(
            run,
            kind=request.GET.get("kind", "") if request.GET.get("kind") in
            DriftItem.Kind.values else "",
            object_type=request.GET.get("object_type", ""),
            query=request.GET.get("q", "").strip()[:200],
        )

        def rows() -> Iterator[str]:
            writer = csv.writer(Echo())
            yield writer.writerow(CSV_HEADER)
            for item in items.iterator(chunk_size=2000):
                yield writer.writerow([inert(value) for value in item_row(item)])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="drift-{directory.pk}-run-{run.pk}.csv"'
        )
        return response

    # -- going live ---------------------------------------------------------------------

    def golive_view(self, request: HttpRequest, configuration_id: int) -> HttpResponse:
        """The mode, what shadow mode planned, the directory's drift; switch (and reconcile)."""
        write = request.method == "POST"
        self._require(request, write=write)  # type: ignore[attr-defined]
        configuration = get_object_or_404(
            ScimConfiguration.objects.select_related("directory__jira_site"), pk=configuration_id
        )
        directory = configuration.directory
        if write:
            return self._switch(request, configuration)
        run = latest_check(directory, finished=False)
        planned = PlannedChange.objects.filter(configuration=configuration)
        return TemplateResponse(
            request,
            f"{TEMPLATES}/golive.html",
            self._context(  # type: ignore[attr-defined]
                request,
                f"Go live: {configuration}",
                crumb=f"Go live: {configuration}",
                configuration=configuration,
                directory=directory,
                run=run,
                counts=[
                    (kind, label, drift_counts(run)[kind]) for kind, label in DriftItem.Kind.choices
                ] if run else [],
                planned=planned[:PLANNED_SHOWN],
                planned_total=planned.count(),
                drift_url=self._url("drift", directory.pk),  # type: ignore[attr-defined]
            ),
        )

    def _switch(self, request: HttpRequest, configuration: ScimConfiguration) -> HttpResponse:
        action = request.POST.get("action", "")
        directory = configuration.directory
        back = self._url("golive", configuration.pk)  # type: ignore[attr-defined]
        if action == "shadow":
            scim_configuration_set_mode(configuration=configuration, mode="shadow")
            self.message_user(  # type: ignore[attr-defined]
                request, f"{configuration} is in shadow mode: Jira is only read from now on."
            )
            return HttpResponseRedirect(back)
        if action not in ("live", "live_and_reconcile"):
            self.message_user(request, "Choose what to do.", messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(back)
        scim_configuration_set_mode(configuration=configuration, mode="live")
        self.message_user(  # type: ignore[attr-defined]
            request, f"{configuration} is live: SCIM writes now reach Jira.", messages.SUCCESS
        )
        if action == "live":
            return HttpResponseRedirect(back)
        return self._start(  # type: ignore[attr-defined]
            request, directory, SyncRun.Kind.RECONCILE, {"only": list(RECONCILABLE)},
            redirect_to=self._url("drift", directory.pk),  # type: ignore[attr-defined]
        )


class PlannedChangeAdmin(admin.ModelAdmin):
    """Every Jira write shadow mode recorded instead of sending (read-only history)."""

    list_display = (
        "created_at", "configuration_name", "operation", "object_type", "object_name",
        "request_id",
    )
    list_filter = ("operation", "object_type", "configuration_name", "directory")
    search_fields = ("object_name", "request_id")
    readonly_fields = (
        "directory", "configuration", "configuration_name", "request_id", "object_type",
        "object_name", "operation", "fields", "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Recorded by shadow mode only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """History: read-only."""
        return False
