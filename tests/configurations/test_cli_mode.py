"""`manage.py scim_configuration create --shadow` and `set-mode NAME live|shadow`."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError

from configurations.models import ScimConfiguration

from .test_cli import create, run

pytestmark = pytest.mark.django_db


class TestMode:
    """Shadow mode from the command line."""

    def test_create_live_by_default_and_shadow_on_request(self) -> None:
        create(name="live-one")
        create("--shadow", name="shadow-one")
        modes = dict(ScimConfiguration.objects.values_list("name", "mode"))
        assert modes == {"live-one": "live", "shadow-one": "shadow"}
        listed = {row["name"]: row["mode"] for row in json.loads(run("list", "--json"))}
        assert listed == modes
        assert "[enabled, SHADOW]" in run("list")

    def test_set_mode_switches_and_says_what_to_do(self) -> None:
        create("--shadow")
        out = run("set-mode", "okta", "live")
        assert "is now live" in out
        assert "manage.py reconcile --directory okta --yes" in out
        assert ScimConfiguration.objects.get(name="okta").mode == "live"
        assert "already live" in run("set-mode", "okta", "live")
        assert json.loads(run("set-mode", "okta", "shadow", "--json")) == {
            "name": "okta", "mode": "shadow", "changed": True,
        }

    def test_refuses_unknown_names_and_modes(self) -> None:
        with pytest.raises(CommandError, match="No configuration named"):
            run("set-mode", "nope", "live")
        create()
        with pytest.raises(CommandError):
            run("set-mode", "okta", "dark")
