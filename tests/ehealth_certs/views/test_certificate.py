"""Certificate pages: the button on the record, upload, details, removal, and the registry filter."""
from __future__ import annotations

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import Certificate, CertificateState
from tests import pki
from tests.ehealth_certs.keystores import (
    OTHER_SSIN,
    PASSWORD,
    mismatched_keystore,
    person_keystore,
    post_keystore,
    upload_url,
)
from tests.factories import make_practitioner, stored_certificate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

def button(page: str) -> str:
    match = re.search(r'<div[^>]*id="certificate-button".*?</div>', page, re.S)
    assert match, "no certificate button on the page"
    return match.group(0)


# --------------------------------------------------------------------------- a practitioner imports their keystore


@pytest.mark.parametrize("layout", ["modern", "legacy"])
def test_practitioner_imports_own_java_keystore_and_sees_the_green_button(
    client, practitioner_user, practitioner_record, java_keystores, auth, layout
):
    client.force_login(practitioner_user)

    response = post_keystore(client, practitioner_record, java_keystores[layout])

    certificate = Certificate.objects.get(practitioner=practitioner_record, state=CertificateState.ACTIVE)
    assert response.status_code == 302
    assert response.url == reverse(
        "ehealth_certs:detail", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id}
    )
    expiry = timezone.localtime(auth.cert.not_valid_after_utc).strftime("%d/%m/%Y")
    detail = client.get(response.url).content.decode()
    assert f"It is valid until {expiry}" in detail
    entries = re.search(r'<table[^>]*id="keystore-entries".*?</table>', detail, re.S).group(0)
    assert entries.count('data-kind="authentication"') == 1
    assert entries.count('data-kind="encryption"') == 2
    assert entries.count('data-kind="ca"') == 2
    assert "SSIN=85073003328" in entries

    record_page = client.get(practitioner_record.get_absolute_url()).content.decode()
    html = button(record_page)
    assert 'data-status="valid"' in html and "btn-success" in html
    assert f"eHealth certificate ({expiry})" in html
    assert upload_url(practitioner_record) in html
    assert reverse(
        "ehealth_certs:remove", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id}
    ) in html


@pytest.mark.django_db(transaction=True)
def test_a_web_upload_validates_outside_any_transaction(
    client, practitioner_user, practitioner_record, java_keystores, transactions_open_during_validation
):
    """ATOMIC_REQUESTS would wrap the key derivations and the OCSP request in the page's transaction."""
    client.force_login(practitioner_user)

    assert post_keystore(client, practitioner_record, java_keystores["modern"]).status_code == 302
    assert transactions_open_during_validation == [False]
    assert Certificate.objects.filter(practitioner=practitioner_record, state=CertificateState.ACTIVE).count() == 1


