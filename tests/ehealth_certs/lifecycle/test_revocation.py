"""Recording a revocation: the service, the confirmation page, and what the record shows after."""
from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, EventKind
from ehealth_certs.reminders import scan
from ehealth_certs.lifecycle import keystore_import, revocation
from ehealth_certs import selectors
from ehealth_certs.models import Certificate, CertificateState, RevocationReason
from ehealth_certs.forms import revocation_error_message
from ehealth_certs.lifecycle.revocation import Revocation
from oxygen.errors import Refused
from tests.ehealth_certs.keystores import NOW, PASSWORD, person_keystore

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

FILE_NAME = "SSIN=85073003328 20250314-101500.p12"


def imported(record, data=None):
    outcome = keystore_import.import_keystore(record, data or person_keystore(), PASSWORD, source_name=FILE_NAME)
    assert outcome.imported, outcome.message
    return outcome.certificate


def today():
    return timezone.localdate()


def revoke_url(record, certificate):
    return reverse("ehealth_certs:revoke", kwargs={"public_id": record.public_id, "certificate_id": certificate.public_id})


# --------------------------------------------------------------------------- service


def test_revoking_the_active_certificate(practitioner_record, administrator):
    certificate = imported(practitioner_record)

    revocation.revoke_certificate(certificate, Revocation(RevocationReason.FORGOTTEN_PASSWORD, today()), actor=administrator)

    certificate.refresh_from_db()
    assert certificate.state == CertificateState.REVOKED
    assert certificate.revocation_reason == "forgotten_password" and certificate.revocation_date == today()
    assert certificate.revoked_by == administrator and certificate.revoked_at is not None
    assert selectors.certificate_status(practitioner_record).status == selectors.NONE  # no longer active
    [event] = AuditEvent.objects.filter(kind=EventKind.CERTIFICATE_REVOKED)
    assert event.practitioner == practitioner_record and event.details["reason"] == "forgotten_password"


def test_a_superseded_certificate_can_be_recorded_as_revoked(practitioner_record):
    old = imported(practitioner_record, person_keystore(not_after_days=400))
    new = imported(practitioner_record, person_keystore(not_after_days=900))

    revocation.revoke_certificate(old, Revocation(RevocationReason.REPLACED, today()))

    assert Certificate.objects.get(pk=old.pk).state == CertificateState.REVOKED
    assert Certificate.objects.get(pk=new.pk).state == CertificateState.ACTIVE
    active = selectors.active_certificate(practitioner_record)
    assert active.pk == new.pk
    assert revocation.revoked_without_successor(practitioner_record, active) is None  # a certificate is active


def test_an_older_certificate_revoked_after_the_active_one_was_removed_shows_as_revoked_on_the_button_and_panel(
    client, practitioner_record, administrator
):
    old = imported(practitioner_record, person_keystore(not_after_days=400))
    new = imported(practitioner_record, person_keystore(not_after_days=900))
    keystore_import.remove_certificate(new, actor=administrator)
    revocation.revoke_certificate(old, Revocation(RevocationReason.KEYSTORE_LOST, today()))
    client.force_login(administrator)

    record = client.get(practitioner_record.get_absolute_url()).content.decode()

    assert 'id="certificate-button" data-status="revoked"' in record
    assert f"eHealth certificate revoked ({today():%d/%m/%Y})" in record
    assert 'id="revocation-steps"' in record


def test_revoking_twice_records_once(practitioner_record):
    certificate = imported(practitioner_record)
    first = Revocation(RevocationReason.KEYSTORE_LOST, today())

    revocation.revoke_certificate(certificate, first)
    with pytest.raises(Refused) as refused:
        revocation.revoke_certificate(certificate, Revocation(RevocationReason.OTHER, today(), "again"))
    assert refused.value.code == revocation.ALREADY_REVOKED

    certificate.refresh_from_db()
    assert certificate.revocation_reason == "keystore_lost"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (Revocation("", dt.date(2025, 1, 1)), "reason"),
        (Revocation("stolen", dt.date(2025, 1, 1)), "reason"),
        (Revocation(RevocationReason.OTHER, dt.date(2025, 1, 1), "   "), "reason_text"),
        (Revocation(RevocationReason.OTHER, dt.date(2025, 1, 1), "x" * 501), "reason_text"),
    ],
)
def test_bad_requests_are_refused_and_nothing_changes(request_, field, practitioner_record):
    certificate = imported(practitioner_record)
    request_ = Revocation(request_.reason, today(), request_.reason_text)

    with pytest.raises(Refused) as excinfo:
        revocation.revoke_certificate(certificate, request_)

    assert excinfo.value.code == revocation.INVALID and field in excinfo.value.params["field_errors"]
    assert Certificate.objects.get(pk=certificate.pk).state == CertificateState.ACTIVE


