"""The user reads answered without DRF answer exactly what the full views answer.

Each request is sent twice, with SCIM_FAST_READS on and off: same status, same headers
(but the request id and the date), same body bytes. Requests the fast reads leave to the
full view are checked to be left to it, so that a case they do not handle cannot answer
differently.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from auditlog import services as audit_services
from auditlog.models import AuditEntry
from provisioning.api.fast_reads import SERVED_FAST
from provisioning.models import ScimUser
from provisioning.sync.models import ScimCustomization, ScimUserLastLogin

from .conftest import ENTERPRISE, ScimClient

pytestmark = pytest.mark.django_db

# Differ between any two answers: not compared.
VOLATILE = {"X-Request-Id", "Date"}


def answer(response: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {name: value for name, value in response.items() if name not in VOLATILE}
    return response.status_code, headers, response.content


def both(settings: Any, send: Any) -> tuple[Any, Any]:
    """The response with the fast reads on, then off."""
    settings.SCIM_FAST_READS = True
    fast = send()
    settings.SCIM_FAST_READS = False
    full = send()
    settings.SCIM_FAST_READS = True
    return fast, full


@pytest.fixture
def people(scim: ScimClient) -> dict[str, Any]:
    """Users with groups, an extension, non-ASCII values; one of them deleted (hidden)."""
    ada = scim.create_user(
        "Ada@Example.com",
        name={"givenName": "Ada", "familyName": "Lovelace"},
        displayName="Ada Lövelace \u2028",
        emails=[{"value": "ada@example.com", "type": "work", "primary": True}],
        schemas=["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        **{ENTERPRISE: {"employeeNumber": "42", "department": "Analytics"}},
    )
    bob = scim.create_user("bob@example.com", active=False, externalId="ext-bob")
    gone = scim.create_user("gone@example.com")
    scim.create_group("Engineers", members=[ada["id"], bob["id"]])
    scim.create_group("Analysts", members=[ada["id"]])
    assert scim.delete(f"Users/{gone['id']}").status_code == 204
    return {"ada": ada, "bob": bob, "gone": gone}


SERVED_FAST_REQUESTS = [
    ("/scim/v2", "Users/{ada}", {}),
    ("/scim/v2", "Users/{bob}", {}),
    ("/scim/v2", "users/{ada}/", {}),
    ("/scim/v1", "Users/{ada}", {}),
    ("/scim/v2", "Users", {"filter": 'userName eq "ada@example.com"'}),
    ("/scim/v2", "Users", {"filter": 'USERNAME EQ "ADA@example.COM"'}),
    ("/scim/v2", "Users", {"filter": 'userName eq "nobody@example.com"'}),
    ("/scim/v2", "Users", {"filter": 'userName eq "gone@example.com"'}),
    ("/scim/v2", "Users", {"filter": 'userName eq "ada@example.com"', "startIndex": 1, "count": 5}),
    ("/scim/v2", "Users", {"filter": 'externalId eq "ext-bob"'}),
    ("/scim/v2", "Users", {"startIndex": 2, "count": 1}),
    ("/scim/v2", "Users", {}),
    ("/scim/v2", "Users", {"count": 0}),
    ("/scim/v1", "Users", {"filter": 'userName eq "bob@example.com"'}),
]


@pytest.mark.parametrize("case", SERVED_FAST_REQUESTS)
def test_fast_answers_are_the_full_views_answers(
    scim: ScimClient, people: dict[str, Any], settings: Any, case: Any
) -> None:
    base, path, params = case
    client = ScimClient(scim.token, base=base)
    url = path.format(**{name: user["id"] for name, user in people.items()})
    fast, full = both(settings, lambda: client.get(url, **params))
    assert getattr(fast, SERVED_FAST, False), "the fast read did not answer"
    assert not getattr(full, SERVED_FAST, False)
    assert fast.status_code == 200
    assert answer(fast) == answer(full)


LEFT_TO_THE_FULL_VIEW = [
    # (path, query parameters, headers, expected status)
    ("Users/{ada}", {"attributes": "userName"}, {}, 200),
    ("Users/{ada}", {"excludedAttributes": "groups"}, {}, 200),
    ("Users/{ada}", {}, {"If-None-Match": "{ada_etag}"}, 304),
    ("Users/{ada}", {}, {"If-None-Match": 'W/"999"'}, 200),
    ("Users/{gone}", {}, {}, 404),
    ("Users/0b1e6a3e-5d1c-4c8e-9f7a-2d2f1e0c9b8a", {}, {}, 404),
    ("Users/not-a-uuid", {}, {}, 404),
    ("Users", {"filter": 'userName eq "ada@example.com"', "attributes": "userName"}, {}, 200),
    ("Users", {"sortBy": "userName"}, {}, 200),
    ("Users", {"filter": 'userName eq "ada@example.com'}, {}, 400),
    ("Users", {"filter": 'nosuch eq "x"'}, {}, 400),
    ("Users", {"startIndex": "x"}, {}, 400),
]


@pytest.mark.parametrize("case", LEFT_TO_THE_FULL_VIEW)
def test_other_requests_are_the_full_views(
    scim: ScimClient, people: dict[str, Any], settings: Any, case: Any
) -> None:
    path, params, headers, status = case
    values = {name: user["id"] for name, user in people.items()}
    values["ada_etag"] = people["ada"]["meta"]["version"]
    url = path.format(**values)
    sent = {name: value.format(**values) for name, value in headers.items()}
    fast, full = both(settings, lambda: scim.get(url, headers=sent, **params))
    assert not getattr(fast, SERVED_FAST, False)
    assert fast.status_code == status, fast.content
    assert answer(fast) == answer(full)


def test_a_get_with_a_body_too_large_is_refused_as_by_the_full_view(
    scim: ScimClient, people: dict[str, Any], settings: Any
) -> None:
    settings.SCIM_MAX_BODY_BYTES = 10
    url = f"Users/{people['ada']['id']}"
    fast, full = both(settings, lambda: scim.request("GET", url, raw="x" * 11))
    assert not getattr(fast, SERVED_FAST, False)
    assert fast.status_code == 413
    assert answer(fast) == answer(full)


class TestCredentials:
    """Every refusal is the full view's: same answer, same failure counting."""

    def test_a_wrong_token_is_refused_and_counted(self, people, settings) -> None:
        settings.SCIM_AUTH_FAILURE_LIMIT = 2
        client = ScimClient("scim_wrong-token")
        answers = [client.get(f"Users/{people['ada']['id']}") for _ in range(3)]
        assert [response.status_code for response in answers] == [401, 401, 429]
        assert not any(getattr(response, SERVED_FAST, False) for response in answers)

    def test_a_disabled_configuration_is_refused_at_once(
        self, scim, people, scim_configuration
    ) -> None:
        assert scim.get(f"Users/{people['ada']['id']}").status_code == 200
        from configurations.services import scim_configuration_set_enabled

        scim_configuration_set_enabled(configuration=scim_configuration[0], enabled=False)
        assert scim.get(f"Users/{people['ada']['id']}").status_code == 401

    def test_an_address_outside_the_allowlist_is_refused(self, make_configuration) -> None:
        _, issued = make_configuration(name="fenced", allowed_networks="192.0.2.0/24")
        response = Client().get(
            "/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {issued.token}", REMOTE_ADDR="10.1.1.1"
        )
        assert response.status_code == 403
        assert not getattr(response, SERVED_FAST, False)

    def test_another_directorys_user_is_not_found(self, people, make_configuration) -> None:
        _, issued = make_configuration(name="other")  # on a directory of its own
        other = ScimClient(issued.token)
        assert other.get(f"Users/{people['ada']['id']}").status_code == 404
        found = other.get("Users", filter='userName eq "ada@example.com"').json()
        assert found["totalResults"] == 0


