"""Structured logs: JSON lines with the request id, NISS numbers and passwords masked everywhere."""
from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from audit.services import clean_details
from oxygen.logging import (
    MASK,
    TEXT_FORMAT,
    JsonFormatter,
    RequestIdFilter,
    SensitiveDataFilter,
    TextFormatter,
    accept_request_id,
    logging_config,
    mask_text,
)
from oxygen.secret_words import SECRET_WORDS, WHOLE_SECRET_WORDS
from tests.requires import require_service

ROOT = Path(__file__).resolve().parents[2]
HEX_ID = re.compile(r"[0-9a-f]{32}")


# --- Masking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("85073003328", "850730*****"),
        ("85.07.30-033.28", "850730*****"),
        ("850730-033-28", "850730*****"),
        ("85 07 30 033 28", "850730*****"),
        ("niss=85073003328.", "niss=850730*****."),
        ("NISS85073003328 and 03021500440", "NISS850730***** and 030215*****"),
        # A number that is not eleven digits long is left alone.
        ("order 123456789012", "order 123456789012"),
        ("id 8507300332", "id 8507300332"),
        ("at 2025-01-15 10:30:45", "at 2025-01-15 10:30:45"),
        # A SHA-256 fingerprint with an eleven-digit run inside is kept whole; a NISS beside it is not.
        (
            "sha256 d4102685900d0b0dc70d08ed4784cf67132112345ebb7f82db9a53467fefff7c for 85073003328",
            "sha256 d4102685900d0b0dc70d08ed4784cf67132112345ebb7f82db9a53467fefff7c for 850730*****",
        ),
        # Shorter hexadecimal tokens are not told apart from text: the NISS-like run is masked.
        ("key id 85073003328abcdef", "key id 850730*****abcdef"),
        # So is a longer one that is no digest's length (a client's request id ending in a NISS).
        ("request deadbeefdeadbeefdeadbeefdeadbeef85073003328", "request deadbeefdeadbeefdeadbeefdeadbeef850730*****"),
        ("id " + "ab" * 20 + "85073003328", "id " + "ab" * 20 + "850730*****"),
        # A SHA-1 fingerprint (40) and a UUID in hex (32) with an eleven-digit run are kept whole.
        ("sha1 a1b2c3d4e5f60718293a4b5c6d7ef85073003328", "sha1 a1b2c3d4e5f60718293a4b5c6d7ef85073003328"),
        ("4f7a0c2e9d8b4c1f85073003328e9f0a", "4f7a0c2e9d8b4c1f85073003328e9f0a"),
        # One-time download links: the token is the key to the file.
        (
            "GET /practitioners/7f63b9ad-1cb8-42f5-8397-6d1df597970f/certificate/download/Zq3_x-AbCdEfGh0123456789abcdefghijklmnopq/file/ 200",
            "GET /practitioners/7f63b9ad-1cb8-42f5-8397-6d1df597970f/certificate/download/********/file/ 200",
        ),
    ],
)
def test_mask_text_masks_niss_numbers_plain_and_formatted(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("login password=hunter2 ok", "login password=******** ok"),
        ("{'password': 'correct horse battery', 'user': 'jan'}", "{'password': ********, 'user': 'jan'}"),
        ('{"new_password1": "s3cret!"}', '{"new_password1": ********}'),
        ("?keystore_password=abc&next=/", "?keystore_password=********&next=/"),
        ("SECRET_KEY: xyz", "SECRET_KEY: ********"),
        ("Password changed for jan", "Password changed for jan"),
    ],
)
def test_mask_text_masks_password_values(text, expected):
    assert mask_text(text) == expected


def make_record(msg, args=(), exc_info=None, **extra) -> logging.LogRecord:
    record = logging.getLogger("tests.logging").makeRecord(
        "tests.logging", logging.INFO, __file__, 1, msg, args, exc_info, extra=extra or None
    )
    assert SensitiveDataFilter().filter(record) is True
    return record


def test_filter_masks_niss_in_arguments_plain_and_formatted():
    record = make_record("records %s and %s: %r", ("85073003328", "85.07.30-033.28", ["03021500440"]))
    assert record.getMessage() == "records 850730***** and 850730*****: ['030215*****']"


def test_filter_masks_mapping_arguments_by_value_and_password_keys():
    record = make_record("%(niss)s logged in with %(password)s", {"niss": "85073003328", "password": "pw"})
    assert record.getMessage() == "850730***** logged in with ********"