def test_revocation_date_cannot_be_in_the_future_nor_before_issue(practitioner_record):
    certificate = imported(practitioner_record)

    with pytest.raises(Refused) as future:
        revocation.revoke_certificate(certificate, Revocation(RevocationReason.KEYSTORE_LOST, today() + timedelta(days=1)))
    with pytest.raises(Refused) as too_early:
        revocation.revoke_certificate(certificate, Revocation(RevocationReason.KEYSTORE_LOST, dt.date(2000, 1, 1)))
    assert future.value.params["field_errors"] == {"revocation_date": [revocation.DATE_IN_FUTURE]}
    assert too_early.value.params["field_errors"] == {"revocation_date": [revocation.DATE_BEFORE_ISSUE]}
    assert "cannot be in the future" in revocation_error_message(revocation.DATE_IN_FUTURE, future.value.params)
    assert "before the certificate was issued" in revocation_error_message(revocation.DATE_BEFORE_ISSUE, too_early.value.params)
    assert Certificate.objects.get(pk=certificate.pk).state == CertificateState.ACTIVE


def test_the_database_refuses_a_revoked_row_without_reason_or_date(practitioner_record):
    certificate = imported(practitioner_record)

    for fields in (
        {"revoked_at": NOW, "revocation_date": None, "revocation_reason": "keystore_lost"},
        {"revoked_at": NOW, "revocation_date": today(), "revocation_reason": ""},
        {"revoked_at": NOW, "revocation_date": today(), "revocation_reason": "other", "revocation_reason_text": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Certificate.objects.filter(pk=certificate.pk).update(state=CertificateState.REVOKED, **fields)


# --------------------------------------------------------------------------- pages


def test_revoke_page_asks_for_confirmation_then_records(client, practitioner_record, practitioner_user):
    certificate = imported(practitioner_record)
    client.force_login(practitioner_user)

    page = client.get(revoke_url(practitioner_record, certificate))
    assert page.status_code == 200
    assert 'id="confirm-revoke"' in page.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).state == CertificateState.ACTIVE  # GET changes nothing

    response = client.post(revoke_url(practitioner_record, certificate), {
        "reason": "other", "reason_text": "PC stolen", "revocation_date": today().isoformat(),
    })

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.REVOKED and certificate.revocation_reason_text == "PC stolen"
    record = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert 'id="revocation-steps"' in record
    assert "request a new certificate with the eID card" in record
    assert today().strftime("%d/%m/%Y") in record
    history = client.get(reverse("ehealth_certs:upload", kwargs={"public_id": practitioner_record.public_id})).content.decode()
    assert 'data-state="revoked"' in history
    assert f"revoked on {today().strftime('%d/%m/%Y')}: other" in history and "PC stolen" in history
    detail = client.get(reverse("ehealth_certs:detail", kwargs={
        "public_id": practitioner_record.public_id, "certificate_id": certificate.public_id,
    })).content.decode()
    assert 'id="revocation"' in detail and "jan" in detail.split('id="revocation"')[1].split("</dd>")[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "other", "reason_text": "", "revocation_date": "TODAY"}, "Describe the reason"),
        ({"reason": "keystore_lost", "revocation_date": "TOMORROW"}, "cannot be in the future"),
        ({"reason": "", "revocation_date": "TODAY"}, "This field is required"),
        ({"reason": "keystore_lost", "revocation_date": "31/02/2025"}, "Enter a valid date"),
    ],
)
def test_bad_revocation_forms_show_a_message_and_change_nothing(data, message, client, practitioner_record, administrator):
    certificate = imported(practitioner_record)
    client.force_login(administrator)
    dates = {"TODAY": today().isoformat(), "TOMORROW": (today() + timedelta(days=1)).isoformat()}
    data = {key: dates.get(value, value) for key, value in data.items()}

    response = client.post(revoke_url(practitioner_record, certificate), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).state == CertificateState.ACTIVE


def test_front_desk_and_other_practitioners_cannot_revoke(client, practitioner_record, front_desk, other_practitioner_user):
    certificate = imported(practitioner_record)
    data = {"reason": "keystore_lost", "revocation_date": today().isoformat()}
    for user in (front_desk, other_practitioner_user):
        client.force_login(user)
        assert client.get(revoke_url(practitioner_record, certificate)).status_code == 403
        assert client.post(revoke_url(practitioner_record, certificate), data).status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).state == CertificateState.ACTIVE


def test_another_records_certificate_is_not_found(client, practitioner_record, other_record, administrator):
    certificate = imported(practitioner_record)
    client.force_login(administrator)

    assert client.get(revoke_url(other_record, certificate)).status_code == 404


def test_revoked_and_superseded_certificates_get_no_reminders(practitioner_record, other_record):
    superseded = imported(practitioner_record, person_keystore(not_after_days=30))
    renewed = imported(practitioner_record, person_keystore(not_after_days=60))
    revoked = imported(other_record, person_keystore(ssin="03021500440", not_after_days=30))
    assert set(scan.certificates_due(timezone.now())) == {renewed, revoked}

    revocation.revoke_certificate(revoked, Revocation(RevocationReason.KEY_COMPROMISED, today()))
    revocation.revoke_certificate(renewed, Revocation(RevocationReason.KEYSTORE_LOST, today()))

    assert list(scan.certificates_due(timezone.now())) == []
    assert Certificate.objects.get(pk=superseded.pk).state == CertificateState.SUPERSEDED
