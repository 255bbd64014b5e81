"""import_keystore / remove_certificate / re-encryption, against real keystores from tests/pki.py."""
from __future__ import annotations

import io
import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection

from ehealth_certs import keystore_text, refusals
from ehealth_certs.keystore_text import validation_message
from ehealth_certs.lifecycle import keystore_import, storage
from oxygen.errors import Refused
from ehealth_certs.models import Certificate, CertificateEntry, CertificateState, UploadChannel
from practitioners.models import Practitioner
from tests import pki
from tests.ehealth_certs.keystores import (
    NOW,
    OTHER_SSIN,
    PASSWORD,
    SSIN,
    mismatched_keystore,
    not_after_of,
    person_keystore,
)
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]


def do_import(record, data, password=PASSWORD, **options):
    options.setdefault("source_name", "SSIN=85073003328 20250314-101500.p12")
    options.setdefault("now", NOW)
    return keystore_import.import_keystore(record, data, password, **options)


def refused_import(record, data, password=PASSWORD, **options) -> Refused:
    with pytest.raises(Refused) as refused:
        do_import(record, data, password, **options)
    return refused.value


def refusal_code(record, data, password=PASSWORD, **options) -> str | None:
    """The code of a refused import, None when it was imported (attempts that may go either way)."""
    try:
        do_import(record, data, password, **options)
    except Refused as refused:
        return refused.code
    return None


# --------------------------------------------------------------------------- a valid keystore


@pytest.mark.parametrize("layout", ["modern", "legacy", "legacy-encryption-first"])
def test_java_keystore_is_imported_with_its_metadata_and_every_entry(
    layout, practitioner_record, administrator, java_keystores, auth, encryption
):
    data = java_keystores[layout]
    outcome = do_import(practitioner_record, data, actor=administrator, source_name="C:\\Users\\jan\\ehealth\\keystore\\SSIN=85073003328 20250314-101500.p12")

    assert outcome.imported and outcome.error is None and outcome.warnings == []
    certificate = outcome.certificate
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.ACTIVE
    assert certificate.practitioner == practitioner_record
    assert certificate.subject == auth.cert.subject.rfc4514_string()
    assert certificate.issuer == auth.cert.issuer.rfc4514_string()
    assert certificate.serial == format(auth.cert.serial_number, "x")
    assert certificate.identifiers == {"SSIN": SSIN}
    assert certificate.environment == "production"
    assert certificate.not_after == auth.cert.not_valid_after_utc
    assert certificate.not_before == auth.cert.not_valid_before_utc
    assert len(certificate.fingerprint_sha256) == 64
    assert certificate.file_name == "SSIN=85073003328 20250314-101500.p12"
    assert certificate.file_size == len(data)
    assert (certificate.uploaded_by, certificate.uploaded_by_name, certificate.uploaded_via) == (
        administrator, "admin", UploadChannel.WEB,
    )
    assert certificate.uploaded_at == NOW
    entries = list(certificate.entries.order_by("position"))
    kinds = sorted((entry.alias, entry.kind, entry.has_private_key) for entry in entries)
    assert kinds == sorted(
        [("authentication", "authentication", True)]
        + [(pki.encryption_alias(enc), "encryption", True) for enc in encryption]
        + [("ehealth-root", "ca", False), ("ehealth-issuing", "ca", False)]
    )
    authentication = next(entry for entry in entries if entry.kind == "authentication")
    assert (authentication.key_type, authentication.key_size) == ("RSA", 2048)
    assert authentication.not_after == auth.cert.not_valid_after_utc
    assert authentication.local_key_id


def test_keystore_is_stored_encrypted_and_decrypts_to_the_uploaded_bytes(practitioner_record):
    data = person_keystore()
    certificate = do_import(practitioner_record, data).certificate
    stored = bytes(Certificate.objects.values_list("encrypted_keystore", flat=True).get(pk=certificate.pk))

    assert data not in stored and stored != data
    assert keystore_import.stored_keystore(certificate) == data


def test_the_password_is_stored_nowhere(practitioner_record):
    password = PASSWORD
    certificate = do_import(practitioner_record, person_keystore(), password).certificate
    row = Certificate.objects.filter(pk=certificate.pk).values().get()
    entries = list(CertificateEntry.objects.filter(certificate=certificate).values())
    dumped = repr(row) + repr(entries) + bytes(row["encrypted_keystore"]).decode("latin-1")
    assert password not in dumped


