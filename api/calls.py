"""Every call to the API goes into the audit log: who (the token's program, or the user), what
(method, path, query), the answer's status, and the record it concerned.

A middleware, so that every answer is recorded, refusals included: a call without a valid token
(401), over its token's rate limit (429), for an address that does not exist (404).
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from audit.models import EventKind
from audit.services import record_event
from oxygen.actors import actor_of
from practitioners.models import Practitioner

from .models import ServiceToken

PREFIXES = ("/api/", "/fhir/")
DESCRIPTIONS = {"openapi-json", "openapi-view", "index", "base", "metadata"}  # URL names in api-v1 and fhir
QUERY_LENGTH = 500


def concerns(request: HttpRequest, practitioner: Practitioner) -> None:
    """Note the record a call is about, for its audit event."""
    request.api_practitioner = practitioner


class ApiCallAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(PREFIXES) and not _describes_the_api(request):
            record_call(request, response.status_code)
        return response


def _describes_the_api(request: HttpRequest) -> bool:
    """The public pages that describe the API (schema, documentation, FHIR capabilities) read no
    registry data: anybody may fetch them, and they are not calls to record."""
    match = request.resolver_match
    return match is not None and match.url_name in DESCRIPTIONS


def record_call(request: HttpRequest, status: int) -> None:
    caller = getattr(request, "auth", None)
    token = caller if isinstance(caller, ServiceToken) else None
    details = {"method": request.method, "path": request.path_info, "status": status}
    if request.META.get("QUERY_STRING"):
        details["query"] = request.META["QUERY_STRING"][:QUERY_LENGTH]
    if token is not None:
        details.update(client=token.name, client_id=str(token.public_id))
    record_event(
        EventKind.API_CALL,
        actor=None if token is not None else actor_of(getattr(request, "user", None)),
        request=request,
        practitioner=getattr(request, "api_practitioner", None),
        summary=f"{request.method} {request.path_info} → {status}",
        details=details,
    )
