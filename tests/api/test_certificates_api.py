"""/api/v1/practitioners/{id}/certificate: is the record's certificate usable today, as the record page says."""
from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ehealth_certs.keystore.dates import add_months
from ehealth_certs.models import CertificateState, EncryptionKeyStatus, RevocationReason
from tests.factories import stored_certificate

pytestmark = pytest.mark.django_db


def status_of(api, record) -> dict:
    answer = api.get(f"/api/v1/practitioners/{record.public_id}/certificate")
    assert answer.status_code == 200, answer.content
    return answer.json()


def page_status(client, user, record) -> str:
    """The record page's certificate button: its data-status."""
    client.force_login(user)
    page = client.get(record.get_certificate_tab_url()).content.decode()
    return re.search(r'id="certificate-button" data-status="(\w+)"', page).group(1)


@pytest.mark.parametrize(
    "days_left, status, usable, in_window", [(400, "valid", True, False), (30, "expiring", True, True), (-2, "expired", False, True)]
)
def test_an_active_certificate(api, practitioner_record, front_desk, client, days_left, status, usable, in_window):
    not_after = (timezone.now() + datetime.timedelta(days=days_left)).replace(microsecond=0)  # as in a certificate
    certificate = stored_certificate(
        practitioner_record, days_left=days_left, not_after=not_after, encryption_key_status=EncryptionKeyStatus.PRESENT,
        serial="1a2b",
    )
    body = status_of(api, practitioner_record)
    assert (body["status"], body["usable"], body["in_renewal_window"]) == (status, usable, in_window)
    assert body["revoked"] is None
    shown = body["certificate"]
    assert shown["id"] == str(certificate.public_id)
    assert (shown["environment"], shown["serial_number"], shown["encryption_key"]) == ("production", "1a2b", "present")
    assert datetime.datetime.fromisoformat(shown["valid_until"]) == certificate.not_after
    assert datetime.datetime.fromisoformat(shown["renewal_window_starts"]) == add_months(certificate.not_after, -3)
    assert shown["revocation_check"] == "not_checked"
    assert page_status(client, front_desk, practitioner_record) == status


def test_no_certificate(api, practitioner_record, front_desk, client):
    body = status_of(api, practitioner_record)
    assert body == {
        "practitioner": str(practitioner_record.public_id), "status": "none", "usable": False,
        "in_renewal_window": False, "certificate": None, "revoked": None,
    }
    assert page_status(client, front_desk, practitioner_record) == "none"


def test_a_revoked_certificate_without_successor(api, practitioner_record, front_desk, client):
    now = timezone.now()
    stored_certificate(
        practitioner_record, days_left=300, state=CertificateState.REVOKED, revoked_at=now,
        revocation_date=datetime.date(2026, 11, 2), revocation_reason=RevocationReason.KEY_COMPROMISED,
    )
    body = status_of(api, practitioner_record)
    assert (body["status"], body["usable"], body["certificate"]) == ("none", False, None)
    assert body["revoked"] == {"revocation_date": "2026-11-02", "reason": "key_compromised", "by_certification_authority": False}
    assert page_status(client, front_desk, practitioner_record) == "revoked"


def test_a_revocation_by_the_certification_authority(api, practitioner_record):
    now = timezone.now()
    stored_certificate(
        practitioner_record, days_left=300, state=CertificateState.REVOKED, revoked_at=now, revocation_date=now.date(),
        revoked_by_ca_at=now, ca_revocation_reason="keyCompromise",
    )
    revoked = status_of(api, practitioner_record)["revoked"]
    assert (revoked["reason"], revoked["by_certification_authority"]) == ("keyCompromise", True)


def test_a_newer_active_certificate_hides_an_old_revocation(api, practitioner_record):
    now = timezone.now()
    stored_certificate(
        practitioner_record, days_left=300, state=CertificateState.REVOKED, revoked_at=now, revocation_date=now.date(),
        revocation_reason=RevocationReason.REPLACED,
    )
    stored_certificate(practitioner_record, days_left=900)
    body = status_of(api, practitioner_record)
    assert (body["status"], body["usable"], body["revoked"]) == ("valid", True, None)


def test_never_key_material_nor_the_keystore(api, practitioner_record):
    stored_certificate(practitioner_record, days_left=400, encrypted_keystore=b"KEYSTORE-BYTES", certificate_der=b"DER")
    with CaptureQueriesContext(connection) as queries:
        body = api.get(f"/api/v1/practitioners/{practitioner_record.public_id}/certificate").content.decode()
    assert "KEYSTORE" not in body and "BEGIN" not in body
    read = " ".join(query["sql"] for query in queries if query["sql"].startswith("SELECT"))
    assert "encrypted_keystore" not in read and "certificate_der" not in read  # not even loaded
