"""Changing the password of the stored keystore (and of an uploaded one): the service."""
from __future__ import annotations

import io
import logging
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent, EventKind
from ehealth_certs import refusals
from ehealth_certs.lifecycle import keystore_import, password_change, storage
from ehealth_certs.keystore import reader, writer
from ehealth_certs.keystore.entry import Pkcs12Error
from ehealth_certs.models import Certificate, KeystoreDownload, KeystorePasswordChange
from oxygen.errors import Refused
from tests import pki
from tests.ehealth_certs.keystores import NOW, PASSWORD, person_keystore
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

NEW_PASSWORD = "N3w-keystore pass"
FILE_NAME = "SSIN=85073003328 20250314-101500.p12"


def imported(record, data=None, user=None):
    outcome = keystore_import.import_keystore(record, data or person_keystore(), PASSWORD, actor=user, source_name=FILE_NAME, now=NOW)
    assert outcome.imported, outcome.message
    return outcome.certificate


def change(certificate, user, current=PASSWORD, new=NEW_PASSWORD, confirmation=None, **options):
    return password_change.change_stored_keystore_password(
        certificate, current, new, new if confirmation is None else confirmation, actor=user, **options
    )


def refused(function, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as excinfo:
        function(*args, **kwargs)
    return excinfo.value


def stored_bytes(certificate):
    return keystore_import.stored_keystore(certificate)


def aliases(entries):
    return [(entry.alias, entry.local_key_id, entry.has_private_key) for entry in entries]


# --------------------------------------------------------------------------- success


@pytest.mark.parametrize("layout", ["modern", "legacy"])
def test_java_keystore_is_reencrypted_and_keytool_lists_every_entry_with_the_new_password(
    layout, practitioner_record, practitioner_user, java_keystores, store_entries
):
    original = java_keystores[layout]
    certificate = imported(practitioner_record, original, practitioner_user)

    token = change(certificate, practitioner_user)

    assert token
    keystore, file_name = password_change.take_download(token, practitioner_user, practitioner_record)
    assert file_name == FILE_NAME
    assert stored_bytes(certificate) == keystore
    listed = pki.keytool_list(keystore, NEW_PASSWORD)
    assert listed == {
        entry.alias: "PrivateKeyEntry" if isinstance(entry, pki.KeyEntry) else "trustedCertEntry" for entry in store_entries
    }
    with pytest.raises(RuntimeError, match="keytool -list"):
        pki.keytool_list(keystore, PASSWORD)
    # every key, certificate, alias and local key id kept
    assert aliases(reader.read_keystore(keystore, NEW_PASSWORD)) == aliases(reader.read_keystore(original, PASSWORD))
    certificate.refresh_from_db()
    assert certificate.file_size == len(keystore)


def test_change_is_recorded_with_who_and_when_and_audited(practitioner_record, administrator):
    certificate = imported(practitioner_record)

    change(certificate, administrator, now=NOW)

    [row] = KeystorePasswordChange.objects.filter(certificate=certificate)
    assert row.changed_by == administrator and row.changed_at == NOW
    [event] = AuditEvent.objects.filter(kind=EventKind.KEYSTORE_PASSWORD_CHANGED)
    assert event.practitioner == practitioner_record and event.user == administrator
    assert PASSWORD not in str(event.details) and NEW_PASSWORD not in str(event.details)


def test_the_download_is_offered_once_to_the_same_user_only(practitioner_record, practitioner_user, administrator):
    certificate = imported(practitioner_record)
    token = change(certificate, practitioner_user)

    assert password_change.take_download(token, administrator, practitioner_record) is None
    assert password_change.pending_download(token, practitioner_user, practitioner_record) is not None
    assert password_change.take_download(token, practitioner_user, practitioner_record) is not None
    assert password_change.take_download(token, practitioner_user, practitioner_record) is None
    assert not KeystoreDownload.objects.exists()


def test_the_download_expires(settings, practitioner_record, practitioner_user):
    settings.KEYSTORE_DOWNLOAD_TTL = 60
    certificate = imported(practitioner_record)
    token = change(certificate, practitioner_user, now=NOW)

    assert password_change.take_download(token, practitioner_user, practitioner_record, now=NOW + timedelta(seconds=61)) is None
    # expired rows are dropped when the next download is made
    password_change.create_download(practitioner_user, practitioner_record, b"x", "k.p12", now=NOW + timedelta(seconds=61))
    assert KeystoreDownload.objects.count() == 1


def test_the_pending_download_is_encrypted_and_keyed_by_a_token_hash(practitioner_record, practitioner_user):
    certificate = imported(practitioner_record)
    token = change(certificate, practitioner_user)

    row = KeystoreDownload.objects.get()
    assert token not in row.token_sha256 and len(row.token_sha256) == 64
    assert storage.decrypt(row.encrypted_keystore) == stored_bytes(certificate)
    assert bytes(row.encrypted_keystore) != stored_bytes(certificate)


def test_uploaded_keystore_is_reencrypted_and_nothing_is_stored(practitioner_record, practitioner_user):
    data = person_keystore()

    keystore = password_change.change_uploaded_keystore_password(
        data, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, practitioner=practitioner_record, actor=practitioner_user
    )

    assert aliases(reader.read_keystore(keystore, NEW_PASSWORD)) == aliases(reader.read_keystore(data, PASSWORD))
    assert not Certificate.objects.exists() and not KeystoreDownload.objects.exists()


# --------------------------------------------------------------------------- failures change nothing


def assert_unchanged(certificate, before):
    assert stored_bytes(certificate) == before
    assert not KeystorePasswordChange.objects.exists()
    assert not KeystoreDownload.objects.exists()


def test_wrong_current_password(practitioner_record, practitioner_user):
    certificate = imported(practitioner_record)
    before = stored_bytes(certificate)

    refusal = refused(change, certificate, practitioner_user, current="not the password 1")

    assert refusal.code == password_change.WRONG_PASSWORD
    assert refusals.password_change_message(refusal) == "The current password does not open this keystore. Nothing was changed."
    assert_unchanged(certificate, before)
    [event] = AuditEvent.objects.filter(kind=EventKind.KEYSTORE_PASSWORD_CHANGE_FAILED)
    assert event.details["error"] == "wrong_password"


@pytest.mark.parametrize(
    ("new", "confirmation", "rules"),
    [
        ("short1", "short1", ["length"]),
        ("nodigitsatall", "nodigitsatall", ["digit_or_symbol"]),
        ("accentué-1", "accentué-1", ["characters"]),
        (NEW_PASSWORD, NEW_PASSWORD + "x", ["confirmation"]),
    ],
)
def test_new_password_failing_the_policy(new, confirmation, rules, practitioner_record, practitioner_user):
    certificate = imported(practitioner_record)
    before = stored_bytes(certificate)

    refusal = refused(change, certificate, practitioner_user, new=new, confirmation=confirmation)

    assert refusal.code == password_change.POLICY
    assert [rule.code for rule in refusal.params["failed_rules"]] == rules
    assert_unchanged(certificate, before)


def test_new_password_equal_to_the_current_one(practitioner_record, practitioner_user):
    certificate = imported(practitioner_record)
    before = stored_bytes(certificate)

    assert refused(change, certificate, practitioner_user, new=PASSWORD).code == password_change.UNCHANGED
    assert_unchanged(certificate, before)


def test_certificate_no_longer_active(practitioner_record, practitioner_user):
    certificate = imported(practitioner_record)
    before = stored_bytes(certificate)
    keystore_import.remove_certificate(certificate, actor=practitioner_user)

    assert refused(change, certificate, practitioner_user).code == password_change.NOT_ACTIVE
    assert_unchanged(certificate, before)


def test_a_failed_verification_changes_nothing(practitioner_record, practitioner_user, monkeypatch):
    certificate = imported(practitioner_record)
    before = stored_bytes(certificate)

    def failing(data, old, new):
        raise Pkcs12Error("the re-encrypted keystore still opens with the old password")

    monkeypatch.setattr(writer, "change_password", failing)

    refusal = refused(change, certificate, practitioner_user)

    assert refusal.code == password_change.REENCRYPT_FAILED
    assert "still opens with the old password" in refusals.password_change_message(refusal)
    assert_unchanged(certificate, before)


def test_uploaded_file_that_is_not_a_keystore(practitioner_record, practitioner_user, not_keystores):
    refusal = refused(
        password_change.change_uploaded_keystore_password,
        not_keystores["pdf"], PASSWORD, NEW_PASSWORD, NEW_PASSWORD, practitioner=practitioner_record, actor=practitioner_user,
    )

    assert refusal.code == password_change.NOT_KEYSTORE


def test_wrong_current_passwords_are_throttled_with_the_import_throttle(settings, practitioner_record, practitioner_user):
    settings.KEYSTORE_PASSWORD_MAX_FAILURES = 2
    certificate = imported(practitioner_record)
    for _attempt in range(2):
        assert refused(change, certificate, practitioner_user, current="wrong password 1", now=NOW).code == password_change.WRONG_PASSWORD

    refusal = refused(change, certificate, practitioner_user, now=NOW)  # even the right password waits

    assert refusal.code == password_change.THROTTLED
    assert "try again after" in refusals.password_change_message(refusal)
    # the import of the same record is paused too: one throttle
    assert refused(keystore_import.import_keystore, practitioner_record, person_keystore(), PASSWORD, actor=practitioner_user,
                   source_name=FILE_NAME, now=NOW).code == keystore_import.THROTTLED
    # and an attempt after the window works
    later = NOW + timedelta(seconds=settings.KEYSTORE_PASSWORD_FAILURE_WINDOW + 1)
    assert change(certificate, practitioner_user, now=later)


def test_passwords_never_logged(practitioner_record, practitioner_user, caplog):
    certificate = imported(practitioner_record)
    caplog.set_level(logging.DEBUG)

    refused(change, certificate, practitioner_user, current="wrong password 1")
    change(certificate, practitioner_user)

    assert "wrong password 1" not in caplog.text and NEW_PASSWORD not in caplog.text and PASSWORD not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_removal_holding_the_row_makes_the_change_wait_then_refuse(postgres, practitioner_record):
    """select_for_update: the change waits for the concurrent removal's commit, then finds the certificate gone."""
    user = make_user("jan2")
    certificate = imported(practitioner_record)
    before = stored_bytes(certificate)
    locked, outcomes = threading.Event(), []

    def remove_slowly():
        try:
            with transaction.atomic():
                Certificate.objects.select_for_update().get(pk=certificate.pk)
                locked.set()
                time.sleep(0.5)
                keystore_import.remove_certificate(certificate, actor=user)
        finally:
            connection.close()

    def change_password():
        try:
            locked.wait(5)
            outcomes.append(refused(change, certificate, user).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=remove_slowly), threading.Thread(target=change_password)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == [password_change.NOT_ACTIVE]
    assert_unchanged(certificate, before)


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_current_passwords_cannot_pass_the_limit(postgres, practitioner_record, practitioner_user, monkeypatch):
    certificate = imported(practitioner_record)
    attempts = 12
    barrier = threading.Barrier(attempts)
    tried = []
    change_password = writer.change_password

    def counted_change(*args, **kwargs):
        tried.append(1)
        return change_password(*args, **kwargs)

    monkeypatch.setattr(writer, "change_password", counted_change)
    outcomes = []

    def attempt(number):
        try:
            barrier.wait()
            outcomes.append(refused(change, certificate, practitioner_user, current=f"wrong password {number}", now=NOW).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    errors = outcomes
    assert 1 <= len(tried) == errors.count(password_change.WRONG_PASSWORD) <= 5  # never more than the limit
    assert errors.count(password_change.THROTTLED) == attempts - len(tried)


def test_expired_downloads_are_purged_daily_by_beat_and_by_the_cron_command(settings, practitioner_record, practitioner_user):
    from django.core.management import call_command

    from ehealth_certs.reminders import tasks

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert str(schedule["ehealth_certs.tasks.purge_expired_downloads"]) == "<crontab: 30 3 * * * (m/h/dM/MY/d)>"

    def offer(seconds_ago):
        password_change.create_download(practitioner_user, practitioner_record, b"x", "k.p12",
                                        now=timezone.now() - timedelta(seconds=seconds_ago))  # fmt: skip

    offer(0)
    offer(settings.KEYSTORE_DOWNLOAD_TTL + 60)  # expired: only the next new one would drop it today
    assert tasks.purge_expired_downloads.apply().get() == 1
    assert KeystoreDownload.objects.count() == 1

    out = io.StringIO()
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.KEYSTORE_DOWNLOAD_TTL + 1)):
        call_command("send_expiry_reminders", stdout=out, stderr=io.StringIO())
    assert not KeystoreDownload.objects.exists()
    assert "1 expired one-time keystore download(s) deleted." in out.getvalue()
