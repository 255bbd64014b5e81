"""Issue 11 on the record's certificate: redirects land on the certificate tab, with a message; an
expired certificate shows how to request a new one and offers no password change."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import Certificate, CertificateState
from tests.ehealth_certs.keystores import PASSWORD, person_keystore
from tests.factories import make_certificate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

FILE_NAME = "SSIN=85073003328 20250314-101500.p12"


def imported(record, days: int) -> Certificate:
    outcome = keystore_import.import_keystore(record, person_keystore(not_after_days=days), PASSWORD, source_name=FILE_NAME)
    assert outcome.imported, outcome.message
    return outcome.certificate


def url(name: str, record, certificate) -> str:
    return reverse(f"ehealth_certs:{name}", kwargs={"public_id": record.public_id, "certificate_id": certificate.public_id})


def open_pane(page: str) -> str:
    [pane] = re.findall(r'<div class="tab-pane fade show active" id="([a-z]+)"[^>]*>(.*?)\n  </div>\n(?=  <div class="tab-pane|</div>)', page, re.S)
    return pane[0] + ":" + pane[1]


def test_ticking_a_renewal_step_reloads_onto_the_certificate_tab_with_a_message(client, practitioner_record, practitioner_user):
    certificate = imported(practitioner_record, 60)
    client.force_login(practitioner_user)

    response = client.post(url("renewal_step", practitioner_record, certificate), {"step": "renew", "done": "1"})

    assert response.url == practitioner_record.get_absolute_url() + "?tab=provider#renewal-panel"
    page = client.get(response.url).content.decode()
    assert open_pane(page).startswith("provider:") and 'id="renewal-panel"' in open_pane(page)
    assert "Step “Renew the certificate with the eID card” is marked as done." in page

    client.post(url("renewal_step", practitioner_record, certificate), {"step": "renew", "done": "0"})
    assert "Step “Renew the certificate with the eID card” is marked as not done." in client.get(response.url).content.decode()


def test_after_a_revocation_the_record_opens_on_the_steps_and_their_import_link(client, practitioner_record, administrator):
    certificate = imported(practitioner_record, 400)
    client.force_login(administrator)

    response = client.post(url("revoke", practitioner_record, certificate), {
        "reason": "forgotten_password", "revocation_date": timezone.localdate().isoformat(),
    })  # fmt: skip

    assert response.url == practitioner_record.get_absolute_url() + "?tab=provider#revocation-steps"
    pane = open_pane(client.get(response.url).content.decode())
    assert pane.startswith("provider:") and 'id="revocation-steps"' in pane
    upload = reverse("ehealth_certs:upload", kwargs={"public_id": practitioner_record.public_id})
    assert f'<a href="{upload}">Import the new keystore here</a>' in pane


def test_the_printed_record_says_the_certificate_is_revoked_as_the_record_does(client, practitioner_record, administrator):
    certificate = imported(practitioner_record, 400)
    client.force_login(administrator)
    client.post(url("revoke", practitioner_record, certificate), {
        "reason": "forgotten_password", "revocation_date": timezone.localdate().isoformat(),
    })  # fmt: skip
    revoked = f"eHealth certificate revoked ({timezone.localdate():%d/%m/%Y})"
    assert revoked in client.get(practitioner_record.get_absolute_url()).content.decode()

    printed = client.get(reverse("practitioners:print", kwargs={"public_id": practitioner_record.public_id})).content.decode()

    [sentence] = re.findall(r'<p id="print-certificate">(.*?)</p>', printed, re.S)
    assert " ".join(sentence.split()) == revoked


def test_certificate_pages_lead_back_to_the_certificate_tab(client, practitioner_record, practitioner_user):
    certificate = imported(practitioner_record, 400)
    client.force_login(practitioner_user)
    back = f'href="{practitioner_record.get_absolute_url()}?tab=provider"'
    for page in (
        reverse("ehealth_certs:upload", kwargs={"public_id": practitioner_record.public_id}),
        url("detail", practitioner_record, certificate),
        url("password", practitioner_record, certificate),
        url("revoke", practitioner_record, certificate),
    ):
        assert back in client.get(page).content.decode(), page


def test_an_expired_certificate_shows_the_new_request_steps_and_no_password_change(client, practitioner_record, practitioner_user):
    certificate = make_certificate(practitioner_record, timezone.now() - timedelta(days=3), now=timezone.now())
    client.force_login(practitioner_user)

    page = client.get(practitioner_record.get_absolute_url() + "?tab=provider").content.decode()

    steps = re.search(r'<section id="expired-steps".*?</section>', page, re.S).group(0)
    assert "an expired certificate cannot be renewed" in steps
    assert "request a new certificate with the eID card and its PIN" in steps
    assert "Complete the request" in steps and "Import the new keystore here" in steps
    assert 'id="action-password"' not in page and "Change the keystore password" not in page
    assert 'id="action-password-file"' not in page
    assert 'id="renewal-panel"' not in page
    detail = client.get(url("detail", practitioner_record, certificate)).content.decode()
    assert "request a new certificate with the eID card and its PIN" in detail


def test_the_password_of_an_expired_certificate_cannot_be_changed(client, practitioner_record, practitioner_user):
    certificate = make_certificate(practitioner_record, timezone.now() - timedelta(days=3), now=timezone.now())
    client.force_login(practitioner_user)
    password_url = url("password", practitioner_record, certificate)

    for response in (
        client.get(password_url),
        client.post(password_url, {"current_password": PASSWORD, "new_password": "n3w-password", "confirmation": "n3w-password"}),
    ):
        assert response.status_code == 302
        assert response.url == practitioner_record.get_absolute_url() + "?tab=provider#expired-steps"
    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert "This certificate has expired: request a new certificate rather than changing its password." in page
    certificate.refresh_from_db()
    assert certificate.encrypted_keystore == b"x" and certificate.state == CertificateState.ACTIVE
    assert not certificate.password_changes.exists()


def test_a_valid_certificate_still_offers_the_password_change(client, practitioner_record, practitioner_user):
    imported(practitioner_record, 400)
    client.force_login(practitioner_user)
    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert 'id="action-password"' in page and 'id="expired-steps"' not in page
