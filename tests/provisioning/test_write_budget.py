"""The write's time budget and the work done before the row lock (issue #18, item 1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

import provisioning.services.users as user_services
from provisioning.models import ScimUser

from .conftest import PATCH_SCHEMA, RecordingApplier, ScimClient, assert_scim_error

pytestmark = pytest.mark.django_db


def _emails_patch(n: int) -> dict[str, Any]:
    operations = [
        {"op": "add", "path": f'emails[value eq "u{i}@example.com"]', "value": {"type": "work"}}
        for i in range(n)
    ]
    return {"schemas": [PATCH_SCHEMA], "Operations": operations}


class TestBudget:
    """Past SCIM_WRITE_BUDGET_SECONDS a write answers 503 and nothing is applied."""

    def test_past_the_budget(self, scim: ScimClient, applier: RecordingApplier) -> None:
        user = scim.create_user("budget@example.com")
        with override_settings(SCIM_WRITE_BUDGET_SECONDS=1e-9):
            response = scim.patch(f"Users/{user['id']}", _emails_patch(20))
        body = assert_scim_error(response, 503)
        assert "SCIM_WRITE_BUDGET_SECONDS" in body["detail"]
        assert response["Retry-After"] == "30"
        row = ScimUser.objects.get(pk=user["id"])
        assert row.version == 1
        assert not row.values.exists()
        assert applier.kinds == [["user_created"]]  # nothing reached Jira

    def test_within_the_budget(self, scim: ScimClient) -> None:
        user = scim.create_user("budget@example.com")
        response = scim.patch(f"Users/{user['id']}", _emails_patch(20))
        assert response.status_code == 200
        assert len(response.json()["emails"]) == 20


class TestWorkBeforeTheLock:
    """The PATCH is applied to the document before the row is locked."""

    def test_patch_applied_before_the_lock(
        self, scim: ScimClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = scim.create_user("order@example.com")
        events: list[str] = []
        real_patch, real_locked = user_services.apply_patch, user_services._locked

        def patch(*args: Any, **kwargs: Any) -> bool:
            events.append("patch")
            return real_patch(*args, **kwargs)

        def locked(*args: Any, **kwargs: Any) -> ScimUser:
            events.append("lock")
            return real_locked(*args, **kwargs)

        monkeypatch.setattr(user_services, "apply_patch", patch)
        monkeypatch.setattr(user_services, "_locked", locked)
        response = scim.patch(f"Users/{user['id']}", _emails_patch(3))
        assert response.status_code == 200
        assert events == ["patch", "lock"]

    def test_row_written_meanwhile_is_patched_again(
        self, scim: ScimClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = scim.create_user("race@example.com")
        calls: list[int] = []
        real_patch = user_services.apply_patch

        def patch(resource: Any, *args: Any, **kwargs: Any) -> bool:
            calls.append(1)
            if len(calls) == 1:
                # A concurrent write lands between the unlocked read and the lock.
                row = ScimUser.objects.get(pk=user["id"])
                row.display_name = "Written meanwhile"
                row.bump(confirmed=False)
                row.save()
            return real_patch(resource, *args, **kwargs)

        monkeypatch.setattr(user_services, "apply_patch", patch)
        response = scim.patch(f"Users/{user['id']}", _emails_patch(2))
        assert response.status_code == 200
        assert len(calls) == 2
        assert response.json()["displayName"] == "Written meanwhile"
