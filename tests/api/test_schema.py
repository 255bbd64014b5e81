"""The OpenAPI schema is served, valid, and describes every endpoint and its errors."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_and_needs_no_login(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    schema = answer.json()
    validate(schema)  # raises on an invalid document
    assert set(schema["paths"]) == {
        "/api/v1/practitioners", "/api/v1/practitioners/{public_id}",
        "/api/v1/practitioners/{public_id}/inami", "/api/v1/practitioners/{public_id}/certificate",
    }
    for path in schema["paths"].values():
        assert set(path) == {"get"}  # read-only
        assert {"200", "400", "401", "403", "404", "429"} <= set(path["get"]["responses"])
    schemes = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


def test_the_list_parameters_are_documented(client):
    parameters = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/practitioners"]["get"]["parameters"]
    assert {parameter["name"] for parameter in parameters} == {
        "q", "profession", "conventioned", "status", "certificate", "ordering", "page", "page_size",
    }


def test_the_documentation_page_loads_its_files_from_the_site(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "<script>" not in html  # no inline script (CSP)


def test_the_apis_address_says_where_its_description_is(client):
    body = client.get("/api/v1/").json()
    assert body["openapi"] == "http://testserver/api/v1/openapi.json"
    assert body["documentation"] == "http://testserver/api/v1/docs"


def test_the_fhir_schema_is_valid_openapi_too(client):
    schema = client.get("/fhir/openapi.json").json()
    validate(schema)
    assert set(schema["paths"]) == {"/fhir/Practitioner/{public_id}", "/fhir/PractitionerRole", "/fhir/metadata"}
