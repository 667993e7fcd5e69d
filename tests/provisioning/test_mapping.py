"""Resource ↔ storage mapping with the tables: every attribute written is read back."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from scim2_models import Context, EnterpriseUser

from provisioning.models import ScimUser
from provisioning.scim import mapping
from tests.provisioning.factories import user_resource
from tests.provisioning.scim.test_mapping import ENTERPRISE, FULL_USER, LOCATOR


@pytest.mark.django_db
class TestRoundTrip:
    """Every attribute written is read back (Jira cannot hold most of them)."""

    def test_user(self, scim_directory: Any) -> None:
        fields = mapping.user_fields(user_resource(FULL_USER))
        user = ScimUser.objects.create(
            directory=scim_directory,
            user_name=fields.user_name,
            external_id=fields.external_id,
            display_name=fields.display_name,
            active=fields.active,
            resource=fields.resource,
        )
        group_id = uuid.uuid4()
        rendered = mapping.user_resource(
            user, locator=LOCATOR, groups=[mapping.GroupRef(group_id, "Guides")]
        )
        document = rendered.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        expected = {key: value for key, value in FULL_USER.items() if key != "password"}
        for key, value in expected.items():
            if key == ENTERPRISE:
                continue
            assert document[key] == value, key
        manager = rendered[EnterpriseUser].manager
        assert manager.ref == LOCATOR.user(manager.value)
        assert document["groups"] == [
            {
                "value": str(group_id),
                "$ref": LOCATOR.group(group_id),
                "display": "Guides",
                "type": "direct",
            }
        ]
        assert "password" not in document
        assert document["meta"]["location"] == LOCATOR.user(user.pk)
        assert document["meta"]["version"] == 'W/"1"'
