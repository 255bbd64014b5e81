"""Every API call is in the audit log: who, what, the answer's status and the record, refusals included."""
from __future__ import annotations

import pytest

from audit.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db


def calls():
    return list(AuditEvent.objects.filter(kind=EventKind.API_CALL).order_by("pk"))


def test_a_token_call(make_token, token_client, practitioner_record):
    token_client(make_token(name="Billing")).get(
        f"/api/v1/practitioners/{practitioner_record.public_id}/inami", {"on": "2010-01-01"}, REMOTE_ADDR="192.0.2.9",
    )
    (event,) = calls()
    assert event.user is None and event.practitioner == practitioner_record
    assert event.ip_address == "192.0.2.9"
    assert event.details["client"] == "Billing"
    assert (event.details["method"], event.details["status"], event.details["query"]) == ("GET", 404, "on=2010-01-01")
    assert event.summary == f"GET /api/v1/practitioners/{practitioner_record.public_id}/inami → 404"


def test_a_users_call(client, front_desk):
    client.force_login(front_desk)
    client.get("/api/v1/practitioners")
    (event,) = calls()
    assert (event.user, event.username, event.details["status"]) == (front_desk, "accueil", 200)
    assert "client" not in event.details


def test_refused_calls_are_recorded_too(client, make_token, token_client):
    client.get("/api/v1/practitioners", headers={"authorization": "Bearer oxy_guess"})
    token_client(make_token(scopes=("certificates:read",))).get("/api/v1/practitioners")
    client.get("/api/v1/unknown")
    assert [event.details["status"] for event in calls()] == [401, 403, 404]


def test_the_pages_describing_the_api_are_not_calls(client):
    for address in ("/api/v1/", "/api/v1/openapi.json", "/api/v1/docs", "/fhir/", "/fhir/metadata", "/fhir/openapi.json"):
        assert client.get(address).status_code == 200, address
    assert calls() == []
