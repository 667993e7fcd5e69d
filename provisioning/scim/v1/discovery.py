"""The 1.1 discovery documents, translated from the 2.0 ones so both describe the same server.

`/ServiceProviderConfigs` is the 2.0 ServiceProviderConfig in the 1.1 shape (URLs instead of
URIs, 1.1 authentication scheme names, `xmlDataFormat`). `/Schemas` holds one 1.1 resource
schema per resource type (User with the enterprise extension's attributes, Group), built from
the 2.0 schema documents: `mutability` becomes `readOnly`, `reference` becomes `string`,
`$ref` disappears, the manager's `value` is `managerId`.
"""

from __future__ import annotations

from typing import Any

from .names import (
    CORE_SCHEMA,
    ENTERPRISE_SCHEMA,
    ENTERPRISE_SCHEMA_V2,
    GROUP_SCHEMA_V2,
    MANAGER,
    MANAGER_ID_V1,
    MANAGER_ID_V2,
    USER_SCHEMA_V2,
)

# 2.0 scheme types (RFC 7643 section 5) → the 1.1 canonical values.
_SCHEME_TYPES = {
    "oauthbearertoken": "OAuth2",
    "oauth2": "OAuth2",
    "oauth": "OAuth",
    "httpbasic": "HttpBasic",
    "httpdigest": "httpDigest",
}
_CAPABILITIES = ("patch", "bulk", "filter", "changePassword", "sort", "etag")


def _scheme(scheme: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "type": _SCHEME_TYPES.get(str(scheme.get("type", "")).lower(), scheme.get("type")),
        "name": scheme.get("name"),
        "description": scheme.get("description"),
    }
    if scheme.get("specUri"):
        result["specUrl"] = scheme["specUri"]
    if scheme.get("documentationUri"):
        result["documentationUrl"] = scheme["documentationUri"]
    if scheme.get("primary"):
        result["primary"] = True
    return result


def service_provider_config_out(document: dict[str, Any], *, location: str) -> dict[str, Any]:
    """The 2.0 ServiceProviderConfig as the 1.1 one (JSON only: no XML data format)."""
    result: dict[str, Any] = {"schemas": [CORE_SCHEMA]}
    if document.get("documentationUri"):
        result["documentationUrl"] = document["documentationUri"]
    for name in _CAPABILITIES:
        if isinstance(document.get(name), dict):
            result[name] = dict(document[name])
    result["authenticationSchemes"] = [
        _scheme(scheme) for scheme in document.get("authenticationSchemes") or []
    ]
    result["xmlDataFormat"] = {"supported": False}
    result["meta"] = {"location": location}
    return result


def _singular(name: str) -> str:
    """1.1's `multiValuedAttributeChildName`: `emails` → `email`, `addresses` → `address`."""
    if name.endswith("sses"):
        return name[:-2]
    return name.removesuffix("s")


def _common(attribute: dict[str, Any]) -> dict[str, Any]:
    """What 1.1 attribute and sub-attribute descriptions share."""
    result: dict[str, Any] = {
        "name": attribute["name"],
        "type": "string" if attribute.get("type") == "reference" else attribute.get("type"),
        "description": attribute.get("description") or "",
        "readOnly": attribute.get("mutability") == "readOnly",
        "required": bool(attribute.get("required")),
        "caseExact": bool(attribute.get("caseExact")),
    }
    if attribute.get("canonicalValues"):
        result["canonicalValues"] = list(attribute["canonicalValues"])
    return result


def attribute_out(attribute: dict[str, Any], *, schema: str) -> dict[str, Any]:
    """A 2.0 attribute definition as a 1.1 one."""
    result = _common(attribute)
    result["schema"] = schema
    result["multiValued"] = bool(attribute.get("multiValued"))
    if result["multiValued"]:
        result["multiValuedAttributeChildName"] = _singular(attribute["name"])
    subs = []
    for sub in attribute.get("subAttributes") or []:
        if sub.get("name") == "$ref":
            continue
        described = _common(sub)
        if attribute["name"] == MANAGER and sub.get("name") == MANAGER_ID_V2:
            described["name"] = MANAGER_ID_V1
        subs.append(described)
    if subs:
        result["subAttributes"] = subs
    return result


def _fixed(name: str, description: str, **flags: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": flags.pop("type", "string"),
        "multiValued": False,
        "description": description,
        "schema": CORE_SCHEMA,
        "readOnly": flags.pop("read_only", False),
        "required": flags.pop("required", False),
        "caseExact": flags.pop("case_exact", False),
        **flags,
    }


# The attributes every 1.1 resource has (2.0 moved them out of the schemas).
_COMMON_ATTRIBUTES = [
    _fixed(
        "id",
        "Identifier of the resource, assigned by this server.",
        read_only=True,
        required=True,
        case_exact=True,
    ),
    _fixed("externalId", "Identifier of the resource as the client knows it.", case_exact=True),
    _fixed(
        "meta",
        "Metadata of the resource; in a PATCH, 'attributes' names attributes to remove.",
        type="complex",
        subAttributes=[
            {**_fixed(name, description, type=kind, read_only=name != "attributes")}
            for name, kind, description in (
                ("created", "dateTime", "When the resource was created."),
                ("lastModified", "dateTime", "When the resource last changed."),
                ("location", "string", "The URL of the resource."),
                ("version", "string", "The version of the resource (its ETag)."),
                ("attributes", "string", "PATCH only: the attributes to remove."),
            )
        ],
    ),
]


def schema_documents_out(documents: list[dict[str, Any]], *, base_url: str) -> list[dict[str, Any]]:
    """The 1.1 resource schemas (User, Group) from the 2.0 schema documents."""
    by_id = {document["id"]: document for document in documents}
    described = (
        (
            "User",
            "/Users",
            [(USER_SCHEMA_V2, CORE_SCHEMA), (ENTERPRISE_SCHEMA_V2, ENTERPRISE_SCHEMA)],
        ),
        ("Group", "/Groups", [(GROUP_SCHEMA_V2, CORE_SCHEMA)]),
    )
    result = []
    for name, endpoint, sources in described:
        base = by_id[sources[0][0]]
        attributes = [dict(attribute) for attribute in _COMMON_ATTRIBUTES]
        for source, schema in sources:
            attributes.extend(
                attribute_out(attribute, schema=schema)
                for attribute in by_id[source].get("attributes") or []
            )
        identifier = f"{CORE_SCHEMA}:{name}"
        result.append(
            {
                "schemas": [CORE_SCHEMA],
                "id": identifier,
                "name": name,
                "description": base.get("description") or name,
                "schema": CORE_SCHEMA,
                "endpoint": endpoint,
                "attributes": attributes,
                "meta": {"location": f"{base_url.rstrip('/')}/Schemas/{identifier}"},
            }
        )
    return result


def find_schema(documents: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """The schema a `/Schemas/{id}` names: by id, name (`User`) or endpoint (`Users`)."""
    lowered = wanted.strip().lower()
    for document in documents:
        names = {document["id"], document["name"], document["endpoint"].strip("/")}
        if lowered in {name.lower() for name in names}:
            return document
    return None
