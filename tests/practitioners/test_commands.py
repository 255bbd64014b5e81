"""`manage.py practitioners import|export`: output and exit codes (0 ok, 1 invalid file, 2 usage)."""
import datetime
import json
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from practitioners.models import Practitioner
from tests.factories import add_period, make_practitioner
from tests.fhir_checks import parsed

pytestmark = pytest.mark.django_db

VALID = (
    "\ufefflast_name;first_names;niss;email;language;sex;birth_date;inami\r\n"
    "Dubois;Marie;03.02.15-004.40;marie@example.be;fr;F;15/02/2003;5/38861/71/521\r\n"
)
INVALID = VALID + "Claes;An;85073003329;an@example.be;nl;F;;\r\n"


def run_from_command_line(*args: str, capsys) -> tuple[int, str, str]:
    """Run as `manage.py practitioners ...` would, and return (exit code, stdout, stderr)."""
    command = load_command_class("practitioners", "practitioners")
    # run_from_argv closes the database connections when done: keep the test's transaction open.
    with mock.patch("django.core.management.base.connections"), pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", "practitioners", *args])
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_import_success_exits_0_and_prints_the_counts(tmp_path, capsys):
    path = tmp_path / "registry.csv"
    path.write_text(VALID, encoding="utf-8")
    code, out, err = run_from_command_line("import", str(path), capsys=capsys)
    assert code == 0, err
    assert "1 created, 0 updated" in out and "1 INAMI period(s) added" in out
    record = Practitioner.objects.get(niss="03021500440")
    assert record.history.get().history_user is None


def test_import_with_user_records_them_in_the_history(tmp_path, capsys):
    admin = User.objects.create_user("boss")
    path = tmp_path / "registry.csv"
    path.write_text(VALID, encoding="utf-8")
    call_command("practitioners", "import", str(path), "--user", "boss")
    assert Practitioner.objects.get(niss="03021500440").history.get().history_user == admin


def test_invalid_file_exits_1_lists_errors_on_stderr_and_imports_nothing(tmp_path, capsys):
    path = tmp_path / "registry.csv"
    path.write_text(INVALID, encoding="utf-8")
    code, out, err = run_from_command_line("import", str(path), capsys=capsys)
    assert code == 1
    assert "Line 3, niss: The NISS check digits do not match" in err
    assert "1 error: nothing was imported." in err
    assert not Practitioner.objects.exists()


def test_non_utf8_file_exits_1(tmp_path, capsys):
    path = tmp_path / "registry.csv"
    path.write_bytes(VALID.replace("Marie", "Mélanie").encode("cp1252", errors="ignore"))
    code, out, err = run_from_command_line("import", str(path), capsys=capsys)
    assert code == 1 and "not UTF-8 encoded" in err
    assert not Practitioner.objects.exists()


@pytest.mark.parametrize(
    "args, words",
    [
        ((), "the following arguments are required"),
        (("frobnicate",), "invalid choice"),
        (("import",), "the following arguments are required: file"),
        (("import", "/nonexistent/registry.csv"), "Cannot read /nonexistent/registry.csv"),
        (("import", "-", "--user", "nobody"), "No user named “nobody”"),
        (("export", "/nonexistent/dir/out.csv"), "Cannot write /nonexistent/dir/out.csv"),
        (("export", "--format", "fhir", "/nonexistent/dir/out.json"), "Cannot write /nonexistent/dir/out.json"),
        (("export", "--format", "xml", "-"), "argument --format: invalid choice: 'xml' (choose from 'csv', 'fhir')"),
        (("export", "--format", "fhir", "--base-url", "oxygen.test/fhir", "-"), "not an absolute http(s) URL: oxygen.test/fhir"),
        (("export", "--format", "fhir", "--base-url", "ftp://oxygen.test/fhir", "-"), "not an absolute http(s) URL"),
    ],
)
def test_usage_errors_exit_2(args, words, capsys):
    code, out, err = run_from_command_line(*args, capsys=capsys)
    assert code == 2
    assert words in err


def test_export_to_a_file_then_import_it_back(tmp_path, capsys):
    record = make_practitioner(phone="+32 16 22 33 44")
    add_period(record, start_date=datetime.date(2015, 1, 1))
    path = tmp_path / "out.csv"
    code, out, err = run_from_command_line("export", str(path), capsys=capsys)
    assert code == 0 and "Exported 1 practitioner." in err
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbflast_name;first_names;") and b"\r\n" in raw and b"\r\r\n" not in raw
    code, out, err = run_from_command_line("import", str(path), capsys=capsys)
    assert code == 0 and "0 created, 0 updated, 1 unchanged" in out


def test_export_to_stdout(capsys):
    make_practitioner()
    code, out, err = run_from_command_line("export", "-", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("\ufefflast_name;") and lines[1].startswith("Peeters;Jan;")


def test_import_from_stdin(capsys, monkeypatch):
    stdin = mock.Mock()
    stdin.buffer.read.return_value = VALID.encode("utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    code, out, err = run_from_command_line("import", "-", capsys=capsys)
    assert code == 0 and Practitioner.objects.filter(niss="03021500440").exists()


def test_call_command_raises_with_the_exit_code(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(INVALID, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("practitioners", "import", str(path))
    assert error.value.returncode == 1


def test_fhir_export_to_a_file_writes_a_collection_bundle(tmp_path, capsys, settings):
    settings.SITE_URL = "https://oxygen.test"
    record = make_practitioner()
    add_period(record)
    path = tmp_path / "registry.json"
    code, out, err = run_from_command_line("export", "--format", "fhir", str(path), capsys=capsys)
    assert code == 0 and "Exported 1 practitioner." in err and out == ""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    parsed(bundle)
    assert bundle["type"] == "collection"
    assert [entry["fullUrl"] for entry in bundle["entry"]] == [
        f"https://oxygen.test/fhir/Practitioner/{record.public_id}",
        f"https://oxygen.test/fhir/PractitionerRole/{bundle['entry'][1]['resource']['id']}",
    ]


def test_fhir_export_to_stdout_with_a_base_url(capsys):
    make_practitioner(first_names="Zoë")
    code, out, err = run_from_command_line(
        "export", "--format", "fhir", "--base-url", "https://api.example.be/fhir/", "-", capsys=capsys
    )
    assert code == 0 and "Exported 1 practitioner." in err
    bundle = json.loads(out)
    parsed(bundle)
    assert bundle["entry"][0]["fullUrl"].startswith("https://api.example.be/fhir/Practitioner/")
    assert bundle["entry"][0]["resource"]["name"][0]["given"] == ["Zoë"]
