"""The bare-Django floor of bench/http_compare.py: one indexed query behind gunicorn.

The same settings, database and gunicorn options as scimbridge, but no middleware and two
views:

- `GET /Users?filter=userName eq "x"`: the one indexed query a lookup needs, what the SCIM
  lookup cannot beat on this machine;
- `GET /Users/{id}`: no query at all, the user's id and userName from a dict each worker
  fills once: what a Django server answering from memory (a per-process cache of
  resources, without even the authentication, the cache stamps and the rendering it would
  still need) cannot beat;
- `GET /authenticated/Users/{id}`: the same dict, after the credential check every
  scimbridge request makes (the token through the process cache, whose stamps are one
  Redis MGET, the allowlist, the use recorded): what a server answering from memory but
  refusing a revoked token on the very next request cannot beat.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scimbridge.settings")

import django
from django.conf import settings

django.setup()
settings.ROOT_URLCONF = __name__
settings.MIDDLEWARE = []

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db.models import Value  # noqa: E402
from django.db.models.functions import Lower  # noqa: E402
from django.db.models.lookups import Exact  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from configurations.process_cache import stamp_snapshot  # noqa: E402
from provisioning.api.authentication import admitted_configuration  # noqa: E402
from provisioning.models import ScimUser  # noqa: E402

DIRECTORY_ID = int(os.environ.get("BENCH_DIRECTORY_ID", "1"))


def floor_view(request: HttpRequest) -> HttpResponse:
    """`GET /Users?filter=userName eq "x"` answered by one indexed query, no SCIM at all."""
    name = request.GET.get("filter", "").partition('"')[2].rstrip('"')
    users = list(
        ScimUser.objects.filter(
            Exact(Lower("user_name"), Lower(Value(name))),
            directory_id=DIRECTORY_ID,
            hidden_at__isnull=True,
        ).values_list("id", "user_name")[:1]
    )
    body = {
        "totalResults": len(users),
        "Resources": [{"id": str(pk), "userName": user_name} for pk, user_name in users],
    }
    return HttpResponse(json.dumps(body), content_type="application/scim+json")


# Filled as the worker imports this module, before it serves anything.
IN_MEMORY = {
    str(pk): user_name
    for pk, user_name in ScimUser.objects.filter(directory_id=DIRECTORY_ID)
    .values_list("id", "user_name")
    .iterator()
}


def from_memory_view(request: HttpRequest, user_id: str) -> HttpResponse:
    """`GET /Users/{id}` from this worker's dict of the directory's users, no query."""
    user_name = IN_MEMORY.get(user_id)
    if user_name is None:
        return HttpResponse(status=404)
    body = {"id": user_id, "userName": user_name}
    return HttpResponse(json.dumps(body), content_type="application/scim+json")


def authenticated_from_memory_view(request: HttpRequest, user_id: str) -> HttpResponse:
    """`from_memory_view` after scimbridge's credential check (one Redis round trip)."""
    with stamp_snapshot():
        if admitted_configuration(request) is None:
            return HttpResponse(status=401)
    return from_memory_view(request, user_id)


urlpatterns = [
    path("scim/v2/Users", floor_view),
    path("scim/v2/Users/<str:user_id>", from_memory_view),
    path("scim/v2/authenticated/Users/<str:user_id>", authenticated_from_memory_view),
]
application = get_wsgi_application()
