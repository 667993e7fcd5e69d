"""App configuration of provisioning."""

from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    """The SCIM API and its write-through to Jira."""

    name = "provisioning"
    verbose_name = "Provisioning"
