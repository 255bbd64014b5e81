"""Keystores for the Django-side tests (service, pages, command line), and their upload.

The ``ehealth_settings`` fixture (CA bundles configured) is in ``tests/conftest.py``; the session
PKI fixtures are in ``tests/ehealth_certs/conftest.py``.
"""
from __future__ import annotations

import functools
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import pki

PASSWORD = pki.PASSWORD
NOW = pki.NOW
SSIN = pki.DEFAULT_SSIN  # the NISS of tests.conftest's practitioner_record
OTHER_SSIN = "03021500440"  # the NISS of tests.conftest's other_record


@functools.cache
def person_keystore(
    environment: str = "production",
    *,
    ssin: str = SSIN,
    not_before_days: int = -30,
    not_after_days: int = 3 * 365,
    rogue: bool = False,
    auth_alias: str = "authentication",
) -> bytes:
    """A modern-layout keystore (authentication + one encryption entry + CA entries), dates relative to NOW."""
    issuer = pki.rogue_pki() if rogue else pki.production_pki() if environment == "production" else pki.acceptance_pki()
    auth = pki.person_certificate(
        issuer, ssin=ssin, not_before=NOW + timedelta(days=not_before_days), not_after=NOW + timedelta(days=not_after_days)
    )
    entries = pki.ehealth_entries(issuer, auth, [pki.encryption_certificate(auth)], auth_alias=auth_alias)
    return pki.python_keystore(entries)


@functools.cache
def mismatched_keystore() -> bytes:
    auth = pki.person_certificate(pki.production_pki())
    return pki.mismatched_keystore(auth, pki.rsa_key(pki.OTHER_KEY))


def not_after_of(data: bytes):
    from ehealth_certs.keystore.reader import read_keystore

    [auth] = [entry for entry in read_keystore(data, PASSWORD) if entry.alias == "authentication"]
    return auth.certificate.not_valid_after_utc


FILE_NAME = "SSIN=85073003328 20250314-101500.p12"


def upload_url(record):
    return reverse("ehealth_certs:upload", kwargs={"public_id": record.public_id})


def post_keystore(client, record, data, password=PASSWORD, name=FILE_NAME):
    return client.post(upload_url(record), {"keystore": SimpleUploadedFile(name, data), "password": password})
