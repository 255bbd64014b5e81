"""`manage.py keystore inspect|import|reencrypt`: in-process (call_command) and as a real process for exit statuses."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.management.commands.keystore import os_user_name
from ehealth_certs.models import Certificate, CertificateState
from tests import pki
from tests.ehealth_certs.keystores import OTHER_SSIN, PASSWORD, SSIN, person_keystore

pytestmark = pytest.mark.usefixtures("ehealth_settings")


def keystore_file(tmp_path: Path, data: bytes, name: str = "SSIN=85073003328 20250314-101500.p12") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(*args: str, password: str | None = PASSWORD) -> tuple[int, str, str]:
    """call_command with the password on stdin: (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    stdin = io.StringIO(f"{password}\n" if password is not None else "")
    try:
        call_command("keystore", *args, stdin=stdin, stdout=stdout, stderr=stderr)
    except CommandError as error:
        return error.returncode, stdout.getvalue(), str(error)
    return 0, stdout.getvalue(), stderr.getvalue()


# --------------------------------------------------------------------------- inspect


def test_inspect_valid_keystore_prints_the_json_object(tmp_path, java_keystores, auth, encryption):
    status, out, _err = run("inspect", keystore_file(tmp_path, java_keystores["legacy"]), "--password-stdin", "--json")

    assert status == 0
    data = json.loads(out)
    assert set(data) >= {
        "valid", "error", "message", "warnings", "environment", "identifiers", "subject", "not_before", "not_after", "entries",
    }
    assert (data["valid"], data["error"], data["warnings"]) == (True, None, [])
    assert data["environment"] == "production"
    assert data["identifiers"] == {"SSIN": SSIN}
    assert data["not_after"] == auth.cert.not_valid_after_utc.isoformat()
    kinds = sorted(entry["kind"] for entry in data["entries"])
    assert kinds == ["authentication", "ca", "ca", "encryption", "encryption"]
    assert set(data["entries"][0]) == {
        "alias", "kind", "has_private_key", "subject", "issuer", "serial", "not_before", "not_after",
    }
    assert PASSWORD not in out


def test_inspect_human_output(tmp_path):
    status, out, _err = run("inspect", keystore_file(tmp_path, person_keystore(not_after_days=30)), "--password-stdin")

    assert status == 0
    assert "valid: yes" in out and "warning: expires_soon" in out and "authentication" in out


@pytest.mark.parametrize(
    ("data", "niss", "code"),
    [
        (lambda: pki.pdf_bytes(), None, "not_pkcs12"),
        (lambda: person_keystore(not_before_days=-1000, not_after_days=-1), None, "expired"),
        (lambda: person_keystore("acceptance"), None, "environment_mismatch"),
        (lambda: person_keystore(), OTHER_SSIN, "identity_mismatch"),
    ],
)
def test_inspect_invalid_keystore_exits_1_with_its_code(tmp_path, data, niss, code):
    args = ["inspect", keystore_file(tmp_path, data()), "--password-stdin", "--json"]
    if niss:
        args += ["--niss", niss]

    status, out, err = run(*args)

    assert status == 1
    result = json.loads(out)
    assert (result["valid"], result["error"]) == (False, code)
    assert result["message"] and result["message"] in err


def test_inspect_wrong_password(tmp_path):
    status, out, _err = run("inspect", keystore_file(tmp_path, person_keystore()), "--password-stdin", "--json", password="nope")

    assert status == 1 and json.loads(out)["error"] == "wrong_password"


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "{file}"],  # no --password-stdin
        ["inspect", "{missing}", "--password-stdin"],
        ["inspect", "{file}", "--password-stdin", "--niss", "12345678901"],
    ],
)
def test_usage_errors_exit_2(tmp_path, args):
    file = keystore_file(tmp_path, person_keystore())
    args = [arg.format(file=file, missing=str(tmp_path / "missing.p12")) for arg in args]

    status, out, _err = run(*args)

    assert status == 2 and out == ""


def test_no_password_on_stdin_is_a_usage_error(tmp_path):
    status, _out, err = run("inspect", keystore_file(tmp_path, person_keystore()), "--password-stdin", password=None)

    assert status == 2 and "standard input" in err


# --------------------------------------------------------------------------- import