# --------------------------------------------------------------------------- every error code


def bad_keystores():
    return {
        "too_large": lambda: b"\x30" * (256 * 1024 + 1),
        "not_pkcs12": lambda: pki.pdf_bytes(),
        "no_authentication_entry": lambda: person_keystore(auth_alias="signature"),
        "key_mismatch": mismatched_keystore,
        "not_yet_valid": lambda: person_keystore(not_before_days=10),
        "expired": lambda: person_keystore(not_before_days=-1000, not_after_days=-1),
        "untrusted_chain": lambda: person_keystore(rogue=True),
        "environment_mismatch": lambda: person_keystore("acceptance"),
        "identity_mismatch": lambda: person_keystore(ssin=OTHER_SSIN),
    }


@pytest.mark.parametrize("code", list(bad_keystores()))
def test_each_invalid_keystore_is_refused_with_its_code_and_nothing_is_stored(code, practitioner_record):
    refusal = refused_import(practitioner_record, bad_keystores()[code]())
    outcome = refusal.params["outcome"]

    assert not outcome.imported
    assert refusal.code == outcome.error == code
    assert str(outcome.message) == str(validation_message(outcome.result)) and str(outcome.message)
    assert not Certificate.objects.exists() and not CertificateEntry.objects.exists()


def test_wrong_password_is_refused(practitioner_record):
    refusal = refused_import(practitioner_record, person_keystore(), "not-the-password")

    assert (refusal.params["outcome"].imported, refusal.code) == (False, "wrong_password")
    assert str(refusal.params["outcome"].message) == "The password does not open this keystore."
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("label", pki.not_keystore_params(["empty", "truncated", "pem certificate", "der certificate", "jks", "etk"]))
def test_files_that_are_not_keystores_are_not_pkcs12(label, not_keystores, practitioner_record):
    assert refused_import(practitioner_record, not_keystores[label]).code == "not_pkcs12"
    assert not Certificate.objects.exists()


def test_without_a_configured_bundle_the_shipped_ehealth_cas_do_not_trust_a_test_keystore(settings, practitioner_record):
    settings.EHEALTH_CA_BUNDLE_PRODUCTION = None

    refusal = refused_import(practitioner_record, person_keystore())

    assert refusal.code == "untrusted_chain"
    assert "not issued by a trusted eHealth certification authority" in str(refusal.params["outcome"].message)
    assert not Certificate.objects.exists()


def test_an_unreadable_bundle_verifies_nothing(settings, tmp_path, practitioner_record, caplog):
    settings.EHEALTH_CA_BUNDLE_PRODUCTION = str(tmp_path / "missing.pem")

    refusal = refused_import(practitioner_record, person_keystore())

    assert refusal.code == "untrusted_chain"
    assert "could not be verified" in str(refusal.params["outcome"].message)
    assert "EHEALTH_CA_BUNDLE_PRODUCTION" in caplog.text


def test_acceptance_installation_takes_acceptance_keystores(settings, practitioner_record):
    settings.EHEALTH_ENVIRONMENT = "acceptance"

    assert do_import(practitioner_record, person_keystore("acceptance")).certificate.environment == "acceptance"
    assert refused_import(practitioner_record, person_keystore(not_after_days=4 * 365)).code == "environment_mismatch"


def test_record_without_niss_refuses_a_person_certificate(practitioner_record):
    Practitioner.objects.filter(pk=practitioner_record.pk).update(niss="")
    practitioner_record.refresh_from_db()

    refusal = refused_import(practitioner_record, person_keystore())

    assert refusal.code == "identity_mismatch"
    assert "this record has no NISS to compare it with" in str(refusal.params["outcome"].message)


def test_organisation_certificate_is_refused_even_with_the_record_enterprise_number(practitioner_record):
    production = pki.production_pki()
    Practitioner.objects.filter(pk=practitioner_record.pk).update(enterprise_number=pki.DEFAULT_CBE)
    practitioner_record.refresh_from_db()
    by_cbe = pki.organisation_certificate(production, cbe=pki.DEFAULT_CBE)

    refusal = refused_import(practitioner_record, pki.python_keystore(pki.ehealth_entries(production, by_cbe)))

    assert refusal.code == "organisation_certificate"
    assert not Certificate.objects.exists()


