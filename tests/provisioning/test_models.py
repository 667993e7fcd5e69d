"""The one version bump of a SCIM row, and what `jira_confirmed_at` means after it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from provisioning.models import ScimGroup, ScimUser

pytestmark = pytest.mark.django_db


class TestBump:
    """Instance and queryset forms agree: a new version, now, confirmed or not."""

    def test_instance_bump_unconfirmed(self, scim_directory: Any) -> None:
        user = ScimUser.objects.create(
            directory=scim_directory, user_name="ann", jira_confirmed_at=timezone.now()
        )
        before = user.last_modified
        user.bump(confirmed=False)
        assert (user.version, user.jira_confirmed_at) == (2, None)
        assert user.last_modified > before

    def test_instance_bump_confirmed_at_a_given_time(self, scim_directory: Any) -> None:
        group = ScimGroup.objects.create(directory=scim_directory, display_name="g")
        at = timezone.now() + timedelta(seconds=5)
        group.bump(confirmed=True, at=at)
        group.save(update_fields=ScimGroup.BUMP_FIELDS)
        group.refresh_from_db()
        assert (group.version, group.last_modified, group.jira_confirmed_at) == (2, at, at)

    def test_queryset_bump(self, scim_directory: Any) -> None:
        kept = ScimGroup.objects.create(directory=scim_directory, display_name="kept")
        for name in ("a", "b"):
            ScimGroup.objects.create(directory=scim_directory, display_name=name)
        bumped = ScimGroup.objects.exclude(pk=kept.pk)

        assert bumped.bump(confirmed=True) == 2
        assert {(g.version, g.jira_confirmed_at is not None) for g in bumped} == {(2, True)}
        assert bumped.bump(confirmed=False, external_id="x") == 2
        assert {(g.version, g.jira_confirmed_at, g.external_id) for g in bumped} == {
            (3, None, "x")
        }
        kept.refresh_from_db()
        assert (kept.version, kept.jira_confirmed_at) == (1, None)
