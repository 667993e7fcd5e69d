"""Admin forms: Jira sites (write-only secrets) and the "New configuration" page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .defaults_check import check_defaults
from .models import ApplicationKey, Directory, JiraSite, ScimConfiguration
from .services import normalise_group_list, normalise_networks


class JiraSiteForm(forms.ModelForm):
    """Edits a Jira site; the token or password is write-only and never rendered back."""

    base_url = forms.URLField(
        label="Base URL",
        max_length=500,
        assume_scheme="https",
        help_text="Jira's base URL including any context path, e.g. https://jira.example.com/jira",
    )
    secret = forms.CharField(
        label="Personal access token or password",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted. Leave empty to keep the current one.",
    )

    class Meta:
        model = JiraSite
        fields = (
            "name",
            "base_url",
            "auth_method",
            "username",
            "secret",
            "verify_tls",
            "timeout",
            "protected_groups",
            "unprotected_groups",
            "protected_users",
        )
        widgets = {
            name: forms.Textarea(attrs={"rows": 3, "cols": 40})
            for name in ("protected_groups", "unprotected_groups", "protected_users")
        }

    def clean_base_url(self) -> str:
        """Drop a trailing slash so that URLs join cleanly."""
        return self.cleaned_data["base_url"].rstrip("/")

    def clean(self) -> dict[str, Any]:
        """A new site, or a change of account or method, needs the secret entered again."""
        cleaned = super().clean()
        account_changed = {"auth_method", "username", "base_url"} & set(self.changed_data)
        # Turning TLS verification off lets whoever sits on the path read the secret; the
        # admin proves they hold it (and mean it) by typing it in the same save.
        tls_turned_off = bool(
            self.instance.pk and "verify_tls" in self.changed_data and not cleaned.get("verify_tls")
        )
        needs_secret = not self.instance.has_secret or (
            self.instance.pk and (account_changed or tls_turned_off)
        )
        if needs_secret and not cleaned.get("secret"):
            if not self.instance.pk:
                reason = "."
            elif account_changed:
                reason = " again: the account or URL changed."
            else:
                reason = " again to turn off TLS certificate verification."
            self.add_error("secret", "Enter the token or password" + reason)
        return cleaned

    def save(self, commit: bool = True) -> JiraSite:
        """Encrypt a newly entered secret before saving."""
        site = super().save(commit=False)
        if self.cleaned_data.get("secret"):
            site.set_secret(self.cleaned_data["secret"])
        if commit:
            site.save()
        return site


class DeleteUsersField(forms.TypedChoiceField):
    """The plugin's "Delete users" Yes/No choice as a boolean."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[(False, "No: deactivate the Jira user"), (True, "Yes: delete the Jira user")],
            coerce=lambda value: value in (True, "True"),
            widget=forms.RadioSelect,
            initial=False,
            label="Delete users",
            help_text="What a SCIM DELETE does to the Jira user.",
            **kwargs,
        )


class ApplicationKeysField(forms.MultipleChoiceField):
    """Application access as checkboxes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=ApplicationKey.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label="Application group(s)",
            help_text="Jira applications every provisioned user gets access to.",
            **kwargs,
        )


class DefaultsCheckedAgainstJira(forms.Form):
    """Default groups and applications checked against the Jira site before saving."""

    confirm_missing_groups = forms.BooleanField(
        required=False,
        label="Create missing default groups",
        help_text="Tick to confirm that the first provision creates the default groups Jira "
        "does not have yet.",
    )
    skip_jira_check = forms.BooleanField(
        required=False,
        label="Save without these checks",
        help_text="Only when Jira cannot be reached now: the defaults are not checked.",
    )

    def check_defaults_against(self, site: JiraSite | None) -> None:
        """Add the errors Jira's answer calls for (the cleaned data stays as it is)."""
        cleaned = self.cleaned_data
        if site is None or "default_groups" in self.errors or self.errors.get("application_keys"):
            return
        groups = [g for g in (cleaned.get("default_groups") or "").split(", ") if g]
        report = check_defaults(
            site, groups=groups, application_keys=list(cleaned.get("application_keys") or [])
        )
        if report.refusal:
            self.add_error("application_keys", report.refusal)
        if report.unreachable and not cleaned.get("skip_jira_check"):
            self.add_error(None, report.needs_confirmation)
        elif report.missing_groups and not cleaned.get("confirm_missing_groups"):
            self.add_error("default_groups", report.needs_confirmation)


