"""Revocation status from the CA's OCSP responder: at upload, in `keystore inspect`, and in the daily scan.

A real responder (``openssl ocsp`` on 127.0.0.1, tests/ocsp_responder.py) answers good, revoked
and unknown; a silent one proves the timeout.
"""
from __future__ import annotations

import io
import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from ehealth_certs import keystore_text
from ehealth_certs.reminders import revocation_check
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import Certificate, CertificateState, RevocationCheck, RevocationNotice
from oxygen.errors import Refused
from tests import pki
from tests.ehealth_certs.keystores import PASSWORD
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

FILE_NAME = "SSIN=85073003328 20260301-101500.p12"


@pytest.fixture
def revocation_on(settings):
    settings.EHEALTH_REVOCATION_CHECK = True
    settings.EHEALTH_REVOCATION_TIMEOUT = 2.0
    return settings


def keystore_for(auth: pki.Issued) -> bytes:
    production = pki.production_pki()
    return pki.python_keystore(pki.ehealth_entries(production, auth, [pki.encryption_certificate(auth)]))


def import_(record, auth: pki.Issued, **options):
    return keystore_import.import_keystore(record, keystore_for(auth), PASSWORD, source_name=FILE_NAME, **options)


# --------------------------------------------------------------------------- at upload


@pytest.mark.slow
def test_a_good_certificate_is_imported_with_its_revocation_status(ocsp_responder, revocation_on, practitioner_record):
    auth = ocsp_responder.person_certificate()
    ocsp_responder.set(auth.cert)

    outcome = import_(practitioner_record, auth)

    assert outcome.imported and outcome.warnings == []
    certificate = Certificate.objects.get(pk=outcome.certificate.pk)
    assert certificate.revocation_check == RevocationCheck.GOOD
    assert certificate.revocation_confirmed_at is not None and certificate.ocsp_url == ocsp_responder.url
    assert bytes(certificate.certificate_der) == pki.der_certificate(auth.cert)
    assert bytes(certificate.issuer_der) == pki.der_certificate(pki.production_pki().issuing.cert)


@pytest.mark.slow
@pytest.mark.parametrize(
    "language, words",
    [
        ("en", ["revoked by the certification authority on 02/03/2026", "key compromised"]),
        ("fr", ["révoqué par l'autorité de certification le 02/03/2026", "clé compromise"]),
        ("nl", ["herroepen door de certificeringsinstantie op 02/03/2026", "sleutel gecompromitteerd"]),
    ],
)
def test_a_revoked_certificate_is_refused_with_its_date_and_reason(
    language, words, ocsp_responder, revocation_on, practitioner_record
):
    auth = ocsp_responder.person_certificate()
    ocsp_responder.set(auth.cert, revoked_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), reason="keyCompromise")

    with pytest.raises(Refused) as refused:
        import_(practitioner_record, auth)

    assert refused.value.code == "revoked"
    with translation.override(language):
        message = str(refused.value.params["outcome"].message)
    for word in words:
        assert word in message
    assert not Certificate.objects.exists()


@pytest.mark.slow
def test_a_certificate_the_responder_does_not_know_is_imported_with_a_warning(
    ocsp_responder, revocation_on, practitioner_record
):
    auth = ocsp_responder.person_certificate()  # not in the responder's index: "unknown"

    outcome = import_(practitioner_record, auth)

    assert outcome.imported and outcome.warnings == ["revocation_unknown"]
    assert Certificate.objects.get().revocation_check == RevocationCheck.UNKNOWN
    assert "could not be asked" in keystore_text.warning_message("revocation_unknown")


def test_a_silent_responder_gives_a_warning_after_the_timeout(silent_responder, revocation_on, practitioner_record):
    revocation_on.EHEALTH_REVOCATION_TIMEOUT = 0.5
    auth = pki.person_certificate(pki.production_pki(), ocsp_url=silent_responder.url)
    started = time.monotonic()

    outcome = import_(practitioner_record, auth)

    assert outcome.imported and outcome.warnings == ["revocation_unknown"]
    assert time.monotonic() - started < 5
    assert Certificate.objects.get().revocation_check == RevocationCheck.UNKNOWN


def test_checks_off_ask_nothing_and_say_so(silent_responder, settings, practitioner_record):
    settings.EHEALTH_REVOCATION_CHECK = False
    auth = pki.person_certificate(pki.production_pki(), ocsp_url=silent_responder.url)

    outcome = import_(practitioner_record, auth)

    assert outcome.imported and outcome.warnings == [] and outcome.result.revocation == "not_checked"
    assert silent_responder.connections == []
    certificate = Certificate.objects.get()
    assert (certificate.revocation_check, certificate.revocation_checked_at) == (RevocationCheck.NOT_CHECKED, None)


