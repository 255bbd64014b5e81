"""Keystores and settings for the Django-side tests (service, pages, command line).

Import the fixtures you use into the test module (``from tests.ehealth_certs.keystores import
ehealth_settings``); the session PKI fixtures come from ``tests/ehealth_certs/conftest.py``.
"""
from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def ca_bundle_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ca-bundles")
    files = {}
    for name, pki_ in (("production", pki.production_pki()), ("acceptance", pki.acceptance_pki())):
        files[name] = folder / f"{name}.pem"
        files[name].write_bytes(pki_.bundle_pem())
    return files


@pytest.fixture
def ehealth_settings(settings, ca_bundle_files):
    """A production installation with both CA bundles configured, pages in English, a fresh throttle cache."""
    from django.core.cache import cache

    settings.LANGUAGE_CODE = "en"
    settings.EHEALTH_ENVIRONMENT = "production"
    settings.EHEALTH_CA_BUNDLE_PRODUCTION = str(ca_bundle_files["production"])
    settings.EHEALTH_CA_BUNDLE_ACCEPTANCE = str(ca_bundle_files["acceptance"])
    cache.clear()
    yield settings
    cache.clear()
