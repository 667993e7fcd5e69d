"""Tests of `manage.py scim_configuration`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from configurations.models import Directory, JiraSite, ScimConfiguration
from configurations.selectors import scim_configuration_by_basic, scim_configuration_by_token


def run(*args: str) -> str:
    """Run the command and return what it printed."""
    out = io.StringIO()
    call_command("scim_configuration", *args, stdout=out)
    return out.getvalue()


def create(*extra: str, name: str = "okta") -> dict:
    """Create a configuration with --json and return the parsed output."""
    return json.loads(
        run(
            "create",
            "--name",
            name,
            "--jira-url",
            "https://jira.example.com/",
            "--jira-token",
            "pat-123",
            "--json",
            *extra,
        )
    )


@pytest.mark.django_db
class TestCreate:
    """`create` makes the site, directory and configuration and prints credentials once."""

    def test_json_contract(self) -> None:
        data = create()
        assert set(data) == {"id", "name", "directory", "token", "scim_v2_url", "scim_v1_url"}
        assert data["name"] == "okta"
        assert data["directory"] == "okta"
        assert data["scim_v2_url"] == "http://localhost:8000/scim/v2"
        assert data["scim_v1_url"] == "http://localhost:8000/scim/v1"
        configuration = scim_configuration_by_token(data["token"])
        assert configuration is not None
        assert configuration.pk == data["id"]
        site = JiraSite.objects.get()
        assert site.base_url == "https://jira.example.com"
        assert site.get_secret() == "pat-123"

    def test_all_options(self) -> None:
        data = create(
            "--directory",
            "Corp",
            "--delete-users",
            "--default-groups",
            "jira-users, staff",
            "--applications",
            "jira-software,jira-core",
            "--basic-auth-username",
            "okta-basic",
            "--recreate-renamed-groups",
            "--base-url",
            "https://scim.example.com/",
        )
        configuration = ScimConfiguration.objects.get(pk=data["id"])
        assert configuration.directory.name == "Corp"
        assert configuration.delete_users is True
        assert configuration.default_group_names == ["jira-users", "staff"]
        assert configuration.application_keys == ["jira-core", "jira-software"]
        assert configuration.recreate_renamed_groups is True
        assert data["scim_v2_url"] == "https://scim.example.com/scim/v2"
        assert scim_configuration_by_basic("okta-basic", data["basic_auth_password"]) == (
            configuration
        )

    def test_basic_jira_credentials(self) -> None:
        run(
            "create", "--name", "x", "--jira-url", "https://j.example.com",
            "--jira-username", "admin", "--jira-password", "pw",
        )
        site = JiraSite.objects.get()
        assert (site.auth_method, site.username, site.get_secret()) == ("basic", "admin", "pw")

    def test_shared_directory(self) -> None:
        create("--directory", "Shared", name="okta")
        create("--directory", "Shared", name="entra")
        assert Directory.objects.get().scim_configurations.count() == 2

    def test_human_output_warns_once(self) -> None:
        out = run("create", "--name", "x", "--jira-url", "https://j.example.com",
                  "--jira-token", "t")
        assert "Bearer token: scb_" in out
        assert "will not be shown again" in out

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--jira-url", "https://j.example.com"], "--jira-token"),
            (
                ["--jira-url", "https://j.example.com", "--jira-token", "t",
                 "--jira-username", "u"],
                "not both",
            ),
            (
                ["--jira-url", "https://j.example.com", "--jira-token", "t",
                 "--applications", "jira-sofware"],
                "jira-sofware",
            ),
            (["--jira-url", "not a url", "--jira-token", "t"], "URL"),
        ],
    )
    def test_errors(self, args, message) -> None:
        with pytest.raises(CommandError, match=message):
            run("create", "--name", "bad", *args)
        assert not ScimConfiguration.objects.exists()

    def test_duplicate_name(self) -> None:
        create()
        with pytest.raises(CommandError, match="already exists"):
            create()


@pytest.mark.django_db
class TestListRotateDelete:
    """`list`, `rotate-token` and `delete`."""

    def test_list_never_shows_secrets(self) -> None:
        data = create("--basic-auth-username", "b")
        listed = json.loads(run("list", "--json"))
        assert len(listed) == 1
        assert listed[0]["name"] == "okta"
        assert listed[0]["token_prefix"] == data["token"][:10]
        text = json.dumps(listed) + run("list")
        assert data["token"] not in text
        assert data["basic_auth_password"] not in text
        assert "pat-123" not in text

    def test_list_empty(self) -> None:
        assert "No configurations" in run("list")

    def test_rotate_token(self) -> None:
        old = create()
        new = json.loads(run("rotate-token", "okta", "--grace-hours", "0", "--json"))
        assert new["token"] != old["token"]
        assert scim_configuration_by_token(old["token"]) is None
        assert scim_configuration_by_token(new["token"]).pk == old["id"]

    def test_delete(self) -> None:
        create()
        assert json.loads(run("delete", "okta", "--json")) == {"deleted": "okta"}
        assert not ScimConfiguration.objects.exists()
        assert Directory.objects.exists()

    @pytest.mark.parametrize("action", ["rotate-token", "delete"])
    def test_unknown_name(self, action) -> None:
        with pytest.raises(CommandError, match="No configuration named 'ghost'"):
            run(action, "ghost")


@pytest.mark.django_db
class TestSecretsOffTheCommandLine:
    """Jira secrets from a file or standard input; a literal value warns (ps, history)."""

    def run_create(self, *args: str, stdin: str | None = None) -> tuple[dict, str]:
        out, err = io.StringIO(), io.StringIO()
        extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
        call_command(
            "scim_configuration", "create", "--name", "okta",
            "--jira-url", "https://jira.example.com", "--json", *args,
            stdout=out, stderr=err, **extra,
        )
        return json.loads(out.getvalue()), err.getvalue()

    def test_token_file(self, tmp_path) -> None:
        path = tmp_path / "pat"
        path.write_text("pat-from-file\n")
        _, err = self.run_create("--jira-token-file", str(path))
        assert JiraSite.objects.get().get_secret() == "pat-from-file"
        assert "Warning" not in err

    def test_token_stdin(self) -> None:
        _, err = self.run_create("--jira-token", "-", stdin="pat-from-stdin\n")
        assert JiraSite.objects.get().get_secret() == "pat-from-stdin"
        assert "Warning" not in err

    def test_password_file(self, tmp_path) -> None:
        path = tmp_path / "pw"
        path.write_text("pw-from-file")
        self.run_create("--jira-username", "admin", "--jira-password-file", str(path))
        site = JiraSite.objects.get()
        assert site.get_secret() == "pw-from-file"
        assert site.username == "admin"

    def test_password_stdin(self) -> None:
        self.run_create("--jira-username", "admin", "--jira-password", "-", stdin="pw-in\n")
        assert JiraSite.objects.get().get_secret() == "pw-in"

    def test_literal_value_still_works_but_warns(self) -> None:
        _, err = self.run_create("--jira-token", "pat-literal")
        assert JiraSite.objects.get().get_secret() == "pat-literal"
        assert "ps" in err
        assert "--jira-token-file" in err

    def test_value_and_file_refused(self, tmp_path) -> None:
        path = tmp_path / "pat"
        path.write_text("x")
        with pytest.raises(CommandError, match="not both"):
            self.run_create("--jira-token", "y", "--jira-token-file", str(path))

    def test_missing_file(self, tmp_path) -> None:
        with pytest.raises(CommandError, match="Cannot read"):
            self.run_create("--jira-token-file", str(tmp_path / "missing"))
