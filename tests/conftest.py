"""Fixtures for every app: users for each role, records, the eHealth settings (CA bundles), an SMTP
server. Row factories are plain functions in tests/factories.py."""
from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import translation

from practitioners import roles
from practitioners.models import Practitioner
from tests import pki
from tests.factories import make_practitioner, make_user
from tests.requires import require_service
from tests.smtp_sink import smtp_sink  # noqa: F401 (fixture)

PROCESS_FIXTURES = frozenset({"java_keystores", "ocsp_responder", "softhsm_factory", "softhsm_token"})
"""Fixtures that start a process (keytool, ``openssl ocsp``, softhsm2-util and a Python importer):
every test that uses one, even through another fixture, is marked ``slow``."""

# Commands run in subprocesses speak the shell's language (oxygen/cli.py): English, like the tests.
os.environ["LANGUAGE"] = "en"
# Test certificates name no OCSP responder and tests use no outside network: revocation checks are
# off unless a test turns them on (with a real responder: tests/ocsp_responder.py).
os.environ["EHEALTH_REVOCATION_CHECK"] = "off"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if PROCESS_FIXTURES.intersection(item.fixturenames):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def postgres(db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    return connection


@pytest.fixture(autouse=True)
def _english_by_default():
    """Tests read messages in English unless they switch language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _revocation_check_off(settings):
    settings.EHEALTH_REVOCATION_CHECK = False


@pytest.fixture
def client():
    """A test client whose browser asks for English pages (the site's default is French)."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def practitioner_record(db) -> Practitioner:
    return make_practitioner()


@pytest.fixture
def other_record(db) -> Practitioner:
    return make_practitioner(
        last_name="Dubois", first_names="Marie", birth_date=datetime.date(2003, 2, 15), sex="F",
        niss="03021500440", email="marie.dubois@example.be", language="fr",
    )


@pytest.fixture
def front_desk(db) -> User:
    return make_user("accueil", roles.FRONT_DESK)


@pytest.fixture
def administrator(db) -> User:
    return make_user("admin", roles.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def practitioner_user(practitioner_record) -> User:
    user = make_user("jan", roles.PRACTITIONER)
    practitioner_record.user = user
    practitioner_record.save()
    return user


@pytest.fixture
def other_practitioner_user(other_record) -> User:
    user = make_user("marie", roles.PRACTITIONER)
    other_record.user = user
    other_record.save()
    return user


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