# --------------------------------------------------------------------------- warnings, supersede, older


def test_expiring_keystore_is_imported_with_the_expires_soon_warning(practitioner_record):
    outcome = do_import(practitioner_record, person_keystore(not_after_days=30))

    assert outcome.imported
    assert outcome.warnings == ["expires_soon"]
    assert "within 3 months" in keystore_text.warning_message("expires_soon")


def test_newer_keystore_supersedes_the_active_one(practitioner_record):
    old = do_import(practitioner_record, person_keystore(not_after_days=400)).certificate
    later = NOW + timedelta(hours=1)

    new = do_import(practitioner_record, person_keystore(), now=later).certificate

    old.refresh_from_db()
    assert old.state == CertificateState.SUPERSEDED and old.superseded_at == later
    assert new.state == CertificateState.ACTIVE
    assert list(Certificate.objects.filter(state=CertificateState.ACTIVE)) == [new]
    assert CertificateEntry.objects.filter(certificate=old).exists()  # its entries stay in the history


@pytest.mark.parametrize("not_after_days", [400, 3 * 365])
def test_keystore_not_newer_than_the_active_one_is_refused(not_after_days, practitioner_record):
    active = do_import(practitioner_record, person_keystore()).certificate

    assert refused_import(practitioner_record, person_keystore(not_after_days=not_after_days)).code == "older_than_active"
    active.refresh_from_db()
    assert active.state == CertificateState.ACTIVE
    assert Certificate.objects.count() == 1


def test_older_keystore_is_accepted_once_the_active_one_is_removed(practitioner_record, administrator):
    active = do_import(practitioner_record, person_keystore()).certificate
    keystore_import.remove_certificate(active, actor=administrator)

    assert do_import(practitioner_record, person_keystore(not_after_days=400)).imported


# --------------------------------------------------------------------------- removal


def test_remove_keeps_the_row_with_who_and_when(practitioner_record, administrator):
    certificate = do_import(practitioner_record, person_keystore()).certificate

    keystore_import.remove_certificate(certificate, actor=administrator, now=NOW)

    certificate.refresh_from_db()
    assert (certificate.state, certificate.removed_by, certificate.removed_at) == (
        CertificateState.REMOVED, administrator, NOW,
    )
    with pytest.raises(Refused) as refused:  # only once
        keystore_import.remove_certificate(certificate, actor=administrator)
    assert refused.value.code == keystore_import.NOT_ACTIVE


# --------------------------------------------------------------------------- throttling


def test_five_wrong_passwords_pause_attempts_on_the_record_without_validating(practitioner_record, administrator, monkeypatch):
    for _attempt in range(5):
        assert refused_import(practitioner_record, person_keystore(), "wrong", actor=administrator).code == "wrong_password"

    def must_not_run(*args, **kwargs):
        raise AssertionError("validation ran while throttled")

    monkeypatch.setattr(keystore_import, "validate_keystore", must_not_run)
    refusal = refused_import(practitioner_record, person_keystore(), PASSWORD, actor=administrator)
    outcome = refusals.refused_import(refusal)

    assert refusal.code == keystore_import.THROTTLED and not outcome.imported
    assert outcome.throttled_until == NOW + timedelta(minutes=15)
    assert "try again after" in str(outcome.message)
    assert not Certificate.objects.exists()


def test_throttle_is_per_record_whoever_tries(practitioner_record, practitioner_user, administrator):
    for _attempt in range(3):
        refused_import(practitioner_record, person_keystore(), "wrong", actor=administrator)
    for _attempt in range(2):
        refused_import(practitioner_record, person_keystore(), "wrong", actor=practitioner_user)

    other_admin = make_user("second-admin", "administrator")
    assert refused_import(practitioner_record, person_keystore(), actor=other_admin).code == keystore_import.THROTTLED


