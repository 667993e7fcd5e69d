"""System endpoints of the fake Jira: serverInfo, myself, mypermissions, application roles."""

from __future__ import annotations

from datetime import UTC, datetime

from .beans import role_bean, user_bean
from .errors import JiraHttpError
from .routing import Request, Response, route


@route("GET", "/serverInfo", access="anonymous")
def server_info(req: Request) -> Response:
    """``GET /serverInfo``: version, versionNumbers, deploymentType... (anonymous allowed)."""
    features = req.features
    major, minor, patch = features.version_numbers
    return Response(
        200,
        {
            "baseUrl": req.base_url,
            "version": features.version,
            "versionNumbers": list(features.version_numbers),
            "deploymentType": "Server",
            "buildNumber": major * 100000 + minor * 1000 + patch,
            "buildDate": "2024-01-01T00:00:00.000+0000",
            "serverTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
            "scmInfo": "0000000000000000000000000000000000000000",
            "serverTitle": "Jira",
        },
    )


@route("GET", "/myself")
def myself(req: Request) -> Response:
    """``GET /myself``: the authenticated user's bean."""
    assert req.user is not None  # the router only calls "user" routes when authenticated
    return Response(200, user_bean(req.state, req.user, req.base_url, req.expand()))


@route("GET", "/applicationrole", access="admin")
def application_roles(req: Request) -> Response:
    """``GET /applicationrole``: every application role with its groups."""
    return Response(200, [role_bean(req.state, r) for r in req.state.roles.values()])


PERMISSIONS = {
    "ADMINISTER": ("Administer Jira", "GLOBAL"),
    "SYSTEM_ADMIN": ("Jira System Administrators", "GLOBAL"),
    "USER_PICKER": ("Browse users and groups", "GLOBAL"),
}


@route("GET", "/mypermissions")
def my_permissions(req: Request) -> Response:
    """``GET /mypermissions?permissions=ADMINISTER``: the caller's global permissions."""
    assert req.user is not None
    wanted = [p.strip() for p in (req.arg("permissions") or "").split(",") if p.strip()]
    admin = req.state.is_admin(req.user)
    answer = {}
    for key in wanted or PERMISSIONS:
        if key not in PERMISSIONS:
            raise JiraHttpError(400, [f"Unrecognized permission: {key}"])
        name, kind = PERMISSIONS[key]
        have = admin or key == "USER_PICKER"
        answer[key] = {"id": key, "key": key, "name": name, "type": kind, "havePermission": have}
    return Response(200, {"permissions": answer})
