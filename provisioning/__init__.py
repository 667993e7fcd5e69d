"""SCIM tables, the SCIM protocol, the SCIM API views, the Jira client and Celery tasks."""