def test_last_login_is_shown_as_by_the_full_view(scim, people, scim_directory, settings) -> None:
    ScimCustomization.objects.create(directory=scim_directory, show_last_login=True)
    user = ScimUser.objects.get(pk=people["ada"]["id"])
    ScimUserLastLogin.objects.create(user=user, last_login_at=timezone.now())
    for send in (
        lambda: scim.get(f"Users/{user.pk}"),
        lambda: scim.get("Users", filter='userName eq "ada@example.com"'),
    ):
        fast, full = both(settings, send)
        assert getattr(fast, SERVED_FAST, False)
        assert answer(fast) == answer(full)
        assert "lastLogin" in fast.content.decode()


def test_a_fast_read_is_recorded_in_the_audit_log(scim, people, scim_configuration) -> None:
    audit_services.audit_log_set_enabled(enabled=True)
    response = scim.get(f"Users/{people['ada']['id']}")
    assert getattr(response, SERVED_FAST, False)
    entry = AuditEntry.objects.get(request_id=response["X-Request-Id"])
    assert entry.configuration == scim_configuration[0]
    assert entry.status == 200
    assert entry.method == "GET"
    assert "ada@example.com" in entry.response_body


def test_a_fast_read_records_the_credentials_use(scim, people, scim_configuration) -> None:
    configuration = scim_configuration[0]
    configuration.refresh_from_db()
    assert configuration.last_used_at is not None  # the fixture's writes used it
    type(configuration).objects.filter(pk=configuration.pk).update(last_used_at=None)
    from configurations.selectors import CREDENTIALS
    from configurations.services import _TOUCHED_AT

    CREDENTIALS.clear()
    _TOUCHED_AT.clear()
    response = scim.get(f"Users/{people['ada']['id']}")
    assert getattr(response, SERVED_FAST, False)
    configuration.refresh_from_db()
    assert configuration.last_used_at is not None
