"""The one statement a create reads first: the ORM's rules, compiled once, run with new values."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from configurations.models import ScimConfiguration
from configurations.services import directory_get_or_create, scim_configuration_create
from provisioning.models import JiraIntent, ScimUser
from provisioning.services.users import _before_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def configuration(scim_directory: Any) -> ScimConfiguration:
    configuration, _ = scim_configuration_create(name="okta", directory=scim_directory)
    return configuration


class TestBeforeCreate:
    """Taken userNames (any case, hidden or not), journaled names and the stored mode."""

    def test_a_free_name(self, scim_directory: Any, configuration: ScimConfiguration) -> None:
        before = _before_create(scim_directory, configuration, "ada")
        assert (before.taken, before.journaled, before.mode) == (False, False, "live")

    def test_taken_in_any_case_and_hidden(
        self, scim_directory: Any, configuration: ScimConfiguration
    ) -> None:
        ScimUser.objects.create(directory=scim_directory, user_name="Ada")
        ScimUser.objects.create(
            directory=scim_directory, user_name="gone", hidden_at=timezone.now()
        )
        assert _before_create(scim_directory, configuration, "ADA").taken
        assert _before_create(scim_directory, configuration, "Gone").taken
        assert not _before_create(scim_directory, configuration, "ad").taken

    def test_only_this_directory_counts(
        self, scim_directory: Any, configuration: ScimConfiguration
    ) -> None:
        other = directory_get_or_create(name="other", jira_site=scim_directory.jira_site)
        ScimUser.objects.create(directory=other, user_name="ada")
        JiraIntent.objects.create(directory=other, kind=JiraIntent.Kind.USER, jira_name="ada")
        before = _before_create(scim_directory, configuration, "ada")
        assert (before.taken, before.journaled) == (False, False)
        assert _before_create(other, None, "ADA").taken

    def test_journaled_user_names_only(
        self, scim_directory: Any, configuration: ScimConfiguration
    ) -> None:
        JiraIntent.objects.create(
            directory=scim_directory, kind=JiraIntent.Kind.GROUP, jira_name="ada"
        )
        assert not _before_create(scim_directory, configuration, "ada").journaled
        JiraIntent.objects.create(
            directory=scim_directory, kind=JiraIntent.Kind.USER, jira_name="ADA"
        )
        assert _before_create(scim_directory, configuration, "ada").journaled

    def test_the_stored_mode(self, scim_directory: Any, configuration: ScimConfiguration) -> None:
        ScimConfiguration.objects.filter(pk=configuration.pk).update(mode="shadow")
        assert _before_create(scim_directory, configuration, "ada").mode == "shadow"
        assert _before_create(scim_directory, None, "ada").mode is None