@pytest.mark.django_db
def test_import_stores_the_certificate_with_the_command_line_as_uploader(tmp_path, practitioner_record):
    path = keystore_file(tmp_path, person_keystore())

    status, out, _err = run("import", path, "--niss", "85.07.30-033.28", "--password-stdin", "--json")

    assert status == 0
    data = json.loads(out)
    certificate = Certificate.objects.get(practitioner=practitioner_record)
    assert data["valid"] is True and data["certificate_id"] == str(certificate.public_id)
    assert certificate.state == CertificateState.ACTIVE
    assert certificate.uploaded_via == "cli" and certificate.uploaded_by is None
    assert certificate.uploaded_by_name == os_user_name()
    assert certificate.file_name == Path(path).name
    assert keystore_import.stored_keystore(certificate) == person_keystore()


@pytest.mark.django_db
def test_import_refuses_an_older_keystore_like_the_page(tmp_path, practitioner_record):
    assert run("import", keystore_file(tmp_path, person_keystore()), "--niss", SSIN, "--password-stdin")[0] == 0

    status, out, _err = run(
        "import", keystore_file(tmp_path, person_keystore(not_after_days=400), "older.p12"), "--niss", SSIN,
        "--password-stdin", "--json",
    )  # fmt: skip

    assert status == 1 and json.loads(out)["error"] == "older_than_active"
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_import_is_throttled_per_record(tmp_path, practitioner_record):
    path = keystore_file(tmp_path, person_keystore())
    for _attempt in range(5):
        assert run("import", path, "--niss", SSIN, "--password-stdin", password="wrong")[0] == 1

    status, out, _err = run("import", path, "--niss", SSIN, "--password-stdin", "--json")

    assert status == 1
    data = json.loads(out)
    assert data["error"] == keystore_import.THROTTLED and data["retry_after"]
    assert not Certificate.objects.exists()


@pytest.mark.django_db
def test_import_for_an_unknown_niss_is_a_usage_error(tmp_path, practitioner_record):
    status, out, err = run("import", keystore_file(tmp_path, person_keystore()), "--niss", OTHER_SSIN, "--password-stdin")

    assert status == 2 and "No practitioner record" in err
    assert not Certificate.objects.exists()


# --------------------------------------------------------------------------- reencrypt


@pytest.mark.django_db
def test_reencrypt_uses_the_first_key(tmp_path, settings, practitioner_record):
    from cryptography.fernet import Fernet

    run("import", keystore_file(tmp_path, person_keystore()), "--niss", SSIN, "--password-stdin")
    new_key = Fernet.generate_key().decode()
    settings.KEYSTORE_ENCRYPTION_KEY = [new_key, *settings.KEYSTORE_ENCRYPTION_KEY]

    status, out, _err = run("reencrypt", password=None)

    assert status == 0 and "1 keystore" in out
    settings.KEYSTORE_ENCRYPTION_KEY = [new_key]
    assert keystore_import.stored_keystore(Certificate.objects.get()) == person_keystore()


# --------------------------------------------------------------------------- the real process: exit statuses


def manage(*args: str, password: str | None, ca_bundle_files) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "EHEALTH_CA_BUNDLE_PRODUCTION": str(ca_bundle_files["production"]),
        "EHEALTH_CA_BUNDLE_ACCEPTANCE": str(ca_bundle_files["acceptance"]),
        "EHEALTH_ENVIRONMENT": "production",
    }
    return subprocess.run(
        [sys.executable, str(Path(django_settings.BASE_DIR, "manage.py")), "keystore", *args],
        input=f"{password}\n" if password is not None else "",
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_exit_statuses_of_the_real_command(tmp_path, ca_bundle_files):
    good = keystore_file(tmp_path, person_keystore())

    valid = manage("inspect", good, "--password-stdin", "--json", password=PASSWORD, ca_bundle_files=ca_bundle_files)
    wrong = manage("inspect", good, "--password-stdin", "--json", password="Secret-Guess-1", ca_bundle_files=ca_bundle_files)
    usage = manage("inspect", good, password=PASSWORD, ca_bundle_files=ca_bundle_files)
    missing_niss = manage("import", good, "--password-stdin", password=PASSWORD, ca_bundle_files=ca_bundle_files)

    assert valid.returncode == 0, valid.stderr
    assert json.loads(valid.stdout)["valid"] is True
    assert wrong.returncode == 1 and json.loads(wrong.stdout)["error"] == "wrong_password"
    assert usage.returncode == 2 and "--password-stdin" in usage.stderr
    assert missing_niss.returncode == 2 and "--niss" in missing_niss.stderr
    for completed in (valid, wrong, usage, missing_niss):
        assert PASSWORD not in completed.stdout + completed.stderr
        assert "Secret-Guess-1" not in completed.stdout + completed.stderr
