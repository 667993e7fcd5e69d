"""Admin pages of the guard rails: options, the Deprovisioning page, rotation with grace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from configurations.breaker import HeldRequestInfo, breaker_trip
from configurations.models import HeldRequest, ScimConfiguration
from configurations.selectors import scim_configuration_by_token

pytestmark = pytest.mark.django_db


def change_url(configuration: ScimConfiguration) -> str:
    return reverse("admin:configurations_scimconfiguration_change", args=[configuration.pk])


def options(**overrides: str) -> dict[str, object]:
    """The change form as the browser posts it."""
    return {
        "name": "okta",
        "delete_users": "False",
        "default_groups": "",
        "application_keys": [],
        "enabled": "on",
        "max_deprovisions": "50",
        "max_group_deletions": "10",
        "deprovision_window_minutes": "60",
        "allowed_networks": "",
        "username_changes": "rename",
        **overrides,
    }


class TestOptions:
    """The guard options are edited on the configuration's page."""

    def test_limits_and_allowlist(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration()
        response = admin_client.post(
            change_url(configuration),
            options(max_deprovisions="5", allowed_networks="192.0.2.1/24\n2001:db8::/32"),
        )
        assert response.status_code == 302
        configuration.refresh_from_db()
        assert configuration.max_deprovisions == 5
        assert configuration.allowed_networks == "192.0.2.0/24\n2001:db8::/32"

    def test_bad_range_is_named(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration()
        response = admin_client.post(
            change_url(configuration), options(allowed_networks="10.0.0.0/99")
        )
        assert response.status_code == 200
        assert "10.0.0.0/99" in response.content.decode()


class TestDeprovisioningPage:
    """A paused configuration shows in the list; its page lists held requests and resumes."""

    def trip(self, configuration: ScimConfiguration) -> None:
        breaker_trip(
            configuration.pk,
            HeldRequestInfo(
                kind="user",
                method="DELETE",
                path="/scim/v2/Users/1",
                body="",
                client_address="192.0.2.9",
                credential="bearer:scb_abc123",
                summary="DELETE user bjensen",
            ),
        )

    def test_paused_listed_then_resumed_with_raised_limit(
        self, admin_client, make_configuration
    ) -> None:
        configuration, _ = make_configuration()
        self.trip(configuration)
        listing = admin_client.get(reverse("admin:configurations_scimconfiguration_changelist"))
        assert "PAUSED" in listing.content.decode()
        url = reverse("admin:configurations_scimconfiguration_resume", args=[configuration.pk])
        page = admin_client.get(url).content.decode()
        assert "DELETE user bjensen" in page
        assert "192.0.2.9" in page

        response = admin_client.post(url, {"max_deprovisions": "500", "for_minutes": "30"})

        assert response.status_code == 302
        configuration.refresh_from_db()
        assert configuration.deprovisioning_paused_at is None
        assert configuration.raised_max_deprovisions == 500
        assert configuration.raised_limits_until > timezone.now() + timedelta(minutes=29)
        assert HeldRequest.objects.get().released_by == "admin"

    def test_raised_limit_needs_a_duration(self, admin_client, make_configuration) -> None:
        configuration, _ = make_configuration()
        self.trip(configuration)
        url = reverse("admin:configurations_scimconfiguration_resume", args=[configuration.pk])
        response = admin_client.post(url, {"max_deprovisions": "500"})
        assert "need a duration" in response.content.decode()
        configuration.refresh_from_db()
        assert configuration.deprovisioning_paused_at is not None


class TestRotationWithGrace:
    """Rotation from the admin keeps the old token for the grace period; Stop it now ends it."""

    def test_grace_shown_and_stopped(self, admin_client, make_configuration) -> None:
        configuration, old = make_configuration()
        url = reverse("admin:configurations_scimconfiguration_rotate", args=[configuration.pk])
        admin_client.post(url, {"grace_hours": "2", "expires_days": "90"})
        configuration.refresh_from_db()
        assert scim_configuration_by_token(old.token) == configuration
        assert configuration.token_expires_at > timezone.now() + timedelta(days=89)
        page = admin_client.get(change_url(configuration)).content.decode()
        assert f"{configuration.previous_token_prefix}…</code> valid until" in page
        end = reverse("admin:configurations_scimconfiguration_end_grace", args=[configuration.pk])
        assert f'href="{end}"' in page
        assert "Yes, stop them" in admin_client.get(end).content.decode()
        assert scim_configuration_by_token(old.token) == configuration  # GET changes nothing

        admin_client.post(end)

        assert scim_configuration_by_token(old.token) is None

    def test_negative_grace_refused(self, admin_client, make_configuration) -> None:
        configuration, old = make_configuration()
        url = reverse("admin:configurations_scimconfiguration_rotate", args=[configuration.pk])
        response = admin_client.post(url, {"grace_hours": "-1"})
        assert "cannot be negative" in response.content.decode()
        configuration.refresh_from_db()
        assert scim_configuration_by_token(old.token) == configuration
