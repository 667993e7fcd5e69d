"""Root URLs: admin, health check and the SCIM APIs; `/` leads to the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import health
from .metrics.views import metrics

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index"), name="root"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("scim/", include("provisioning.urls")),
]

# Django's own error pages answer SCIM JSON under /scim/ (unknown Host, middleware errors).
handler400 = "provisioning.api.handlers.bad_request"
handler404 = "provisioning.api.handlers.page_not_found"
handler500 = "provisioning.api.handlers.server_error"
