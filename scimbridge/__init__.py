"""scimbridge: SCIM server that provisions identity-provider users and groups into Jira."""

from .celery import app as celery_app

__all__ = ("celery_app",)
