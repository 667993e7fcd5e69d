"""``JiraClient``: the thin Jira Data Center REST v2 client used by the provisioning services."""

from __future__ import annotations

from .groups import GroupCalls


class JiraClient(GroupCalls):
    """All calls: system (``base``), users (``users``) and groups (``groups``).

    Credentials go on every request and no cookie is kept; GET/PUT/DELETE are retried on
    connection errors and 5xx, a POST only on 429 (or when it is idempotent, like adding
    a group member); ``Retry-After`` is honoured within ``max_retry_wait``.
    """
