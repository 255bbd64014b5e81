"""Database guarantees of stored certificates (run on SQLite and on PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ehealth_certs.models import Certificate, CertificateState

pytestmark = pytest.mark.django_db


def certificate(record, state=CertificateState.ACTIVE, **fields) -> Certificate:
    now = timezone.now()
    values = dict(
        practitioner=record, state=state, encrypted_keystore=b"x", subject="CN=x", issuer="CN=ca", serial="1",
        fingerprint_sha256="0" * 64, environment="production", not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=100), file_size=1, uploaded_at=now, uploaded_via="web",
        superseded_at=now if state == CertificateState.SUPERSEDED else None,
        removed_at=now if state == CertificateState.REMOVED else None,
    )  # fmt: skip
    values.update(fields)
    return Certificate.objects.create(**values)


def test_database_refuses_a_second_active_certificate_for_a_record(practitioner_record):
    certificate(practitioner_record)

    with pytest.raises(IntegrityError), transaction.atomic():
        certificate(practitioner_record)
    assert Certificate.objects.filter(state=CertificateState.ACTIVE).count() == 1


def test_inactive_certificates_do_not_count_and_other_records_are_independent(practitioner_record, other_record):
    certificate(practitioner_record, CertificateState.SUPERSEDED)
    certificate(practitioner_record, CertificateState.REMOVED)
    certificate(practitioner_record)
    certificate(other_record)

    assert Certificate.objects.filter(state=CertificateState.ACTIVE).count() == 2


def test_conditional_update_to_active_is_refused_too(practitioner_record):
    certificate(practitioner_record)
    old = certificate(practitioner_record, CertificateState.SUPERSEDED)

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=old.pk).update(state=CertificateState.ACTIVE, superseded_at=None)


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "lost"},
        {"state": CertificateState.REMOVED, "removed_at": None},
        {"state": CertificateState.SUPERSEDED, "superseded_at": None},
        {"not_after": timezone.now() - timedelta(days=10)},
    ],
    ids=["unknown state", "removed without date", "superseded without date", "empty validity"],
)
def test_check_constraints(practitioner_record, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate(practitioner_record, **fields)
    assert not Certificate.objects.exists()


def test_record_with_certificates_cannot_be_deleted(practitioner_record):
    from django.db.models import ProtectedError

    certificate(practitioner_record, CertificateState.REMOVED)
    with pytest.raises(ProtectedError):
        practitioner_record.delete()
