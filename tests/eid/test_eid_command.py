"""`manage.py eid read`: the card's holder, the NISS check, a new record, each failure its message."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import PyKCS11
import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent, EventKind
from practitioners.models import Practitioner

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENGLISH = {"LC_ALL": "en_GB.UTF-8"}  # commands answer in the shell's language
EXPECTED_JSON = {
    "niss": "85073003328", "last_name": "Peeters", "first_names": "Jan Marie", "not_after": "2031-07-30T23:59:59+00:00",
}


@pytest.fixture
def card(softhsm_token, settings):
    settings.EID_PKCS11_MODULE = softhsm_token.module_path
    return softhsm_token


def eid(*args, stdin_text=""):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("eid", "read", *args, stdin=io.StringIO(stdin_text), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def failing(*args, stdin_text="") -> CommandError:
    with pytest.raises(CommandError) as excinfo:
        eid(*args, stdin_text=stdin_text)
    return excinfo.value


def test_json(card):
    stdout, _ = eid("--json")

    assert json.loads(stdout) == EXPECTED_JSON
    assert AuditEvent.objects.filter(kind=EventKind.EID_READ).count() == 1


def test_text(card):
    stdout, _ = eid()

    assert "NISS: 85073003328" in stdout and "last name: Peeters" in stdout and "2031-07-30T23:59:59+00:00" in stdout


def test_niss_check(card):
    _, stderr = eid("--niss", "85.07.30-033.28")
    assert "The card belongs to NISS 85073003328." in stderr

    error = failing("--niss", "03021500440")
    assert error.returncode == 1
    assert str(error) == "The eID card belongs to national number 85073003328, not to 03021500440."

    assert failing("--niss", "12345678901").returncode == 2  # not a NISS: usage error


def test_proof_of_possession(card):
    stdout, _ = eid("--json", "--pin-stdin", stdin_text=f"{card.pin}\n")
    assert json.loads(stdout)["niss"] == "85073003328"

    error = failing("--pin-stdin", stdin_text="9999\n")
    assert error.returncode == 1 and "Wrong PIN" in str(error) and "9999" not in str(error)
    assert failing("--pin-stdin", stdin_text="").returncode == 2


def test_pin_locked(card, monkeypatch):
    def locked(self, pin, user_type=PyKCS11.CKU_USER):
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_PIN_LOCKED)

    monkeypatch.setattr(PyKCS11.Session, "login", locked)

    error = failing("--pin-stdin", stdin_text=f"{card.pin}\n")

    assert error.returncode == 1 and "PIN of this eID card is blocked" in str(error)


def test_create_a_record_from_the_card(card):
    _, stderr = eid("--create")

    record = Practitioner.objects.get()
    assert (record.last_name, record.first_names, record.niss, record.sex) == ("Peeters", "Jan Marie", "85073003328", "M")
    assert record.birth_date.isoformat() == "1985-07-30"
    assert "Record created" in stderr

    error = failing("--create")
    assert error.returncode == 1 and "A record already has the NISS 85073003328" in str(error)
    assert Practitioner.objects.count() == 1


@pytest.mark.slow
def test_niss_and_create_are_exclusive():
    completed = subprocess.run(
        [sys.executable, "manage.py", "eid", "read", "--create", "--niss", "85073003328"],
        cwd=PROJECT_ROOT, env={**os.environ, **ENGLISH}, capture_output=True, text=True, timeout=60,
    )

    assert completed.returncode == 2 and "not allowed with argument" in completed.stderr


@pytest.mark.parametrize("failure", ["module_missing", "no_card", "no_reader", "no_certificate"])
def test_each_failure_exits_1_with_its_message(failure, settings, softhsm_factory, tmp_path, monkeypatch):
    messages = {
        "module_missing": "is not installed or cannot be loaded",
        "no_card": "Insert the eID card",
        "no_reader": "Connect a card reader",
        "no_certificate": "has no Authentication certificate",
    }
    if failure == "module_missing":
        settings.EID_PKCS11_MODULE = str(tmp_path / "libbeidpkcs11.so.0")
    else:
        token = softhsm_factory.create(**({"initialise": False} if failure == "no_card" else
                                          {"labels": ("Signature",)} if failure == "no_certificate" else {}))
        settings.EID_PKCS11_MODULE = token.module_path
        if failure == "no_reader":
            monkeypatch.setattr(PyKCS11.PyKCS11Lib, "getSlotList", lambda self, tokenPresent=False: [])

    error = failing("--json")

    assert error.returncode == 1 and messages[failure] in str(error)
    assert AuditEvent.objects.get(kind=EventKind.EID_READ).details["error"] == failure


# --------------------------------------------------------------------------- a real process


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """A migrated SQLite file for subprocesses (they cannot see the test database)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'cli.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=PROJECT_ROOT, env={**os.environ, "DATABASE_URL": url},
        check=True, capture_output=True, timeout=120,
    )
    return url


def test_json_from_a_real_process_with_the_token(softhsm_token, migrated_database):
    env = {**softhsm_token.env(), **ENGLISH, "DATABASE_URL": migrated_database}

    completed = subprocess.run(
        [sys.executable, "manage.py", "eid", "read", "--json"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == EXPECTED_JSON


def test_missing_module_from_a_real_process(softhsm_token, migrated_database, tmp_path):
    env = {**softhsm_token.env(), **ENGLISH, "DATABASE_URL": migrated_database, "EID_PKCS11_MODULE": str(tmp_path / "none.so")}

    completed = subprocess.run(
        [sys.executable, "manage.py", "eid", "read", "--json"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert completed.returncode == 1
    assert "The eID software (PKCS#11 module) is not installed or cannot be loaded." in completed.stderr
    assert completed.stdout == ""
