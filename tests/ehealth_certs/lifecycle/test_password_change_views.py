"""Password change pages: stored keystore (then a one-time download), uploaded keystore, who may."""
from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ehealth_certs.keystore import reader
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import KeystoreDownload, KeystorePasswordChange
from tests.ehealth_certs.keystores import PASSWORD, person_keystore

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ehealth_settings")]

NEW = "N3w-keystore pass"
FILE_NAME = "SSIN=85073003328 20250314-101500.p12"


@pytest.fixture
def certificate(practitioner_record):
    outcome = keystore_import.import_keystore(practitioner_record, person_keystore(), PASSWORD, source_name=FILE_NAME)
    return outcome.certificate


def password_url(record, certificate):
    return reverse("ehealth_certs:password", kwargs={"public_id": record.public_id, "certificate_id": certificate.public_id})


def file_url(record):
    return reverse("ehealth_certs:password_file", kwargs={"public_id": record.public_id})


def post_change(client, record, certificate, current=PASSWORD, new=NEW, confirmation=NEW):
    return client.post(
        password_url(record, certificate), {"current_password": current, "new_password": new, "confirmation": confirmation}
    )


def test_page_has_the_live_checks_without_inline_script(client, practitioner_record, practitioner_user, certificate):
    client.force_login(practitioner_user)

    page = client.get(password_url(practitioner_record, certificate)).content.decode()

    assert 'data-password-policy="new"' in page and 'data-password-policy="confirmation"' in page
    assert re.findall(r'data-rule="(\w+)"', page) == ["length", "characters", "digit_or_symbol", "confirmation"]
    assert "</span> The confirmation matches the new password.</li>" in page
    assert '<script id="password-policy" type="application/json">' in page
    assert "/static/js/password_policy.js" in page
    assert not re.search(r"<script(?![^>]*(src=|application/json))[^>]*>", page)  # no inline script
    assert 'style="' not in page


def test_change_then_download_once(client, practitioner_record, practitioner_user, certificate):
    client.force_login(practitioner_user)

    response = post_change(client, practitioner_record, certificate)

    assert response.status_code == 302
    download_page = client.get(response.url)
    assert download_page.status_code == 200 and "no-store" in download_page["Cache-Control"]
    file_link = re.search(r'id="download-keystore" href="([^"]+)"', download_page.content.decode()).group(1)
    assert client.get(response.url).status_code == 200  # showing the page does not use the download

    download = client.get(file_link)

    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{FILE_NAME}"'
    assert download["Cache-Control"] == "no-store"
    assert download["Content-Type"] == "application/x-pkcs12"
    assert reader.read_keystore(download.content, NEW)
    assert download.content == keystore_import.stored_keystore(certificate)
    # once
    again = client.get(file_link, follow=True)
    assert "no longer available" in again.content.decode()
    assert client.get(response.url).status_code == 410


def test_download_is_for_the_same_user_only(client, practitioner_record, practitioner_user, administrator, certificate):
    client.force_login(practitioner_user)
    page_url = post_change(client, practitioner_record, certificate).url
    file_link = page_url + "file/"

    client.force_login(administrator)
    assert client.get(page_url).status_code == 410
    assert client.get(file_link).status_code == 302  # refused: back to the page that says so
    assert KeystoreDownload.objects.count() == 1

    client.force_login(practitioner_user)
    assert client.get(file_link).status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "confirmation", "message"),
    [
        ("wrong pass 1", NEW, NEW, "The current password does not open this keystore"),
        (PASSWORD, "short1", "short1", "At least 8 characters."),
        (PASSWORD, "accentué-1", "accentué-1", "Only accepted characters"),
        (PASSWORD, "nodigitsatall", "nodigitsatall", "At least one digit or symbol."),
        (PASSWORD, NEW, NEW + "x", "The confirmation does not match the new password: type the same password twice."),
        (PASSWORD, PASSWORD, PASSWORD, "the same as the current one"),
        ("", NEW, NEW, "This field is required"),
    ],
)
def test_failures_show_a_clear_message_echo_nothing_and_change_nothing(
    current, new, confirmation, message, client, practitioner_record, administrator, certificate
):
    before = keystore_import.stored_keystore(certificate)
    client.force_login(administrator)

    response = post_change(client, practitioner_record, certificate, current, new, confirmation)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    for secret in {current, new, confirmation} - {""}:
        assert f'value="{secret}"' not in page
    assert keystore_import.stored_keystore(certificate) == before
    assert not KeystorePasswordChange.objects.exists() and not KeystoreDownload.objects.exists()


