"""Root URLs: admin, health check and the SCIM APIs."""

from django.contrib import admin
from django.urls import include, path

from . import health

admin.site.site_header = "scimbridge"
admin.site.site_title = "scimbridge"
admin.site.index_title = "SCIM provisioning for Jira"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("scim/", include("provisioning.urls")),
]