def test_throttle_is_per_user_across_records(practitioner_record, other_record, administrator):
    for _attempt in range(5):
        refused_import(other_record, person_keystore(ssin=OTHER_SSIN), "wrong", actor=administrator)

    assert refused_import(practitioner_record, person_keystore(), actor=administrator).code == keystore_import.THROTTLED
    assert do_import(practitioner_record, person_keystore(), actor=None).imported  # the record itself is not paused


def test_other_failures_do_not_count_as_password_attempts(practitioner_record, administrator):
    for _attempt in range(6):
        refused_import(practitioner_record, pki.pdf_bytes(), actor=administrator)

    assert do_import(practitioner_record, person_keystore(), actor=administrator).imported


def test_attempts_are_allowed_again_after_the_window(practitioner_record, administrator):
    for _attempt in range(5):
        refused_import(practitioner_record, person_keystore(), "wrong", actor=administrator)

    later = NOW + timedelta(minutes=15, seconds=1)
    assert do_import(practitioner_record, person_keystore(), actor=administrator, now=later).imported


# --------------------------------------------------------------------------- the password stays secret


def test_password_never_appears_in_logs(practitioner_record, administrator, caplog):
    secret = "Sup3r-Secret-Passw0rd!"
    caplog.set_level(logging.DEBUG)

    refused_import(practitioner_record, person_keystore(), secret, actor=administrator)
    do_import(practitioner_record, person_keystore(), PASSWORD, actor=administrator)

    assert caplog.records  # the service does log its decisions
    assert secret not in caplog.text and PASSWORD not in caplog.text


# --------------------------------------------------------------------------- uploads and file names


def test_read_capped_reads_at_most_one_byte_more_than_the_limit():
    class CountingStream(io.BytesIO):
        read_total = 0

        def read(self, size=-1):
            data = super().read(size)
            self.read_total += len(data)
            return data

    stream = CountingStream(b"x" * (5 * 1024 * 1024))
    assert len(keystore_import.read_capped(stream, 1000)) == 1001
    assert stream.read_total == 1001
    assert keystore_import.read_capped(io.BytesIO(b"abc"), 1000) == b"abc"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("/home/jan/ehealth/keystore/SSIN=85073003328 20250314.p12", "SSIN=85073003328 20250314.p12"),
        ("C:\\Users\\jan\\keystore.acc-p12", "keystore.acc-p12"),
        ("evil\x00name\r\n.p12", "evilname.p12"),
        ("", ""),
    ],
)
def test_file_names_lose_folders_and_control_characters(raw, clean):
    assert keystore_import.clean_file_name(raw) == clean


def test_long_file_names_are_capped_keeping_the_extension():
    name = keystore_import.clean_file_name("a" * 1000 + ".acc-p12")
    assert len(name) == keystore_import.FILE_NAME_MAX_LENGTH and name.endswith("….acc-p12")


# --------------------------------------------------------------------------- key rotation


def test_keystores_survive_a_key_rotation(settings, practitioner_record):
    from cryptography.fernet import Fernet

    old_key, new_key = settings.KEYSTORE_ENCRYPTION_KEY[0], Fernet.generate_key().decode()
    data = person_keystore()
    certificate = do_import(practitioner_record, data).certificate

    settings.KEYSTORE_ENCRYPTION_KEY = [new_key, old_key]
    assert keystore_import.stored_keystore(certificate) == data
    assert keystore_import.reencrypt_keystores() == 1

    settings.KEYSTORE_ENCRYPTION_KEY = [new_key]
    assert keystore_import.stored_keystore(certificate) == data
    settings.KEYSTORE_ENCRYPTION_KEY = [old_key]
    with pytest.raises(storage.KeystoreDecryptionError):
        keystore_import.stored_keystore(certificate)


# --------------------------------------------------------------------------- no slow work under a lock


@pytest.mark.django_db(transaction=True)
def test_validation_runs_outside_any_transaction(practitioner_record, transactions_open_during_validation):
    """A concurrent import of the same record must not wait for this one's key derivations."""
    assert do_import(practitioner_record, person_keystore()).imported
    assert transactions_open_during_validation == [False]