def test_the_setting_reads_off_from_the_environment(monkeypatch) -> None:
    import environ

    monkeypatch.setenv("EHEALTH_REVOCATION_CHECK", "off")
    assert environ.Env().bool("EHEALTH_REVOCATION_CHECK", default=True) is False
    monkeypatch.delenv("EHEALTH_REVOCATION_CHECK")
    assert environ.Env().bool("EHEALTH_REVOCATION_CHECK", default=True) is True


@pytest.mark.slow
def test_inspect_reports_a_revoked_certificate(ocsp_responder, revocation_on, tmp_path):
    auth = ocsp_responder.person_certificate()
    ocsp_responder.set(auth.cert, revoked_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), reason="superseded")
    path = tmp_path / FILE_NAME
    path.write_bytes(keystore_for(auth))
    stdout = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("keystore", "inspect", str(path), "--password-stdin", "--json", stdin=io.StringIO(PASSWORD + "\n"), stdout=stdout)

    document = json.loads(stdout.getvalue())
    assert error.value.returncode == 1
    assert (document["error"], document["revocation"]) == ("revoked", "revoked")
    assert "02/03/2026" in document["message"] and "replaced by a new certificate" in document["message"]


# --------------------------------------------------------------------------- the daily scan


def record_page(client, user, record) -> str:
    client.force_login(user)
    return client.get(reverse("practitioners:detail", kwargs={"public_id": record.public_id})).content.decode()


def button(page: str) -> str:
    return re.search(r'<div[^>]*id="certificate-button".*?</div>', page, re.S).group(0)


@pytest.mark.slow
def test_a_certificate_revoked_after_upload_is_found_by_the_next_daily_scan(
    ocsp_responder, revocation_on, practitioner_record, administrator, client
):
    administrator.email = "admin@example.be"
    administrator.save()
    auth = ocsp_responder.person_certificate()
    ocsp_responder.set(auth.cert)
    assert import_(practitioner_record, auth).imported
    assert 'data-status="valid"' in button(record_page(client, administrator, practitioner_record))

    ocsp_responder.set(auth.cert, revoked_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), reason="keyCompromise")
    call_command("send_expiry_reminders", stdout=io.StringIO())

    certificate = Certificate.objects.get()
    assert certificate.state == CertificateState.REVOKED and certificate.revoked_by_ca
    assert certificate.revoked_by_ca_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert (certificate.ca_revocation_reason, certificate.revocation_reason, certificate.revoked_by) == ("keyCompromise", "", None)
    shown = button(record_page(client, administrator, practitioner_record))
    assert 'data-status="revoked"' in shown and 'data-revoked-by="ca"' in shown and "btn-danger" in shown
    assert "eHealth certificate revoked (02/03/2026)" in shown
    # The practitioner (Dutch) is told once; the administrators' digest lists the certificate.
    [notice] = [message for message in mail.outbox if message.to == [practitioner_record.email]]
    assert notice.extra_headers["Content-Language"] == "nl" and "herroepen" in notice.subject
    assert "02/03/2026" in notice.body and "sleutel gecompromitteerd" in notice.body
    [digest] = [message for message in mail.outbox if message.to == ["admin@example.be"]]
    assert "PEETERS Jan" in digest.body and "to renew" not in digest.body and "revoked on 02/03/2026" in digest.body
    # The next day: nothing more for the practitioner.
    call_command("send_expiry_reminders", "--today", (timezone.localdate() + timedelta(days=1)).isoformat(), stdout=io.StringIO())
    assert RevocationNotice.objects.count() == 1
    assert len([message for message in mail.outbox if message.to == [practitioner_record.email]]) == 1


def test_the_scan_keeps_working_when_the_responder_is_down(silent_responder, revocation_on, practitioner_record):
    revocation_on.EHEALTH_REVOCATION_TIMEOUT = 0.3
    auth = pki.person_certificate(pki.production_pki(), ocsp_url=silent_responder.url)
    assert import_(practitioner_record, auth).imported
    Certificate.objects.update(revocation_checked_at=None)

    call_command("send_expiry_reminders", stdout=io.StringIO())

    certificate = Certificate.objects.get()
    assert certificate.state == CertificateState.ACTIVE and certificate.revocation_check == RevocationCheck.UNKNOWN
    assert certificate.revocation_checked_at is not None and certificate.revocation_confirmed_at is None
    assert not RevocationNotice.objects.exists()


