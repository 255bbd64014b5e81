"""Rows and form data for tests, as plain functions: users, registry records and their INAMI
periods, certificate rows that skip keystore validation, and the registry's record form."""
from __future__ import annotations

import datetime
from datetime import UTC, timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from ehealth_certs.models import Certificate, CertificateState, RevocationReason
from practitioners import roles
from practitioners.models import InamiPeriod, Practitioner, Profession

USER_PASSWORD = "correct horse battery"
"""The password of every user made by :func:`make_user`."""

T0 = datetime.datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
"""A fixed moment (Brussels summer time) for tests that do not need a real keystore."""

DAYS = [30, 7, 1]
"""The reminder thresholds (days before expiry) of the project's settings."""


def make_user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password=USER_PASSWORD, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_admin(username="boss", email="boss@example.be", **extra) -> User:
    return make_user(username, roles.ADMINISTRATOR, email=email, **extra)


def make_practitioner(**fields) -> Practitioner:
    defaults = dict(
        last_name="Peeters",
        first_names="Jan",
        birth_date=datetime.date(1985, 7, 30),
        sex="M",
        niss="85073003328",
        email="jan.peeters@example.be",
        language="nl",
    )
    defaults.update(fields)
    practitioner = Practitioner(**defaults)
    practitioner.full_clean()
    practitioner.save()
    return practitioner


def add_period(practitioner: Practitioner, **fields) -> InamiPeriod:
    defaults = dict(
        profession=Profession.PHYSIOTHERAPIST,
        start_date=datetime.date(2015, 1, 1),
        end_date=None,
        inami_number="53886171521",
        conventioned=True,
    )
    defaults.update(fields)
    return InamiPeriod.objects.create(practitioner=practitioner, **defaults)


def make_certificate(record, not_after: datetime.datetime, state=CertificateState.ACTIVE, now: datetime.datetime = T0) -> Certificate:
    """A certificate row without a keystore (validation is not the point here)."""
    extra = {
        CertificateState.SUPERSEDED: dict(superseded_at=now),
        CertificateState.REMOVED: dict(removed_at=now),
        CertificateState.REVOKED: dict(revoked_at=now, revocation_date=now.date(), revocation_reason=RevocationReason.REPLACED),
    }.get(state, {})
    return Certificate.objects.create(
        practitioner=record, state=state, encrypted_keystore=b"x", subject="CN=SSIN=x", issuer="CN=ca", serial="1",
        fingerprint_sha256="0" * 64, environment="production", not_before=not_after - timedelta(days=1100),
        not_after=not_after, file_size=1, uploaded_at=now, uploaded_via="web", **extra,
    )  # fmt: skip


def stored_certificate(record, *, days_left: int, state=CertificateState.ACTIVE, **fields) -> Certificate:
    """A certificate row without going through validation (for statuses a real import cannot produce now)."""
    now = timezone.now()
    fields.setdefault("removed_at", now if state == CertificateState.REMOVED else None)
    fields.setdefault("superseded_at", now if state == CertificateState.SUPERSEDED else None)
    values = dict(
        encrypted_keystore=b"x", subject="CN=SSIN=x", issuer="CN=ca", serial="1", fingerprint_sha256="0" * 64,
        environment="production", not_before=now - timedelta(days=1000), not_after=now + timedelta(days=days_left),
        file_size=1, uploaded_at=now, uploaded_via="web",
    )
    return Certificate.objects.create(practitioner=record, state=state, **{**values, **fields})


def record_post_data(**overrides):
    """The registry's record form, filled for a new record with two INAMI periods."""
    data = {
        "last_name": "Janssens",
        "first_names": "Els",
        "initials": "E.",
        "birth_date": "15/02/2003",
        "sex": "F",
        "language": "nl",
        "contact_type": "provider",
        "niss": "03.02.15-004.40",
        "enterprise_number": "BE 0566.988.259",
        "email": "els@example.be",
        "is_active": "on",
        "periods-TOTAL_FORMS": "2",
        "periods-INITIAL_FORMS": "0",
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "1000",
        "periods-0-profession": "physiotherapist",
        "periods-0-inami_number": "5/38861/71/521",
        "periods-0-start_date": "01/01/2020",
        "periods-0-end_date": "31/12/2022",
        "periods-0-conventioned": "on",
        "periods-1-profession": "physiotherapist",
        "periods-1-inami_number": "5/38861/71/521",
        "periods-1-start_date": "01/01/2023",
        "periods-1-end_date": "",
    }
    data.update(overrides)
    return data