def test_a_newer_certificate_landing_during_validation_is_rechecked_under_the_lock(practitioner_record, monkeypatch):
    older, newer = person_keystore(not_after_days=1000), person_keystore(not_after_days=1001)
    validate = keystore_import.validate_keystore
    landed = []

    def validate_while_another_lands(*arguments, **options):
        result = validate(*arguments, **options)
        if not landed:  # the other upload finishes while this one is being validated
            monkeypatch.setattr(keystore_import, "validate_keystore", validate)
            landed.append(do_import(practitioner_record, newer))
        return result

    monkeypatch.setattr(keystore_import, "validate_keystore", validate_while_another_lands)

    refusal = refused_import(practitioner_record, older)

    assert landed[0].imported
    assert refusal.params["outcome"].result.valid is False and refusal.code == "older_than_active"
    assert Certificate.objects.get(state=CertificateState.ACTIVE) == landed[0].certificate
    assert Certificate.objects.count() == 1


# --------------------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_leave_one_active_certificate(postgres, practitioner_record):
    keystores = [person_keystore(not_after_days=1000), person_keystore(not_after_days=1001)]
    barrier = threading.Barrier(2)
    outcomes = []

    def upload(data):
        try:
            barrier.wait()
            outcomes.append(refusal_code(practitioner_record, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(data,)) for data in keystores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == 2
    assert Certificate.objects.filter(state=CertificateState.ACTIVE).count() == 1
    assert None in outcomes  # one was imported
    # The second import waits for the first, then supersedes it or is refused as older:
    # either way the later certificate is the active one (no "conflict" from a lost race).
    assert all(code in (None, "older_than_active") for code in outcomes)
    active = Certificate.objects.get(state=CertificateState.ACTIVE)
    assert active.not_after == max(not_after_of(data) for data in keystores)


def test_imports_failures_and_removals_are_in_the_audit_log(practitioner_record, administrator):
    from audit.models import AuditEvent, EventKind

    data = person_keystore()
    refused = refused_import(practitioner_record, data, "not the password", actor=administrator, source_name="../x/bad.p12")
    assert refused.code == "wrong_password"
    outcome = do_import(practitioner_record, data, actor=administrator)
    assert outcome.imported
    keystore_import.remove_certificate(outcome.certificate, actor=administrator)
    events = list(AuditEvent.objects.filter(practitioner=practitioner_record).order_by("pk"))
    assert [e.kind for e in events] == [
        EventKind.CERTIFICATE_IMPORT_FAILED, EventKind.CERTIFICATE_IMPORT, EventKind.CERTIFICATE_REMOVED,
    ]
    assert all(e.user == administrator for e in events)
    assert events[0].details["error"] == "wrong_password" and events[0].details["file_name"] == "bad.p12"
    assert events[1].details["sha256"] == outcome.certificate.fingerprint_sha256
    stored = str([(e.summary, e.details) for e in events])
    assert "not the password" not in stored and PASSWORD not in stored


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_cannot_pass_the_limit(postgres, practitioner_record, administrator, monkeypatch):
    attempts = 20
    barrier = threading.Barrier(attempts)
    validated = []
    validate = keystore_import.validate_keystore

    def counted_validation(*args, **kwargs):
        validated.append(1)
        return validate(*args, **kwargs)

    monkeypatch.setattr(keystore_import, "validate_keystore", counted_validation)
    data = person_keystore()
    outcomes = []

    def upload():
        try:
            barrier.wait()
            outcomes.append(refused_import(practitioner_record, data, "wrong", actor=administrator).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    errors = outcomes
    assert 1 <= len(validated) == errors.count("wrong_password") <= 5  # never more than the limit
    assert errors.count("throttled") == attempts - len(validated)


def test_every_validation_counts_in_the_user_s_budget(settings, practitioner_record, other_record, administrator):
    settings.KEYSTORE_VALIDATIONS_PER_USER = 3
    for _attempt in range(3):  # right passwords (the second and third are older than the first)
        assert refusal_code(practitioner_record, person_keystore(), actor=administrator) != keystore_import.THROTTLED

    refusal = refused_import(other_record, person_keystore(ssin=OTHER_SSIN), actor=administrator)

    assert refusal.code == keystore_import.THROTTLED and "Too many keystores checked" in str(refusals.refused_import(refusal).message)
    assert do_import(other_record, person_keystore(ssin=OTHER_SSIN), actor=None).imported
