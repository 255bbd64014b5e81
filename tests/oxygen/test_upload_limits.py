"""Oversized bodies are refused before they are read (oxygen/upload_limits.py); odd file names are stored safely."""
from __future__ import annotations

import http.client
import tracemalloc

import pytest
from django.urls import reverse

from ehealth_certs.models import Certificate
from ehealth_certs.lifecycle.keystore_import import FILE_NAME_MAX_LENGTH
from practitioners.models import Practitioner
from tests.ehealth_certs.keystores import PASSWORD, person_keystore

MB = 1024 * 1024
HUNDRED_MB = 100 * MB
BOUNDARY = "----oxygen-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class ZeroStream:
    """A request body of ``size`` zero bytes, produced only as far as somebody reads it."""

    def __init__(self, size: int):
        self.remaining = size
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.remaining
        size = min(size, self.remaining)
        self.remaining -= size
        self.bytes_read += size
        return b"\0" * size

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size if size is not None and size >= 0 else 64 * 1024)


def post_stream(client, url: str, stream, *, length: int | None, **extra):
    """POST ``stream`` as the body; with length None it goes chunked, without a Content-Length."""
    if length is None:
        extra.update(CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    else:
        extra["CONTENT_LENGTH"] = str(length)
    return client.generic("POST", url, CONTENT_TYPE=MULTIPART, **{"wsgi.input": stream}, **extra)


def measured(call):
    """``call()``'s result and the peak memory (bytes) allocated while it ran."""
    tracemalloc.start()
    try:
        result = call()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    """A multipart body written by hand, so file names reach the server exactly as given."""
    parts = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (file_name, content) in files.items():
        header = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
            "Content-Type: application/x-pkcs12\r\n\r\n"
        )
        parts.append(header.encode("utf-8", "surrogatepass") + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def import_url():
    return reverse("practitioners:import")


def upload_url(record) -> str:
    return reverse("ehealth_certs:upload", kwargs={"public_id": record.public_id})


# --------------------------------------------------------------------------- 100 MB with a Content-Length


@pytest.mark.django_db
def test_a_100_mb_csv_import_is_refused_with_413_before_a_byte_is_read(client, administrator, import_url):
    client.force_login(administrator)
    body = ZeroStream(HUNDRED_MB)

    response, peak = measured(lambda: post_stream(client, import_url, body, length=HUNDRED_MB))

    assert response.status_code == 413
    assert body.bytes_read == 0
    assert peak < 5 * MB, f"peak memory {peak} bytes"
    page = response.content.decode()
    assert 'id="body-too-large"' in page
    assert "at most 6 MB" in page
    assert Practitioner.objects.count() == 0


@pytest.mark.django_db
def test_the_keystore_page_has_a_smaller_cap(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)
    body = ZeroStream(2 * MB)

    response = post_stream(client, upload_url(practitioner_record), body, length=2 * MB)

    assert response.status_code == 413
    assert body.bytes_read == 0
    assert "at most 1 MB" in response.content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_a_body_under_the_cap_reaches_the_page(client, administrator, import_url):
    """2 MB is too much for a keystore page but fine for the CSV import: its own form answers."""
    client.force_login(administrator)
    content = b"last_name;first_names\n" + b"x" * (2 * MB)
    body = multipart({}, {"file": ("big.csv", content)})

    response = client.generic("POST", import_url, body, content_type=MULTIPART)

    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()


@pytest.mark.django_db
def test_the_413_page_speaks_the_users_language(client, administrator, import_url, settings):
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"

    response = post_stream(client, import_url, ZeroStream(HUNDRED_MB), length=HUNDRED_MB)

    assert response.status_code == 413
    assert '<html lang="nl">' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_oversized_login_post_is_refused_too(client):
    response = post_stream(client, reverse("login"), ZeroStream(HUNDRED_MB), length=HUNDRED_MB)

    assert response.status_code == 413


# --------------------------------------------------------------------------- chunked, without a Content-Length


@pytest.mark.django_db
def test_a_100_mb_chunked_body_is_refused_once_past_the_cap(client, administrator, import_url):
    client.force_login(administrator)
    body = ZeroStream(HUNDRED_MB)

    response, peak = measured(lambda: post_stream(client, import_url, body, length=None))

    assert response.status_code == 413
    assert body.bytes_read <= 6 * MB + 64 * 1024
    assert peak < 5 * MB, f"peak memory {peak} bytes"


class BytesStream(ZeroStream):
    def __init__(self, data: bytes):
        super().__init__(len(data))
        self.data = data

    def read(self, size: int | None = -1) -> bytes:
        start = self.bytes_read
        chunk_length = len(super().read(size))
        return self.data[start : start + chunk_length]


@pytest.mark.django_db
@pytest.mark.usefixtures("ehealth_settings")
def test_a_small_chunked_upload_is_read_as_usual(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)
    body = multipart({"password": PASSWORD}, {"keystore": ("SSIN=85073003328 20250314-101500.p12", person_keystore())})

    response = post_stream(client, upload_url(practitioner_record), BytesStream(body), length=None)

    assert response.status_code == 302
    certificate = Certificate.objects.get(practitioner=practitioner_record)
    assert certificate.file_name == "SSIN=85073003328 20250314-101500.p12"


# --------------------------------------------------------------------------- a real server answers before the body arrives


def test_the_live_server_answers_413_without_waiting_for_the_body(live_server):
    host, port = live_server.thread.host, live_server.thread.port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.putrequest("POST", reverse("login"))
        connection.putheader("Content-Type", MULTIPART)
        connection.putheader("Content-Length", str(HUNDRED_MB))
        connection.endheaders()
        connection.send(b"\0" * 64 * 1024)  # a first slice only: the answer must not wait for the rest
        response = connection.getresponse()
        assert response.status == 413
        assert b'id="body-too-large"' in response.read()
    finally:
        connection.close()


# --------------------------------------------------------------------------- odd keystore file names


ODD_NAMES = {
    "parent folders": ("../../etc/passwd", "passwd"),
    "windows path": ("C:\\Users\\x\\key.p12", "key.p12"),
    "nul byte": ("key\0.p12", "key.p12"),
    "escaped newline (as browsers send it)": ("key%0A.p12", "key%0A.p12"),
    "right-to-left override": ("key\u202egp1.p12", "keygp1.p12"),
    "html": ('<script>alert(1)</script>.p12', "script>.p12"),
}


@pytest.mark.django_db
@pytest.mark.usefixtures("ehealth_settings")
@pytest.mark.parametrize("label", ODD_NAMES)
def test_odd_file_names_are_stored_without_folders_or_control_characters(client, practitioner_user, practitioner_record, label):
    sent, stored = ODD_NAMES[label]
    client.force_login(practitioner_user)
    body = multipart({"password": PASSWORD}, {"keystore": (sent, person_keystore())})

    response = client.generic("POST", upload_url(practitioner_record), body, content_type=MULTIPART)

    assert response.status_code == 302, response.content.decode()[:2000]
    certificate = Certificate.objects.get(practitioner=practitioner_record)
    assert certificate.file_name == stored
    page = client.get(upload_url(practitioner_record)).content.decode()
    assert "<script>alert(1)" not in page
    assert "\u202e" not in page


@pytest.mark.django_db
@pytest.mark.usefixtures("ehealth_settings")
def test_a_long_file_name_is_shortened_keeping_its_extension(client, practitioner_user, practitioner_record):
    """900 characters: about the longest a part header may carry (Django caps it at 1,024 bytes)."""
    client.force_login(practitioner_user)
    body = multipart({"password": PASSWORD}, {"keystore": ("k" * 900 + ".p12", person_keystore())})

    response = client.generic("POST", upload_url(practitioner_record), body, content_type=MULTIPART)

    assert response.status_code == 302
    name = Certificate.objects.get(practitioner=practitioner_record).file_name
    assert len(name) <= FILE_NAME_MAX_LENGTH
    assert name.startswith("kkkk") and name.endswith(".p12")


@pytest.mark.django_db
@pytest.mark.usefixtures("ehealth_settings")
def test_a_thousand_character_file_name_is_refused_as_a_bad_request_and_nothing_is_stored(
    client, practitioner_user, practitioner_record
):
    """Past Django's part-header cap the body is not parsed at all: 400, not 500."""
    client.force_login(practitioner_user)
    body = multipart({"password": PASSWORD}, {"keystore": ("k" * 1000 + ".p12", person_keystore())})

    response = client.generic("POST", upload_url(practitioner_record), body, content_type=MULTIPART)

    assert response.status_code == 400
    assert not Certificate.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("ehealth_settings")
def test_a_raw_newline_in_the_file_name_never_causes_a_500(client, practitioner_user, practitioner_record):
    client.force_login(practitioner_user)
    body = multipart({"password": PASSWORD}, {"keystore": ("key\r\n.p12", person_keystore())})

    response = client.generic("POST", upload_url(practitioner_record), body, content_type=MULTIPART)

    assert response.status_code in (200, 302)
    for certificate in Certificate.objects.filter(practitioner=practitioner_record):
        assert "\n" not in certificate.file_name and "\r" not in certificate.file_name
