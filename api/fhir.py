"""``/fhir/``: the registry in FHIR R4 (HL7 Belgium's BePractitioner and BePractitionerRole), in
``application/fhir+json``, for programs that speak FHIR. The mapping itself is the registry's
(``practitioners.fhir``, docs/fhir.md); this module serves it with the API's tokens, access rules,
rate limits and audit, and answers errors as FHIR does: an OperationOutcome.

- ``GET /fhir/Practitioner/{id}``: a record (``id``: its public id, as in the pages' addresses);
- ``GET /fhir/PractitionerRole?practitioner={id}``: its INAMI periods, a searchset Bundle
  (``practitioner`` may be ``{id}``, ``Practitioner/{id}`` or an absolute reference; an unknown one
  matches nothing, as FHIR searches answer);
- ``GET /fhir/metadata`` (and the base, ``/fhir/``): what this server offers (a CapabilityStatement,
  no token needed).
"""
from __future__ import annotations

import re
import uuid

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Query
from ninja.renderers import JSONRenderer

from practitioners import access
from practitioners.fhir import FHIR_JSON, codes, practitioner_resource, practitioner_role_resources, searchset_bundle

from . import errors
from .auth import PracticeUser, ServiceTokenAuth, require
from .errors import ApiError
from .models import Scope
from .rate_limit import TokenRateThrottle
from .registry import find_practitioner, practitioner_or_404

ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 429: "throttled"}
REFERENCE = re.compile(r"^(?:.*/)?(?:Practitioner/)?([0-9A-Fa-f-]{32,36})$")


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON


api = NinjaAPI(
    title="Oxygen practitioner registry: FHIR R4",
    version="R4",
    description="The registry as HL7 Belgium BePractitioner and BePractitionerRole resources (docs/fhir.md).",
    urls_namespace="fhir",
    renderer=FhirRenderer(),
    auth=[ServiceTokenAuth(), PracticeUser()],
    throttle=[TokenRateThrottle()],
    docs_decorator=require_safe,  # the schema and its page are read-only too (405 for a POST)
    docs_url=None,
)


def operation_outcome(request, status: int, code: str, detail: str, parameter_errors: list[dict]):
    issues = [{"severity": "error", "code": ISSUE_CODES.get(status, "processing"), "diagnostics": code,
               "details": {"text": detail}}]  # fmt: skip
    issues += [
        {"severity": "error", "code": "invalid", "details": {"text": error["detail"]}, "expression": [error["parameter"]]}
        for error in parameter_errors
    ]
    return api.create_response(request, {"resourceType": "OperationOutcome", "issue": issues}, status=status)


unknown_address = errors.install(api, render=operation_outcome)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:api-root"))


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@api.get("/Practitioner/{uuid:public_id}", url_name="practitioner", summary="A practitioner (BePractitioner)", tags=["FHIR"])
def read_practitioner(request: HttpRequest, public_id: uuid.UUID):
    record = practitioner_or_404(request, public_id)
    require(request, Scope.REGISTRY, access.MANAGE_REGISTRY, record)
    prefetch_related_objects([record], "inami_periods")  # its NIHDI identifiers
    return practitioner_resource(record)


@api.get("/PractitionerRole", url_name="practitioner_roles", summary="A practitioner's INAMI periods (BePractitionerRole), as a searchset", tags=["FHIR"])
def search_practitioner_roles(
    request: HttpRequest, practitioner: str | None = Query(None, description="{id}, Practitioner/{id} or a full reference")
):
    if not practitioner:
        raise ApiError(400, "bad_parameter", _("Say whose roles: ?practitioner={id}."))
    match = REFERENCE.match(practitioner.strip())
    public_id = _uuid(match.group(1)) if match else None
    record = find_practitioner(request, public_id) if public_id else None
    require(request, Scope.REGISTRY, access.MANAGE_REGISTRY, record)
    roles = practitioner_role_resources(record) if record is not None else []
    return searchset_bundle(
        roles, len(roles), base_url=_base_url(request), self_url=request.build_absolute_uri(), timestamp=timezone.now()
    )


@api.get("/", url_name="base", auth=None, include_in_schema=False)
@api.get("/metadata", url_name="metadata", auth=None, summary="What this FHIR server offers (CapabilityStatement)", tags=["FHIR"])
def capability_statement(request: HttpRequest):
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON],
        "implementation": {"description": "Oxygen practitioner registry", "url": _base_url(request)},
        "rest": [{
            "mode": "server",
            "security": {"description": "Authorization: Bearer <service token> (scope registry:read)"},
            "resource": [
                {"type": "Practitioner", "profile": codes.BE_PRACTITIONER, "interaction": [{"code": "read"}]},
                {"type": "PractitionerRole", "profile": codes.BE_PRACTITIONER_ROLE,
                 "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "practitioner", "type": "reference"}]},
            ],
        }],
    }  # fmt: skip