def test_upload_page_explains_where_the_keystore_is(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    page = client.get(upload_url(practitioner_record)).content.decode()

    help_text = re.search(r'<ul id="keystore-help">.*?</ul>', page, re.S).group(0)
    assert "~/ehealth/keystore/" in help_text
    assert "85073003328" in help_text and "most recent" in help_text
    assert ".acc-p12" in help_text
    assert 'type="password"' in page and 'type="file"' in page
    form = re.search(r'<form[^>]*id="keystore-upload".*?</form>', page, re.S).group(0)
    assert form.count("<form") == 1  # one form: the file, the password and the submit button together
    assert 'name="keystore"' in form and 'name="password"' in form and 'type="submit"' in form
    assert "No eHealth certificate" in button(page)


def test_administrator_imports_for_any_record(client, administrator, other_record):
    client.force_login(administrator)

    response = post_keystore(client, other_record, person_keystore(ssin=OTHER_SSIN))

    assert response.status_code == 302
    certificate = Certificate.objects.get(practitioner=other_record)
    assert certificate.uploaded_by == administrator and certificate.uploaded_via == "web"


def test_expiring_keystore_is_imported_with_a_warning(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    response = post_keystore(client, practitioner_record, person_keystore(not_after_days=30), name="x.p12")
    page = client.get(response.url).content.decode()

    assert "expires within 3 months" in page
    assert 'id="certificate-warning"' in page


# --------------------------------------------------------------------------- every error gets its message


def bad_uploads():
    return {
        "too_large": (lambda: b"\x30" * (256 * 1024 + 1), "too large"),
        "not_pkcs12": (pki.pdf_bytes, "not an eHealth keystore"),
        "no_authentication_entry": (lambda: person_keystore(auth_alias="signature"), 'no "authentication" key entry'),
        "key_mismatch": (mismatched_keystore, "does not belong to its private key"),
        "not_yet_valid": (lambda: person_keystore(not_before_days=10), "is not valid before"),
        "expired": (lambda: person_keystore(not_before_days=-1000, not_after_days=-1), "expired on"),
        "untrusted_chain": (lambda: person_keystore(rogue=True), "not issued by a trusted eHealth"),
        "environment_mismatch": (lambda: person_keystore("acceptance"), "acceptance (test) environment"),
        "identity_mismatch": (lambda: person_keystore(ssin=OTHER_SSIN), "belongs to Jan Peeters (NISS 03.02.15-004.40)"),
    }


@pytest.mark.parametrize("code", list(bad_uploads()))
def test_each_bad_keystore_gets_its_own_message_and_nothing_is_stored(client, practitioner_user, practitioner_record, code):
    make_data, expected_text = bad_uploads()[code]
    client.force_login(practitioner_user)

    response = post_keystore(client, practitioner_record, make_data())

    assert response.status_code == 200
    page = response.content.decode()
    alert = re.search(r'<div[^>]*id="import-error"[^>]*>(.*?)</div>', page, re.S)
    assert alert and f'data-error="{code}"' in page
    assert expected_text in alert.group(1).replace("&quot;", '"')
    assert not Certificate.objects.exists()


def test_wrong_password_message_and_older_than_active(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    page = post_keystore(client, practitioner_record, person_keystore(), "wrong-one").content.decode()
    assert 'data-error="wrong_password"' in page and "The password does not open this keystore." in page

    post_keystore(client, practitioner_record, person_keystore())
    page = post_keystore(client, practitioner_record, person_keystore(not_after_days=400)).content.decode()
    assert 'data-error="older_than_active"' in page and "Pick the most recent keystore file" in page
    assert Certificate.objects.count() == 1


def test_missing_file_or_password_is_a_form_error(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)

    response = client.post(upload_url(practitioner_record), {"password": PASSWORD})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(upload_url(practitioner_record), {"keystore": SimpleUploadedFile("k.p12", person_keystore())})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not Certificate.objects.exists()


def test_throttled_upload_says_when_to_retry(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)
    for _attempt in range(5):
        post_keystore(client, practitioner_record, person_keystore(), "wrong")

    response = post_keystore(client, practitioner_record, person_keystore())

    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-error="throttled"' in page and "try again after" in page
    assert not Certificate.objects.exists()


# --------------------------------------------------------------------------- the password never comes back


def test_password_never_appears_in_responses_or_logs(client, practitioner_user, practitioner_record, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(practitioner_user)
    wrong = "Wr0ng-Secret-Password!"

    responses = [post_keystore(client, practitioner_record, person_keystore(), wrong)]
    responses.append(post_keystore(client, practitioner_record, person_keystore(), PASSWORD))
    responses.append(client.get(responses[-1].url))
    responses.append(client.get(practitioner_record.get_absolute_url()))
    responses.append(client.get(upload_url(practitioner_record)))

    for response in responses:
        body = response.content.decode()
        assert wrong not in body and PASSWORD not in body
        assert wrong not in response.get("Location", "") and PASSWORD not in response.get("Location", "")
    assert 'value="' + wrong not in responses[0].content.decode()
    assert wrong not in caplog.text and PASSWORD not in caplog.text


# --------------------------------------------------------------------------- who may do what


def test_practitioner_cannot_upload_to_another_record(client, practitioner_user, other_record):
    client.force_login(practitioner_user)

    assert client.get(upload_url(other_record)).status_code == 403
    assert post_keystore(client, other_record, person_keystore(ssin=OTHER_SSIN)).status_code == 403
    assert not Certificate.objects.exists()


def test_front_desk_sees_the_status_but_no_upload_form_nor_key_material(client, front_desk, practitioner_record):
    certificate = keystore_import.import_keystore(practitioner_record, person_keystore(), PASSWORD, source_name="k.p12").certificate
    client.force_login(front_desk)

    assert client.get(upload_url(practitioner_record)).status_code == 403
    assert post_keystore(client, practitioner_record, person_keystore(not_after_days=2000)).status_code == 403
    detail_kwargs = {"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id}
    assert client.get(reverse("ehealth_certs:detail", kwargs=detail_kwargs)).status_code == 403
    assert client.get(reverse("ehealth_certs:remove", kwargs=detail_kwargs)).status_code == 403
    assert client.post(reverse("ehealth_certs:remove", kwargs=detail_kwargs)).status_code == 403

    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    html = button(page)
    assert 'data-status="valid"' in html
    assert "<a" not in html and f'href="{upload_url(practitioner_record)}"' not in page
    assert 'type="file"' not in page and 'type="password"' not in page
    assert certificate.fingerprint_sha256 not in page and certificate.serial not in page
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.ACTIVE


def test_anonymous_users_go_to_the_login_page(client, practitioner_record):
    response = client.get(upload_url(practitioner_record))
    assert response.status_code == 302 and reverse("login") in response.url


def test_certificate_of_another_record_is_not_found_through_this_record(client, administrator, practitioner_record, other_record):
    foreign = stored_certificate(other_record, days_left=300)
    client.force_login(administrator)

    kwargs = {"public_id": practitioner_record.public_id, "certificate_id": foreign.public_id}
    assert client.get(reverse("ehealth_certs:detail", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("ehealth_certs:remove", kwargs=kwargs)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == CertificateState.ACTIVE


# --------------------------------------------------------------------------- removal, with confirmation


def test_remove_asks_for_confirmation_then_keeps_the_row_in_the_history(client, practitioner_user, practitioner_record):
    certificate = stored_certificate(practitioner_record, days_left=300)
    client.force_login(practitioner_user)
    url = reverse("ehealth_certs:remove", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id})

    confirmation = client.get(url)
    assert confirmation.status_code == 200 and 'id="confirm-remove"' in confirmation.content.decode()
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.ACTIVE  # nothing happens before the POST

    response = client.post(url)

    assert response.status_code == 302 and response.url == upload_url(practitioner_record)
    certificate.refresh_from_db()
    assert (certificate.state, certificate.removed_by) == (CertificateState.REMOVED, practitioner_user)
    page = client.get(response.url).content.decode()
    assert "has been removed" in page
    history = re.search(r'<table[^>]*id="certificate-history".*?</table>', page, re.S).group(0)
    assert 'data-state="removed"' in history and "jan" in history
    assert "No eHealth certificate" in button(page)
    again = client.post(url, follow=True).content.decode()
    assert "nothing to remove" in again


def test_other_practitioner_cannot_remove(client, other_practitioner_user, practitioner_record):
    certificate = stored_certificate(practitioner_record, days_left=300)
    client.force_login(other_practitioner_user)

    url = reverse("ehealth_certs:remove", kwargs={"public_id": practitioner_record.public_id, "certificate_id": certificate.public_id})
    assert client.post(url).status_code == 403
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.ACTIVE


# --------------------------------------------------------------------------- the button's colours


@pytest.mark.parametrize(
    ("days_left", "status", "colour", "text"),
    [
        (400, "valid", "btn-success", "eHealth certificate ("),
        (30, "expiring", "btn-warning", "expires soon"),
        (-1, "expired", "btn-danger", "eHealth certificate expired ("),
    ],
)
def test_button_colour_follows_the_status(client, front_desk, practitioner_record, days_left, status, colour, text):
    certificate = stored_certificate(practitioner_record, days_left=days_left)
    client.force_login(front_desk)

    html = button(client.get(practitioner_record.get_absolute_url()).content.decode())

    assert f'data-status="{status}"' in html and colour in html and text in html
    assert timezone.localtime(certificate.not_after).strftime("%d/%m/%Y") in html


def test_button_is_red_without_a_certificate_and_ignores_old_ones(client, front_desk, practitioner_record):
    stored_certificate(practitioner_record, days_left=400, state=CertificateState.REMOVED)
    client.force_login(front_desk)

    html = button(client.get(practitioner_record.get_absolute_url()).content.decode())

    assert 'data-status="none"' in html and "btn-danger" in html and "No eHealth certificate" in html


# --------------------------------------------------------------------------- the registry list


def test_registry_filters_by_certificate_status(client, front_desk):
    records = {
        "valid": make_practitioner(last_name="Valid", niss=""),
        "expiring": make_practitioner(last_name="Expiring", niss=""),
        "expired": make_practitioner(last_name="Expired", niss=""),
        "none": make_practitioner(last_name="Nothing", niss=""),
    }
    stored_certificate(records["valid"], days_left=400)
    stored_certificate(records["valid"], days_left=10, state=CertificateState.SUPERSEDED)
    stored_certificate(records["expiring"], days_left=20)
    stored_certificate(records["expired"], days_left=-3)
    stored_certificate(records["none"], days_left=400, state=CertificateState.REMOVED)
    client.force_login(front_desk)

    for status, record in records.items():
        response = client.get(reverse("practitioners:list"), {"certificate": status})
        assert [p.pk for p in response.context["practitioners"]] == [record.pk], status
        assert f'data-status="{status}"' in response.content.decode()
    everyone = client.get(reverse("practitioners:list")).content.decode()
    assert all(f'data-status="{status}"' in everyone for status in records)


def test_registry_list_query_count_does_not_grow_with_certificates(client, front_desk):
    client.force_login(front_desk)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("practitioners:list"), {"certificate": "valid"}).status_code == 200
        return len(queries)

    first = make_practitioner(last_name="One", niss="")
    stored_certificate(first, days_left=400)
    count_queries()  # the session's first request after the login records its activity (one write)
    baseline = count_queries()
    for index in range(5):
        record = make_practitioner(last_name=f"More{index}", niss="")
        stored_certificate(record, days_left=400)
        stored_certificate(record, days_left=100, state=CertificateState.SUPERSEDED)
    assert count_queries() == baseline
