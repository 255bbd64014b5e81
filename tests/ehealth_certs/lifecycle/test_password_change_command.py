"""`manage.py keystore change-password PATH OUT`: passwords on standard input, OUT written only on success."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent, EventKind
from ehealth_certs.keystore import reader
from tests import pki
from tests.ehealth_certs.keystores import PASSWORD, person_keystore

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[3]
NEW = "N3w-keystore pass"


def run(path, out, stdin_text):
    stdout = io.StringIO()
    call_command("keystore", "change-password", str(path), str(out), stdin=io.StringIO(stdin_text), stdout=stdout)
    return stdout.getvalue()


def failing(path, out, stdin_text) -> CommandError:
    with pytest.raises(CommandError) as excinfo:
        run(path, out, stdin_text)
    return excinfo.value


@pytest.mark.parametrize("layout", ["modern", "legacy"])
def test_keytool_lists_every_entry_of_the_result_with_the_new_password(layout, tmp_path, java_keystores, store_entries):
    source, out = tmp_path / "in.p12", tmp_path / "out.p12"
    source.write_bytes(java_keystores[layout])

    output = run(source, out, f"{PASSWORD}\n{NEW}\n")

    assert "written" in output
    result = out.read_bytes()
    assert pki.keytool_list(result, NEW) == {
        entry.alias: "PrivateKeyEntry" if isinstance(entry, pki.KeyEntry) else "trustedCertEntry" for entry in store_entries
    }
    with pytest.raises(RuntimeError):
        pki.keytool_list(result, PASSWORD)
    assert source.read_bytes() == java_keystores[layout]  # the original is left as it was
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert [e.local_key_id for e in reader.read_keystore(result, NEW)] == [
        e.local_key_id for e in reader.read_keystore(java_keystores[layout], PASSWORD)
    ]
    assert AuditEvent.objects.filter(kind=EventKind.KEYSTORE_PASSWORD_CHANGED).count() == 1


def test_windows_line_endings_are_accepted(tmp_path):
    source, out = tmp_path / "in.p12", tmp_path / "out.p12"
    source.write_bytes(person_keystore())

    run(source, out, f"{PASSWORD}\r\n{NEW}\r\n")

    assert reader.read_keystore(out.read_bytes(), NEW)


@pytest.mark.parametrize(
    ("stdin_text", "message"),
    [
        (f"wrong pass 1\n{NEW}\n", "The current password does not open this keystore"),
        (f"{PASSWORD}\nshort1\n", "At least 8 characters."),
        (f"{PASSWORD}\nnodigitsatall\n", "At least one digit or symbol."),
        (f"{PASSWORD}\naccentué-1\n", "Only accepted characters"),
        (f"{PASSWORD}\n{PASSWORD}\n", "the same as the current one"),
    ],
)
def test_failures_exit_1_with_a_clear_message_and_out_is_not_written(stdin_text, message, tmp_path):
    source, out = tmp_path / "in.p12", tmp_path / "out.p12"
    source.write_bytes(person_keystore())

    error = failing(source, out, stdin_text)

    assert error.returncode == 1
    assert message in str(error)
    assert not out.exists()
    assert os.listdir(tmp_path) == ["in.p12"]  # no temporary file left either


def test_not_a_keystore_exits_1(tmp_path):
    source, out = tmp_path / "notes.txt", tmp_path / "out.p12"
    source.write_bytes(b"hello")

    error = failing(source, out, f"{PASSWORD}\n{NEW}\n")

    assert error.returncode == 1 and "not a keystore" in str(error) and not out.exists()


def test_usage_errors_exit_2(tmp_path):
    source, out = tmp_path / "in.p12", tmp_path / "out.p12"
    source.write_bytes(person_keystore())

    assert failing(tmp_path / "missing.p12", out, f"{PASSWORD}\n{NEW}\n").returncode == 2
    assert failing(source, out, f"{PASSWORD}\n").returncode == 2  # one line only
    out.write_bytes(b"precious")
    error = failing(source, out, f"{PASSWORD}\n{NEW}\n")
    assert error.returncode == 2 and "already exists" in str(error)
    assert out.read_bytes() == b"precious"


@pytest.mark.slow
def test_exit_status_from_a_real_process(tmp_path):
    source, out = tmp_path / "in.p12", tmp_path / "out.p12"
    source.write_bytes(person_keystore())
    command = [sys.executable, "manage.py", "keystore", "change-password", str(source), str(out)]

    env = {**os.environ, "LC_ALL": "en_GB.UTF-8"}  # commands answer in the shell's language

    completed = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, input=f"{PASSWORD}\n", capture_output=True, text=True, timeout=60
    )

    assert completed.returncode == 2
    assert "first two lines of standard input" in completed.stderr
    assert PASSWORD not in completed.stderr + completed.stdout