def test_throttled_attempts_get_429(settings, client, practitioner_record, practitioner_user, certificate):
    settings.KEYSTORE_PASSWORD_MAX_FAILURES = 1
    client.force_login(practitioner_user)
    post_change(client, practitioner_record, certificate, current="wrong pass 1")

    response = post_change(client, practitioner_record, certificate)

    assert response.status_code == 429 and "try again after" in response.content.decode()


def test_who_may_change_the_password(client, practitioner_record, certificate, front_desk, other_practitioner_user):
    for user in (front_desk, other_practitioner_user):
        client.force_login(user)
        assert client.get(password_url(practitioner_record, certificate)).status_code == 403
        assert post_change(client, practitioner_record, certificate).status_code == 403
        assert client.get(file_url(practitioner_record)).status_code == 403
    client.logout()
    assert client.get(password_url(practitioner_record, certificate)).status_code == 302  # to the login page
    assert not KeystorePasswordChange.objects.exists()


def test_record_shows_the_actions_to_whom_may_use_them(client, practitioner_record, certificate, practitioner_user, front_desk):
    client.force_login(practitioner_user)
    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert 'id="action-password"' in page and 'id="action-revoke"' in page and 'id="action-eid"' in page

    client.force_login(front_desk)
    page = client.get(practitioner_record.get_absolute_url()).content.decode()
    assert 'id="action-password"' not in page and 'id="action-revoke"' not in page
    assert 'id="action-eid"' in page
    assert 'id="certificate-button"' in page  # the existing button stays


def test_inactive_certificate_password_page_redirects(client, practitioner_record, administrator, certificate):
    keystore_import.remove_certificate(certificate)
    client.force_login(administrator)

    response = client.get(password_url(practitioner_record, certificate), follow=True)

    assert "no longer active" in response.content.decode()


def test_uploaded_keystore_comes_back_reencrypted(client, practitioner_record, practitioner_user):
    client.force_login(practitioner_user)
    data = person_keystore()

    response = client.post(file_url(practitioner_record), {
        "keystore": SimpleUploadedFile(FILE_NAME, data), "current_password": PASSWORD, "new_password": NEW, "confirmation": NEW,
    })

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{FILE_NAME}"'
    assert "no-store" in response["Cache-Control"]
    entries = reader.read_keystore(response.content, NEW)
    assert [entry.alias for entry in entries] == [entry.alias for entry in reader.read_keystore(data, PASSWORD)]
    assert not KeystoreDownload.objects.exists()


def test_uploaded_keystore_with_a_wrong_password(client, practitioner_record, practitioner_user):
    client.force_login(practitioner_user)

    response = client.post(file_url(practitioner_record), {
        "keystore": SimpleUploadedFile(FILE_NAME, person_keystore()), "current_password": "nope nope 1",
        "new_password": NEW, "confirmation": NEW,
    })

    assert response.status_code == 200 and 'data-error="wrong_password"' in response.content.decode()


def test_uploaded_file_that_is_not_a_keystore(client, practitioner_record, practitioner_user):
    client.force_login(practitioner_user)

    response = client.post(file_url(practitioner_record), {
        "keystore": SimpleUploadedFile("notes.txt", b"hello"), "current_password": PASSWORD, "new_password": NEW, "confirmation": NEW,
    })

    assert response.status_code == 200 and 'data-error="not_keystore"' in response.content.decode()


def test_earlier_changes_are_listed_with_who_and_when(client, practitioner_record, practitioner_user, certificate):
    client.force_login(practitioner_user)
    post_change(client, practitioner_record, certificate)

    page = client.get(password_url(practitioner_record, certificate)).content.decode()

    assert 'id="password-changes"' in page and "by jan" in page