def test_filter_masks_extras_and_exception_text():
    try:
        raise ValueError("no record for 85.07.30-033.28")
    except ValueError:
        record = make_record("failed", exc_info=sys.exc_info(), niss="85073003328", password="pw")
    assert record.niss == "850730*****"
    assert record.password == "********"
    assert "ValueError: no record for 850730*****" in record.exc_text
    assert "033.28" not in JsonFormatter().format(record)


def test_filter_keeps_a_message_whose_arguments_do_not_fit():
    record = make_record("%s and %s for 85073003328", ("only one",))
    assert record.getMessage() == "%s and %s for 850730***** ('only one',)"


# --- Request ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc-123", "4f7a0c2e9d8b4c1fa3e5b6d7c8e9f0a1", "lb:1.2.3.4:5678"])
def test_a_sane_request_id_is_kept(value):
    assert accept_request_id(value) == value


@pytest.mark.parametrize(
    "value",
    [None, "", "x" * 129, "abc\ndef", "abc\x00", "spaces are not ok", "é", "id-85073003328",
     "deadbeefdeadbeefdeadbeefdeadbeef85073003328"],
)
def test_a_missing_or_insane_request_id_is_replaced(value):
    assert HEX_ID.fullmatch(accept_request_id(value))


@pytest.fixture
def json_log():
    """The root logger's output through the production handler setup, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(SensitiveDataFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_the_response_request_id(client, json_log):
    response = client.get("/accounts/login/")
    request_id = response["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    access = [entry for entry in json_log() if entry["logger"] == "oxygen.requests"]
    assert len(access) == 1
    assert access[0]["request_id"] == request_id
    assert access[0]["message"] == "GET /accounts/login/ 200"
    assert access[0]["status_code"] == 200
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access[0]["timestamp"])
    assert access[0]["level"] == "INFO"


@pytest.mark.django_db
def test_django_request_warnings_carry_the_request_id_and_the_query_string_is_not_logged(client, json_log):
    response = client.get("/no-such-page/85073003328/?q=03021500440", headers={"X-Request-ID": "probe-404"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "probe-404"
    entries = json_log()
    by_logger = {entry["logger"]: entry for entry in entries}
    assert by_logger["django.request"]["request_id"] == "probe-404"
    assert by_logger["django.request"]["message"] == "Not Found: /no-such-page/850730*****/"
    assert by_logger["oxygen.requests"]["request_id"] == "probe-404"
    text = "\n".join(json.dumps(entry) for entry in entries)
    assert "85073003328" not in text
    assert "03021500440" not in text and "030215" not in text


@pytest.mark.django_db
def test_a_sane_client_request_id_is_reused(client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "edge-7f3a-0001"})
    assert response["X-Request-ID"] == "edge-7f3a-0001"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["x" * 200, "abc\x01def"])
def test_an_insane_client_request_id_is_replaced(client, value):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=value)
    assert HEX_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_a_download_token_is_masked_in_the_request_log(client, json_log, practitioner_record):
    token = "Zq3_x-AbCdEfGh0123456789abcdefghijklmnopq"
    client.get(f"/practitioners/{practitioner_record.public_id}/certificate/download/{token}/")
    entries = json_log()
    assert any(entry["logger"] == "oxygen.requests" for entry in entries)
    assert token not in "\n".join(json.dumps(entry) for entry in entries)


def text_log_lines(message: str, *args) -> list[str]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(SensitiveDataFilter())
    logger = logging.getLogger("tests.text_log")
    logger.addHandler(handler)
    try:
        logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue().splitlines()


def test_the_text_format_escapes_control_characters_so_no_line_can_be_forged():
    forged = "/nothere\n2026-11-29 10:00:00,000 INFO django.server [None] FORGED\r\x1b[2J\u2028end"
    (line,) = text_log_lines("%s %s %s", "GET", forged, 404)
    assert line.endswith("GET /nothere\\n2026-11-29 10:00:00,000 INFO django.server [None] FORGED\\r\\x1b[2J\\u2028end 404")


def test_the_text_format_of_the_settings_is_the_escaping_one():
    config = logging_config("text", "INFO")
    assert config["formatters"]["text"]["()"] is TextFormatter


def test_outside_a_request_the_request_id_is_null(json_log):
    logging.getLogger("tests.logging").warning("background work")
    (entry,) = [entry for entry in json_log() if entry["logger"] == "tests.logging"]
    assert entry["request_id"] is None
    assert entry["message"] == "background work"


def test_logging_config_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config("xml", "INFO")


# --- The real settings, gunicorn and Celery ------------------------------------------------


def production_env(**overrides) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LOG_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="oxygen.settings",
        DEBUG="False",
        SECRET_KEY="test-only-" + "k9Qz2Lm4Xw7Rt1Vb6Nc0Hs5Jd3Gy8Fp" * 2,
        ALLOWED_HOSTS="oxygen.test",
        KEYSTORE_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    env.update(overrides)
    return env


LOG_SCRIPT = """
import logging, django
django.setup()
logging.getLogger("practitioners.test").warning("imported %s", "85.07.30-033.28")
"""


@pytest.mark.slow
def test_production_settings_log_json_lines_with_niss_masked():
    result = subprocess.run(
        [sys.executable, "-c", LOG_SCRIPT], cwd=ROOT, env=production_env(),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (entry,) = [entry for entry in entries if entry["logger"] == "practitioners.test"]
    assert entry["message"] == "imported 850730*****"
    assert entry["level"] == "WARNING"
    assert "033.28" not in result.stderr


@pytest.mark.slow
def test_text_format_is_available_and_still_masked():
    result = subprocess.run(
        [sys.executable, "-c", LOG_SCRIPT], cwd=ROOT, env=production_env(LOG_FORMAT="text"),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"WARNING practitioners\.test \[None\] imported 850730\*\*\*\*\*$", result.stderr, re.M)


@pytest.mark.slow
def test_an_unknown_log_format_is_refused():
    result = subprocess.run(
        [sys.executable, "-c", LOG_SCRIPT], cwd=ROOT, env=production_env(LOG_FORMAT="xml"),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of: json, text." in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_line(stream_path: Path, pattern: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, stream_path.read_text()):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} not logged:\n{stream_path.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_gunicorn_logs_json_with_the_request_id_it_returns(tmp_path):
    """docker/gunicorn.conf.py as the web service runs it: its own lines and Django's are JSON."""
    import http.client

    port = free_port()
    stderr = tmp_path / "gunicorn.err"
    env = production_env(
        GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    with stderr.open("w") as err:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "oxygen.wsgi", "--config", "docker/gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        wait_for_line(stderr, r'"Booting worker', process, timeout=30)
        deadline = time.monotonic() + 30
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", "/no-such-page/", headers={
                    "Host": "oxygen.test", "X-Forwarded-Proto": "https", "X-Request-ID": "gunicorn-probe",
                })
                response = connection.getresponse()
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
            finally:
                connection.close()
        assert response.status == 404
        assert response.getheader("X-Request-ID") == "gunicorn-probe"
        wait_for_line(stderr, r'"logger": "oxygen.requests"', process, timeout=10)
    finally:
        stop(process)
    entries = json_lines(stderr)
    assert any(entry["logger"] == "gunicorn.error" and "Listening at" in entry["message"] for entry in entries)
    (access,) = [entry for entry in entries if entry["logger"] == "oxygen.requests"]
    assert access["request_id"] == "gunicorn-probe"
    assert access["message"] == "GET /no-such-page/ 404"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_celery_worker_logs_json_through_the_same_handler(tmp_path):
    require_service(redis_available(), "Redis on 127.0.0.1:6379")
    stderr = tmp_path / "worker.err"
    # A database of its own on Redis: this worker must not take other tests' tasks.
    env = production_env(CELERY_BROKER_URL="redis://127.0.0.1:6379/15")
    with stderr.open("w") as err:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "oxygen", "worker", "-l", "info", "--pool=solo",
             "--without-mingle", "--without-gossip", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        wait_for_line(stderr, r'"message": "celery@\S+ ready\."', process, timeout=60)
    finally:
        stop(process)
    loggers = {entry["logger"] for entry in json_lines(stderr)}
    assert {"celery.apps.worker", "celery.worker.consumer.connection"} <= loggers


# --- One list of secret words for the logs and the audit log -----------------------------------

@pytest.mark.parametrize(
    "key",
    [*SECRET_WORDS, *WHOLE_SECRET_WORDS, "new_password1", "oldPassword", "eid_pin", "privateKey", "api_key",
     "keystore_p12", "serial", "keystore_id", "mapping", "shipping", "spinner", "subject"],
)
def test_the_logs_mask_exactly_what_the_audit_log_drops(key):
    dropped_by_audit = key not in clean_details({key: "v4lue"})
    record = make_record(f"%({key})s", ({key: "v4lue"},), **{key: "v4lue"})
    assert (record.getMessage() == MASK) is dropped_by_audit
    assert (getattr(record, key) == MASK) is dropped_by_audit
    assert (mask_text(f"{key}=v4lue") == f"{key}={MASK}") is dropped_by_audit
    assert (mask_text(f"{{'{key}': 'v4lue'}}") == f"{{'{key}': {MASK}}}") is dropped_by_audit
