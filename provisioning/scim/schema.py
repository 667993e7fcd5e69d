"""The resources this server speaks, the leniency policy, and the discovery documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scim2_models import (
    AttributeBinding,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    Pagination,
    Patch,
    Resource,
    ResourceType,
    Schema,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    User,
)

UserResource = User[EnterpriseUser]
GroupResource = Group

USER_SCHEMA = str(User.__schema__)
ENTERPRISE_SCHEMA = str(EnterpriseUser.__schema__)
GROUP_SCHEMA = str(Group.__schema__)
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

# What IdPs get away with (../shared/reference/idp-behaviour.md): attributes we do not know
# are dropped instead of refused, a remove may select values by its `value` (Entra), and a
# PATCH path filter matching nothing creates the entry it describes (Entra's
# `emails[type eq "work"].value` on a user without a work email).
LENIENT_POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

RESOURCE_MODELS: dict[str, type[Resource[Any]]] = {"User": UserResource, "Group": GroupResource}


def split_binding(binding: AttributeBinding) -> tuple[str, str, str | None]:
    """(schema URN, attribute, sub-attribute) of a bound path, as the schema spells them."""
    schema = str(getattr(binding.model, "__schema__", "") or "")
    prefixed = bool(schema) and binding.urn.startswith(schema)
    rest = binding.urn[len(schema) + 1 :] if prefixed else binding.urn
    attribute, _, sub = rest.partition(".")
    return schema, attribute, sub or None


@dataclass(frozen=True)
class Locator:
    """Builds the absolute URLs of this server's SCIM 2.0 endpoints from the base URL."""

    base_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def endpoint(self, name: str) -> str:
        """URL of an endpoint such as `Users`."""
        return f"{self.base_url}/{name}"

    def user(self, user_id: object) -> str:
        """URL of one user."""
        return f"{self.base_url}/Users/{user_id}"

    def group(self, group_id: object) -> str:
        """URL of one group."""
        return f"{self.base_url}/Groups/{group_id}"


def _dump(document: Resource[Any]) -> dict[str, Any]:
    return document.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def resource_type_documents(locator: Locator) -> list[dict[str, Any]]:
    """The /ResourceTypes documents: User (with the enterprise extension) and Group."""
    documents = []
    for name, model in RESOURCE_MODELS.items():
        resource_type = ResourceType.from_resource(model)
        resource_type.meta = Meta(
            resource_type="ResourceType", location=locator.endpoint(f"ResourceTypes/{name}")
        )
        documents.append(_dump(resource_type))
    return documents


def _schema_document(schema: Schema, locator: Locator) -> dict[str, Any]:
    schema.meta = Meta(resource_type="Schema", location=locator.endpoint(f"Schemas/{schema.id}"))
    return _dump(schema)


# The descriptions RFC 7643 section 8.7.1 publishes (clients such as Microsoft's reference
# collection look for "User Account").
_DESCRIPTIONS = {User: "User Account", EnterpriseUser: "Enterprise User", Group: "Group"}


def schema_documents(locator: Locator) -> list[dict[str, Any]]:
    """The /Schemas documents: the core User, the enterprise extension and the core Group."""
    documents = []
    for model, description in _DESCRIPTIONS.items():
        schema = model.to_schema()
        schema.description = description
        documents.append(_schema_document(schema, locator))
    return documents


def service_provider_config_document(
    *,
    locator: Locator,
    max_page_size: int,
    basic_auth: bool,
    bulk_max_operations: int = 0,
    bulk_max_payload_bytes: int = 0,
) -> dict[str, Any]:
    """The /ServiceProviderConfig document, true to what this server implements."""
    schemes = [
        AuthenticationScheme(
            type="oauthbearertoken",
            name="OAuth Bearer Token",
            description="The SCIM configuration's token: Authorization: Bearer <token>.",
            primary=True,
        )
    ]
    if basic_auth:
        schemes.append(
            AuthenticationScheme(
                type="httpbasic",
                name="HTTP Basic",
                description="The SCIM configuration's Basic-auth username and password.",
            )
        )
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(
            supported=bulk_max_operations > 0,
            max_operations=bulk_max_operations,
            max_payload_size=bulk_max_payload_bytes,
        ),
        filter=Filter(supported=True, max_results=max_page_size),
        change_password=ChangePassword(supported=True),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=schemes,
        pagination=Pagination(
            cursor=False,
            index=True,
            default_pagination_method="index",
            default_page_size=max_page_size,
            max_page_size=max_page_size,
        ),
        meta=Meta(
            resource_type="ServiceProviderConfig",
            location=locator.endpoint("ServiceProviderConfig"),
        ),
    )
    return _dump(config)