class ScimConfigurationCreateForm(DefaultsCheckedAgainstJira):
    """The "New configuration" page: options of the plugin's quick and advanced setup."""

    name = forms.CharField(max_length=100, help_text="E.g. the identity provider's name.")
    directory = forms.ModelChoiceField(
        queryset=Directory.objects.select_related("jira_site"),
        required=False,
        label="User directory",
        empty_label="— Create a new directory —",
        help_text="An existing directory, or leave on “Create a new directory”.",
    )
    new_directory_name = forms.CharField(
        max_length=100, required=False, label="New directory name"
    )
    jira_site = forms.ModelChoiceField(
        queryset=JiraSite.objects.all(),
        required=False,
        label="Jira site of the new directory",
    )
    basic_auth_username = forms.CharField(
        max_length=150,
        required=False,
        label="Username for Basic auth",
        help_text="Optional. When set, a password is generated too and the IdP may use Basic "
        "auth instead of the bearer token.",
    )
    delete_users = DeleteUsersField()
    default_groups = forms.CharField(
        required=False,
        label="Default group(s)",
        help_text="Comma-separated Jira groups every provisioned user is added to.",
    )
    application_keys = ApplicationKeysField()
    recreate_renamed_groups = forms.BooleanField(
        required=False,
        label="Re-create renamed groups",
        help_text=ScimConfiguration._meta.get_field("recreate_renamed_groups").help_text,
    )
    shadow = forms.BooleanField(
        label="Start in shadow mode",
        required=False,
        help_text="Answer and store the IdP's requests without writing to Jira; every change "
        "Jira would get is recorded as a planned change. Go live from the configuration's page.",
    )

    def clean_name(self) -> str:
        """Configuration names are unique."""
        name = self.cleaned_data["name"].strip()
        if ScimConfiguration.objects.filter(name=name).exists():
            raise ValidationError("A configuration with this name already exists.")
        return name

    def clean_basic_auth_username(self) -> str:
        """Basic-auth usernames are unique across configurations."""
        username = self.cleaned_data["basic_auth_username"].strip()
        if (
            username
            and ScimConfiguration.objects.filter(basic_auth_username__iexact=username).exists()
        ):
            raise ValidationError("Another configuration uses this Basic auth username.")
        return username

    def clean_default_groups(self) -> str:
        """Normalise the group list."""
        return normalise_group_list(self.cleaned_data["default_groups"])

    def clean(self) -> dict[str, Any]:
        """Either an existing directory, or a new directory's name and Jira site."""
        cleaned = super().clean()
        if cleaned.get("directory"):
            self.check_defaults_against(cleaned["directory"].jira_site)
            return cleaned
        self.check_defaults_against(cleaned.get("jira_site"))
        name = (cleaned.get("new_directory_name") or "").strip()
        if not name:
            self.add_error("new_directory_name", "Choose a directory or name a new one.")
        elif Directory.objects.filter(name=name).exists():
            self.add_error("new_directory_name", "A directory with this name exists: choose it.")
        if not cleaned.get("jira_site"):
            self.add_error("jira_site", "Choose the Jira site the new directory provisions into.")
        cleaned["new_directory_name"] = name
        return cleaned


class ScimConfigurationChangeForm(forms.ModelForm, DefaultsCheckedAgainstJira):
    """Edits a configuration's options; credentials change only by rotation."""

    delete_users = DeleteUsersField()
    application_keys = ApplicationKeysField()

    class Meta:
        model = ScimConfiguration
        fields = (
            "name",
            "delete_users",
            "default_groups",
            "application_keys",
            "recreate_renamed_groups",
            "enabled",
            "max_deprovisions",
            "max_group_deletions",
            "deprovision_window_minutes",
            "allowed_networks",
            "username_changes",
            "adopt_existing_users",
            "token_expires_at",
            "basic_password_expires_at",
        )
        widgets = {
            "default_groups": forms.TextInput(attrs={"size": 60}),
            "allowed_networks": forms.Textarea(attrs={"rows": 4, "cols": 50}),
        }

    def clean_default_groups(self) -> str:
        """Normalise the group list."""
        return normalise_group_list(self.cleaned_data["default_groups"])

    def clean_allowed_networks(self) -> str:
        """One canonical CIDR per line; a bad entry is named."""
        return normalise_networks(self.cleaned_data["allowed_networks"])

    def clean(self) -> dict[str, Any]:
        """Changed defaults are checked against the directory's Jira site."""
        cleaned = super().clean()
        if {"default_groups", "application_keys"} & set(self.changed_data):
            self.check_defaults_against(self.instance.directory.jira_site)
        return cleaned
