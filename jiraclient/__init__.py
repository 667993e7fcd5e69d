"""Jira Data Center REST v2 client; knows nothing of SCIM or Django."""

from .client import JiraClient
from .errors import (
    JiraConflict,
    JiraConnectionError,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRefused,
    JiraTimeout,
    JiraTLSError,
    JiraTransient,
    JiraUnauthorized,
    JiraUnexpectedResponse,
)
from .groups import GroupPick
from .observers import JiraCall, add_observer, remove_observer

__all__ = [
    "GroupPick",
    "JiraCall",
    "JiraClient",
    "JiraConflict",
    "JiraConnectionError",
    "JiraError",
    "JiraForbidden",
    "JiraNotFound",
    "JiraRefused",
    "JiraTLSError",
    "JiraTimeout",
    "JiraTransient",
    "JiraUnauthorized",
    "JiraUnexpectedResponse",
    "add_observer",
    "remove_observer",
]
