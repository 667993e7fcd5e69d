"""Factories for SCIM payloads, and helpers that store them through the services."""

from __future__ import annotations

from typing import Any

import factory
from scim2_models import Context

from configurations.models import Directory
from provisioning.models import ScimGroup, ScimUser
from provisioning.scim import leniency, mapping
from provisioning.scim.schema import GroupResource, Locator, UserResource
from provisioning.services.groups import group_create
from provisioning.services.users import user_create

LOCATOR = Locator("http://testserver/scim/v2")
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


class UserPayloadFactory(factory.DictFactory):
    """A User as an IdP would POST it."""

    schemas = factory.LazyFunction(lambda: [USER_SCHEMA])
    userName = factory.Sequence(lambda n: f"user{n}")  # noqa: N815 - SCIM attribute name
    active = True
    name = factory.LazyAttribute(lambda o: {"givenName": o.userName.title(), "familyName": "Test"})
    emails = factory.LazyAttribute(
        lambda o: [{"value": f"{o.userName}@example.com", "type": "work", "primary": True}]
    )


class GroupPayloadFactory(factory.DictFactory):
    """A Group as an IdP would POST it."""

    schemas = factory.LazyFunction(lambda: [GROUP_SCHEMA])
    displayName = factory.Sequence(lambda n: f"group{n}")  # noqa: N815 - SCIM attribute name


def user_resource(payload: dict[str, Any]) -> UserResource:
    """A validated User resource from a POST body."""
    body = leniency.normalise_resource(payload, UserResource, locator=LOCATOR)
    return mapping.validate_user(body, Context.RESOURCE_CREATION_REQUEST)


def group_resource(payload: dict[str, Any]) -> GroupResource:
    """A validated Group resource from a POST body."""
    body = leniency.normalise_resource(payload, GroupResource, locator=LOCATOR)
    return mapping.validate_group(body, Context.RESOURCE_CREATION_REQUEST)


def make_user(directory: Directory, **attributes: Any) -> ScimUser:
    """Create a user through the service."""
    return user_create(
        directory=directory, resource=user_resource(UserPayloadFactory(**attributes))
    )


def make_group(directory: Directory, members: list[ScimUser] = (), **attributes: Any) -> ScimGroup:
    """Create a group (with members) through the service."""
    payload = GroupPayloadFactory(**attributes)
    if members:
        payload["members"] = [{"value": str(user.pk)} for user in members]
    return group_create(directory=directory, resource=group_resource(payload))