def test_the_scan_asks_a_few_responders_at_a_time(revocation_on, monkeypatch, practitioner_record, other_record):
    """Bounded concurrency: never more requests in flight than EHEALTH_REVOCATION_CHECK_WORKERS."""
    import threading

    from ehealth_certs.keystore import ocsp

    revocation_on.EHEALTH_REVOCATION_CHECK_WORKERS = 2
    records = [practitioner_record, other_record] + [_record(index) for index in range(4)]
    for record in records:
        Certificate.objects.create(
            practitioner=record, encrypted_keystore=b"x", subject="CN=x", issuer="CN=ca", serial="1",
            fingerprint_sha256="0" * 64, environment="production", not_before=pki.NOW - timedelta(days=1),
            not_after=pki.NOW + timedelta(days=900), file_size=1, uploaded_at=pki.NOW, uploaded_via="web",
            ocsp_url="http://127.0.0.1:9", certificate_der=pki.der_certificate(pki.person_certificate(pki.production_pki()).cert),
            issuer_der=pki.der_certificate(pki.production_pki().issuing.cert),
        )  # fmt: skip
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow_check(*args, **kwargs):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.1)
        with lock:
            in_flight[0] -= 1
        return ocsp.OcspAnswer(ocsp.OcspStatus.GOOD)

    monkeypatch.setattr(ocsp, "check", slow_check)

    scan = revocation_check.check_revocations()

    assert scan.good == 6 and peak[0] == 2
    assert set(Certificate.objects.values_list("revocation_check", flat=True)) == {RevocationCheck.GOOD}


def _record(index: int):
    from tests.factories import make_practitioner

    return make_practitioner(niss="", birth_date=None, sex="", last_name=f"Nummer{index}", email="")


def test_a_practitioner_without_e_mail_gets_no_notice_but_the_digest_lists_them(revocation_on, monkeypatch, practitioner_record):
    from ehealth_certs.keystore import ocsp
    from ehealth_certs.reminders import delivery, scan

    practitioner_record.email = ""
    practitioner_record.save()
    admin = make_user("boss", email="boss@example.be", is_superuser=True)
    certificate = Certificate.objects.create(
        practitioner=practitioner_record, encrypted_keystore=b"x", subject="CN=x", issuer="CN=ca", serial="1",
        fingerprint_sha256="0" * 64, environment="production", not_before=pki.NOW - timedelta(days=1),
        not_after=pki.NOW + timedelta(days=900), file_size=1, uploaded_at=pki.NOW, uploaded_via="web",
        ocsp_url="http://127.0.0.1:9", certificate_der=b"", issuer_der=b"",
    )  # fmt: skip
    revoked_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(ocsp, "check", lambda *a, **k: ocsp.OcspAnswer(ocsp.OcspStatus.REVOKED, revoked_at=revoked_at))
    monkeypatch.setattr(revocation_check, "_ask", lambda row, *a: ocsp.check())

    check = revocation_check.check_revocations()
    scan.scan_expiring()
    for pk in delivery.owed().digest_ids:
        delivery.deliver_digest(pk)

    assert check.revoked_ids == [certificate.pk] and check.notice_ids == []
    [digest] = mail.outbox
    assert digest.to == [admin.email] and "revoked by the certification authority" in digest.subject
    assert "no reason given" in digest.body


# --------------------------------------------------------------------------- the upload page


def post_keystore(client, record, auth: pki.Issued, language: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("ehealth_certs:upload", kwargs={"public_id": record.public_id})
    data = {"keystore": SimpleUploadedFile(FILE_NAME, keystore_for(auth)), "password": PASSWORD}
    return client.post(url, data, headers={"accept-language": language}, follow=True)


@pytest.mark.slow
def test_the_upload_page_says_revoked_in_french_and_stores_nothing(
    ocsp_responder, revocation_on, client, practitioner_record, administrator
):
    auth = ocsp_responder.person_certificate()
    ocsp_responder.set(auth.cert, revoked_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), reason="cessationOfOperation")
    client.force_login(administrator)

    response = post_keystore(client, practitioner_record, auth, "fr")

    page = response.content.decode()
    assert response.status_code == 200
    assert "révoqué par l&#x27;autorité de certification le 02/03/2026 (cessation d&#x27;activité)" in page
    assert not Certificate.objects.exists()


def test_the_upload_page_warns_in_dutch_when_the_responder_is_silent(
    silent_responder, revocation_on, client, practitioner_record, administrator
):
    revocation_on.EHEALTH_REVOCATION_TIMEOUT = 0.5
    auth = pki.person_certificate(pki.production_pki(), ocsp_url=silent_responder.url)
    client.force_login(administrator)

    response = post_keystore(client, practitioner_record, auth, "nl")

    page = response.content.decode()
    assert "Er kon niet bij de certificeringsinstantie worden nagegaan" in page
    assert Certificate.objects.get().state == CertificateState.ACTIVE
