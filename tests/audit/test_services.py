import datetime
import uuid

import pytest
from django.test import RequestFactory, override_settings

from audit.models import AuditEvent, EventKind
from audit.services import clean_details, looks_secret, record_event
from oxygen.actors import actor_of
from oxygen.security import client_ip

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "key",
    ["password", "new_password", "oldPassword", "pin", "PIN", "eid_pin", "private_key", "privateKey", "api_key",
     "secret", "client_secret", "token", "passphrase", "pkcs12", "keystore_p12", "puk"],
)
def test_secret_looking_keys_are_recognised(key):
    assert looks_secret(key)


@pytest.mark.parametrize("key", ["serial", "keystore_id", "not_after", "mapping", "shipping", "error", "subject", "spinner"])
def test_ordinary_keys_are_kept(key):
    assert not looks_secret(key)


def test_record_event_drops_secrets_at_any_depth_and_keeps_the_rest(practitioner_record, caplog):
    event = record_event(
        EventKind.CERTIFICATE_IMPORT,
        practitioner=practitioner_record,
        summary="Imported",
        details={
            "serial": "0A1B",
            "not_after": datetime.date(2027, 3, 31),
            "password": "hunter2-secret-value",
            "keystore": {"alias": "authentication", "private_key": "MIIEvQ", "entries": [{"pin": "97531", "kind": "cert"}]},
            "raw": b"\x30\x82",
            "pem": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
            "request_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        },
    )
    event.refresh_from_db()
    assert event.details == {
        "serial": "0A1B",
        "not_after": "2027-03-31",
        "keystore": {"alias": "authentication", "entries": [{"kind": "cert"}]},
        "request_id": "12345678-1234-5678-1234-567812345678",
    }
    assert event.practitioner == practitioner_record and event.summary == "Imported"
    stored = str(AuditEvent.objects.values().get(pk=event.pk))
    for secret in ("hunter2-secret-value", "MIIEvQ", "97531", "BEGIN PRIVATE KEY"):
        assert secret not in stored
    assert "password" in caplog.text and "keystore.private_key" in caplog.text


def test_clean_details_of_nothing_is_an_empty_dict():
    assert clean_details(None) == {}


def test_record_event_takes_the_actor_and_the_address_from_the_request(administrator):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.user = administrator
    event = record_event("eid_read", actor=actor_of(request.user), request=request, summary="x" * 400)
    assert event.user == administrator and event.ip_address == "192.0.2.7"
    assert event.kind == EventKind.EID_READ and len(event.summary) == 255


def test_record_event_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        record_event("coffee_break")
    assert not AuditEvent.objects.exists()


def test_record_event_without_request_has_no_address_or_user():
    event = record_event(EventKind.REGISTRY_IMPORT, details={"created": 3})
    assert event.user is None and event.ip_address is None and event.details == {"created": 3}


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_address_it_appended_is_used():
    spoofed = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(spoofed) == "203.0.113.9"
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(garbage) is None
    missing = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    assert client_ip(missing) is None


def test_an_event_keeps_the_user_name_when_the_account_is_deleted(client, administrator, front_desk, practitioner_record):
    event = record_event(EventKind.REGISTRY_IMPORT, actor=front_desk, practitioner=practitioner_record, summary="edit")
    front_desk.delete()

    event.refresh_from_db()
    assert event.user is None and event.actor == "accueil"
    client.force_login(administrator)
    page = client.get("/audit/", {"user": "accueil"}).content.decode()
    assert "<td>Registry import</td>" in page and '<td><span translate="no">accueil</span></td>' in page
