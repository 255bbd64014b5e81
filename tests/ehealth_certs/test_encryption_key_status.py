"""The encryption key (ETK) status, found at import: stored on the certificate, shown on the record,
the certificate page and by `keystore inspect`; certificates imported before it was checked say "unknown"."""
from __future__ import annotations

import functools
import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from ehealth_certs import keystore_text
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import Certificate, EncryptionKeyStatus
from tests import pki
from tests.ehealth_certs.keystores import PASSWORD, person_keystore, post_keystore
from tests.factories import stored_certificate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]


@functools.cache
def keystore_without_etk() -> bytes:
    """authentication + CA entries only, written by keytool (legacy layout, as the Certificate Manager)."""
    production = pki.production_pki()
    return pki.keytool_keystore(pki.ehealth_entries(production, pki.person_certificate(production), []), layout="legacy")


def etk_line(page: str) -> str:
    match = re.search(r'<p[^>]*id="encryption-key-status".*?</p>', page, re.S)
    assert match, "no encryption key status on the page"
    return match.group(0)


@pytest.mark.slow
def test_import_stores_the_status_and_warns_without_etk(practitioner_record):
    outcome = keystore_import.import_keystore(practitioner_record, keystore_without_etk(), PASSWORD, source_name="x.p12", now=pki.NOW)

    assert outcome.imported and outcome.warnings == ["no_encryption_key"]
    assert outcome.certificate.encryption_key_status == EncryptionKeyStatus.MISSING
    assert outcome.to_json_dict()["encryption_key"] == "missing"
    messages = {}
    for language in ("en", "fr", "nl"):
        with translation.override(language):
            messages[language] = keystore_text.warning_message("no_encryption_key")
    assert "not read encrypted eHealth messages" in messages["en"]
    assert "ETK" in messages["fr"] and "ETK" in messages["nl"] and len(set(messages.values())) == 3


@pytest.mark.slow
def test_pages_say_the_etk_is_missing(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    response = post_keystore(client, practitioner_record, keystore_without_etk())
    detail = client.get(response.url).content.decode()

    assert "has no encryption key (ETK)" in detail  # the warning, once
    row = re.search(r'<dd[^>]*id="certificate-encryption-key".*?</dd>', detail, re.S).group(0)
    assert 'data-status="missing"' in row and "encrypted eHealth messages cannot be read" in row
    record_page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert "Encryption key (ETK): missing: encrypted eHealth messages cannot be read" in etk_line(record_page)


def test_pages_say_the_etk_is_present(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    post_keystore(client, practitioner_record, person_keystore())

    record_page = client.get(practitioner_record.get_absolute_url()).content.decode()
    line = etk_line(record_page)
    assert 'data-status="present"' in line and "Encryption key (ETK): present" in line


def test_certificates_imported_before_the_check_are_unknown(client, practitioner_user, practitioner_record):
    certificate = stored_certificate(practitioner_record, days_left=400)
    client.force_login(practitioner_user)

    record_page = client.get(practitioner_record.get_absolute_url()).content.decode()

    assert certificate.encryption_key_status == EncryptionKeyStatus.UNKNOWN
    assert "Encryption key (ETK): unknown (imported before this was checked)" in etk_line(record_page)


def test_record_without_certificate_shows_no_etk_line(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    assert 'id="encryption-key-status"' not in client.get(practitioner_record.get_absolute_url()).content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.slow
def test_keystore_inspect_reports_the_etk(tmp_path):
    path = tmp_path / "SSIN=85073003328 20250314-101500.p12"
    path.write_bytes(keystore_without_etk())

    def inspect(*options: str) -> str:
        stdout = io.StringIO()
        call_command("keystore", "inspect", str(path), "--password-stdin", *options, stdin=io.StringIO(PASSWORD + "\n"), stdout=stdout)
        return stdout.getvalue()

    data = json.loads(inspect("--json"))
    assert (data["valid"], data["warnings"], data["encryption_key"]) == (True, ["no_encryption_key"], "missing")
    text = inspect()
    assert "warning: no_encryption_key – This keystore has no encryption key (ETK)" in text
    assert "encryption key (ETK): missing: encrypted eHealth messages cannot be read" in text
