"""Django's admin app with scimbridge's own admin site (the SCIM home page as its index)."""

from django.contrib.admin.apps import AdminConfig


class ScimbridgeAdminConfig(AdminConfig):
    """`django.contrib.admin`, whose default site is scimbridge's."""

    default_site = "scimbridge.admin_site.ScimbridgeAdminSite"
