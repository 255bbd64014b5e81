"""/fhir/: the registry as HL7 Belgium FHIR resources, read with a token or a session; errors as OperationOutcomes."""
from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from api.models import Scope
from practitioners.fhir import codes
from practitioners.models import Profession
from tests.factories import add_period
from tests.fhir_checks import parsed

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json; charset=utf-8"


@pytest.fixture
def physio(practitioner_record):
    practitioner_record.enterprise_number = "0566988259"
    practitioner_record.save()
    add_period(practitioner_record, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2025, 12, 31))
    add_period(practitioner_record, start_date=datetime.date(2026, 1, 1), conventioned=False)
    add_period(practitioner_record, profession=Profession.PODIATRIST, start_date=datetime.date(2024, 5, 1))
    return practitioner_record


def test_a_practitioner(api, physio):
    answer = api.get(f"/fhir/Practitioner/{physio.public_id}")
    assert answer.status_code == 200
    assert answer["Content-Type"] == FHIR_JSON
    resource = answer.json()
    model = parsed(resource)
    assert model.id == str(physio.public_id)
    identifiers = {(identifier["system"], identifier["value"]) for identifier in resource["identifier"]}
    assert (codes.SSIN_SYSTEM, "85073003328") in identifiers and (codes.CBE_SYSTEM, "0566988259") in identifiers
    assert resource["meta"]["profile"] == [codes.BE_PRACTITIONER]


def test_a_practitioners_roles_one_per_inami_period(api, physio):
    answer = api.get("/fhir/PractitionerRole", {"practitioner": f"Practitioner/{physio.public_id}"})
    assert answer.status_code == 200 and answer["Content-Type"] == FHIR_JSON
    bundle = answer.json()
    parsed(bundle)  # the Bundle and every role in it
    assert (bundle["type"], bundle["total"]) == ("searchset", 3)
    roles = [entry["resource"] for entry in bundle["entry"]]
    assert [(role["code"][0]["coding"][0]["code"], role["period"]["start"]) for role in roles] == [
        ("persphysiotherapist", "2015-01-01"), ("perspodologist", "2024-05-01"), ("persphysiotherapist", "2026-01-01"),
    ]
    conventioned = [role["extension"][0] for role in roles]
    assert conventioned == [{"url": codes.CONVENTIONED_EXTENSION, "valueBoolean": value} for value in (True, True, False)]
    assert all(role["practitioner"]["reference"] == f"Practitioner/{physio.public_id}" for role in roles)
    assert bundle["entry"][0]["fullUrl"].startswith("http://testserver/fhir/PractitionerRole/")


@pytest.mark.parametrize("form", ["{id}", "Practitioner/{id}", "http://testserver/fhir/Practitioner/{id}"])
def test_the_practitioner_parameter_takes_an_id_or_a_reference(api, physio, form):
    bundle = api.get("/fhir/PractitionerRole", {"practitioner": form.format(id=physio.public_id)}).json()
    assert bundle["total"] == 3


@pytest.mark.parametrize("value", ["4d2b1f7e-8b7e-4c36-9a55-2d1c61f0c7a1", "Practitioner/42", "nonsense"])
def test_an_unknown_practitioner_matches_nothing(api, value):
    bundle = api.get("/fhir/PractitionerRole", {"practitioner": value}).json()
    parsed(bundle)
    assert (bundle["type"], bundle["total"]) == ("searchset", 0) and "entry" not in bundle


def outcome(answer, status: int, issue_code: str) -> dict:
    assert answer.status_code == status
    assert answer["Content-Type"] == FHIR_JSON
    body = answer.json()
    parsed(body)
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == issue_code
    return body


@pytest.mark.parametrize(
    "practitioner_id, detail",
    [("4d2b1f7e-8b7e-4c36-9a55-2d1c61f0c7a1", "No practitioner has this id."), ("42", "Nothing has this address.")],
)
def test_an_unknown_practitioner_is_a_404_outcome(api, practitioner_id, detail):
    body = outcome(api.get(f"/fhir/Practitioner/{practitioner_id}"), 404, "not-found")
    assert body["issue"][0]["details"]["text"] == detail


def test_a_search_without_practitioner_is_a_400_outcome(api):
    body = outcome(api.get("/fhir/PractitionerRole"), 400, "invalid")
    assert "?practitioner=" in body["issue"][0]["details"]["text"]


def test_other_addresses_are_404_outcomes(api):
    outcome(api.get("/fhir/Patient/1"), 404, "not-found")


def test_without_a_token_401_and_without_the_scope_403(client, make_token, token_client, physio):
    outcome(client.get(f"/fhir/Practitioner/{physio.public_id}"), 401, "login")
    certificates_only = token_client(make_token(scopes=(Scope.CERTIFICATES,)))
    body = outcome(certificates_only.get(f"/fhir/Practitioner/{physio.public_id}"), 403, "forbidden")
    assert body["issue"][0]["diagnostics"] == "scope_missing"


def test_over_the_rate_limit_429(make_token, token_client, physio):
    cache.clear()
    limited = token_client(make_token(requests_per_minute=1))
    assert limited.get(f"/fhir/Practitioner/{physio.public_id}").status_code == 200
    outcome(limited.get(f"/fhir/Practitioner/{physio.public_id}"), 429, "throttled")


@pytest.mark.parametrize("role, own, other", [("front_desk", 200, 200), ("practitioner_user", 200, 403)])
def test_logged_in_users_have_the_pages_rules(request, client, physio, other_record, role, own, other):
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/fhir/Practitioner/{physio.public_id}").status_code == own
    assert client.get(f"/fhir/Practitioner/{other_record.public_id}").status_code == other
    assert client.get("/fhir/PractitionerRole", {"practitioner": str(physio.public_id)}).status_code == own
    assert client.get("/fhir/PractitionerRole", {"practitioner": str(other_record.public_id)}).status_code == other


def test_the_capability_statement_needs_no_token(client):
    answer = client.get("/fhir/metadata")
    assert answer.status_code == 200
    statement = answer.json()
    parsed(statement)
    assert {resource["type"] for resource in statement["rest"][0]["resource"]} == {"Practitioner", "PractitionerRole"}
