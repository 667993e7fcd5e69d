"""What unfiltered user lists reuse between requests: the total and where pages start.

An IdP import pages through the whole directory (`startIndex` 1, 101, 201...) and Entra
re-reads the first page on every cycle. Counting 100,000 visible users costs an index scan
of them all, and `OFFSET 99000` skips as many index entries; both are wasted while nothing
changed. So each process keeps, per directory and until the users' stamp moves:

- the exact number of visible users (`totalResults`);
- for pages it served, the sort key `(created, id)` of the row at their first position and
  of the row after their last, so that the same page or the next one is a seek in the
  list index instead of an OFFSET scan.

Every write that adds, removes, hides or reveals a user moves the stamp after its commit
(provisioning/models.py hooks `save`, `delete`, `bulk_create`, `bulk_update` and `update`
of users): the next request counts again. Positions are those of the last committed state
the stamp saw, which is what RFC 7644 section 3.4.2.4 lets a server answer for index
paging under concurrent changes. `SCIM_LIST_CACHE_SECONDS` bounds how long an entry serves
even without a change (a write made outside the ORM, e.g. raw SQL, is seen within it).
"""

from __future__ import annotations

from typing import Any

from configurations.process_cache import ProcessCache

# Keys: ("total", directory_id) -> int; ("at", directory_id, position) -> (created, id).
USER_LISTS: ProcessCache[Any] = ProcessCache(
    "scim-user-lists", ttl_setting="SCIM_LIST_CACHE_SECONDS"
)

# User columns whose change moves a user in or out of a list, or to another directory.
LIST_COLUMNS = frozenset({"hidden_at", "directory", "directory_id", "created", "id"})


def users_changed() -> None:
    """Users were added, removed, hidden or revealed: lists count and seek afresh."""
    USER_LISTS.invalidate()
