"""The read-only JSON API, version 1: ``/api/v1/`` (schema ``/api/v1/openapi.json``, documentation
``/api/v1/docs``). Built with django-ninja (docs/architecture.md says why)."""
from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.http import require_safe
from ninja import NinjaAPI

from . import certificates, errors, registry
from .auth import PracticeUser, ServiceTokenAuth
from .rate_limit import TokenRateThrottle

DESCRIPTION = """Read-only access to the practice's practitioner registry and eHealth certificate status,
for the practice's other programs (billing, MyCareNet, eHealth).

Authenticate with a service token created by an administrator (page "Program access"):
`Authorization: Bearer oxy_…`. A token reads what its scopes allow (`registry:read`,
`certificates:read`) and at most its requests per minute (429 beyond, with `Retry-After`).
A logged-in user of the pages reads what the pages show them. Every call is in the audit log.

Errors are JSON: `{"code": "...", "detail": "..."}` (400 with `errors` per bad parameter).
"""

api = NinjaAPI(
    title="Oxygen practitioner registry",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[ServiceTokenAuth(), PracticeUser()],
    throttle=[TokenRateThrottle()],
    docs_decorator=require_safe,  # the schema and its page are read-only too (405 for a POST)
)
unknown_address = errors.install(api)
api.add_router("", registry.router)
api.add_router("", certificates.router)


@api.get("/", auth=None, url_name="index", include_in_schema=False)
def index(request: HttpRequest):
    """The API's address answers with where its description is (ninja's own root page is HTML)."""
    return {
        "title": api.title, "version": api.version,
        "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        "documentation": request.build_absolute_uri(reverse("api-v1:openapi-view")),
    }
