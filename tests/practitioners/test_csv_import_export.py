"""CSV import/export of the registry: the service, then the administrator pages."""
import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from oxygen.errors import Refused
from practitioners import registry_csv
from practitioners.csv_refusals import file_refusal_message
from practitioners.models import InamiPeriod, Practitioner, Profession
from practitioners.registry_csv import export_practitioners_csv, import_practitioners_csv
from tests.factories import add_period, make_practitioner

pytestmark = pytest.mark.django_db

HEADER = "last_name;first_names;niss;email;language;sex;birth_date;inami"
TODAY = datetime.date(2026, 3, 1)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join((header, *rows)) + "\r\n"


def errors_of(report) -> list[tuple]:
    return [(error.line, error.column) for error in report.errors]


def snapshot():
    return (
        list(Practitioner.objects.order_by("pk").values()),
        list(InamiPeriod.objects.order_by("pk").values()),
    )


# --- Valid files ------------------------------------------------------------------------


def test_semicolon_file_with_bom_formatted_identifiers_and_belgian_dates():
    text = csv_text(
        "Peeters;Jan;85.07.30-033.28;jan@example.be;NL;m;30/07/1985;5/38861/71/521",
        "Dubois;Marie;03021500440;marie@example.be;fr;F;2003-02-15;",
    )
    report = import_practitioners_csv(("\ufeff" + text).encode("utf-8"), day=TODAY)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.periods_created) == (2, 0, 1)
    jan = Practitioner.objects.get(niss="85073003328")
    assert (jan.language, jan.sex, jan.birth_date) == ("nl", "M", datetime.date(1985, 7, 30))
    period = jan.inami_periods.get()
    assert (period.inami_number, period.profession, period.start_date, period.conventioned) == (
        "53886171521", Profession.PHYSIOTHERAPIST, TODAY, False,
    )
    assert Practitioner.objects.get(niss="03021500440").inami_periods.count() == 0


def test_comma_file_with_spaced_mixed_case_header_and_optional_columns():
    header = " Last_Name , FIRST_NAMES,niss,email,language,sex,birth_date,inami,profession,inami_start,conventioned,phone,enterprise_number"
    text = csv_text(
        'Janssens,Els,,els@example.be,nl,F,15/02/2003,5/38861/71/521,speech therapist,01/09/2020,ja,"+32 2 123 45 67",BE 0566.988.259',
        header=header,
    )
    report = import_practitioners_csv(text.encode(), day=TODAY)
    assert report.ok, report.errors
    record = Practitioner.objects.get(last_name="Janssens")
    assert (record.phone, record.enterprise_number, record.niss) == ("+32 2 123 45 67", "0566988259", "")
    period = record.inami_periods.get()
    assert (period.profession, period.start_date, period.conventioned) == (
        Profession.SPEECH_THERAPIST, datetime.date(2020, 9, 1), True,
    )


def test_a_row_matched_by_niss_updates_only_the_given_columns_and_records_the_history_user():
    record = make_practitioner(phone="016 11 22 33")
    add_period(record, inami_number="53886171521", start_date=datetime.date(2015, 1, 1))
    admin = User.objects.create_user("boss")
    report = import_practitioners_csv(
        csv_text("Peeters;Jan Karel;85073003328;new@example.be;nl;M;30/07/1985;5/38861/71/521"), actor=admin, day=TODAY
    )
    assert report.ok, report.errors
    assert (report.created, report.updated, report.periods_created) == (0, 1, 0)
    record.refresh_from_db()
    assert (record.first_names, record.email, record.phone) == ("Jan Karel", "new@example.be", "016 11 22 33")
    assert Practitioner.objects.count() == 1 and record.inami_periods.count() == 1
    latest = record.history.latest()
    assert latest.history_user == admin and latest.history_change_reason == "CSV import"


def test_a_new_inami_number_for_an_existing_record_adds_a_period():
    record = make_practitioner()
    add_period(record, inami_number="53886171521", start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2019, 12, 31))
    report = import_practitioners_csv(
        csv_text("Peeters;Jan;85073003328;jan.peeters@example.be;nl;M;30/07/1985;1/23456/25/004", header=HEADER),
        day=TODAY,
    )
    assert report.ok, report.errors
    assert (report.updated, report.periods_created) == (1, 1)
    assert record.inami_periods.get(inami_number="12345625004").profession == Profession.DOCTOR


def test_identical_rows_are_reported_unchanged_and_write_no_history():
    record = make_practitioner()
    report = import_practitioners_csv(
        csv_text("Peeters;Jan;85073003328;jan.peeters@example.be;nl;M;30/07/1985;"), day=TODAY
    )
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert record.history.count() == 1


# --- Bad rows: reported with their line, nothing imported ----------------------------------

GOOD_ROW = "Dubois;Marie;03021500440;marie@example.be;fr;F;15/02/2003;"
BAD_ROWS = {
    "bad NISS": ("Claes;An;85073003329;an@example.be;nl;F;;", "niss", "check digits"),
    "NISS and birth date disagree": ("Claes;An;85073003328;an@example.be;nl;M;31/07/1985;", "birth_date", "30/07/1985"),
    "NISS and sex disagree": ("Claes;An;85073003328;an@example.be;nl;F;;", "sex", "male"),
    "bad date": ("Claes;An;;an@example.be;nl;F;31/02/1990;", "birth_date", "not a date"),
    "unknown language": ("Claes;An;;an@example.be;it;F;;", "language", "Unknown language"),
    "bad e-mail": ("Claes;An;;not-an-email;nl;F;;", "email", "valid email"),
    "missing last name": (";An;;an@example.be;nl;F;;", "last_name", "blank"),
    "bad INAMI": ("Claes;An;;an@example.be;nl;F;;5/38861/72/521", "inami", "check digits"),
    "undecidable profession": ("Claes;An;;an@example.be;nl;F;;2/00001/13/001", "profession", "cannot be decided"),
    "overlapping period": ("Peeters;Jan;85073003328;jan@example.be;nl;M;;5/38861/71/528", "inami", "overlaps"),
}


@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_one_bad_row_anywhere_stops_the_whole_import(case, position):
    record = make_practitioner(first_names="Jan")
    add_period(record, inami_number="53886171521", start_date=datetime.date(2015, 1, 1))
    before = snapshot()
    bad_row, column, words = BAD_ROWS[case]
    rows = [GOOD_ROW, GOOD_ROW.replace("Dubois", "Dupont").replace("03021500440", "")]
    rows.insert(position, bad_row)
    report = import_practitioners_csv(csv_text(*rows), day=TODAY)
    assert not report.ok
    assert errors_of(report) == [(position + 2, column)]
    assert words in report.errors[0].message
    assert snapshot() == before


def test_duplicate_niss_in_the_file_names_the_first_line():
    report = import_practitioners_csv(csv_text(GOOD_ROW, "Claes;An;;an@example.be;nl;F;;", GOOD_ROW), day=TODAY)
    assert errors_of(report) == [(4, "niss")]
    assert "line 2" in report.errors[0].message
    assert not Practitioner.objects.exists()


def test_every_bad_row_is_reported_not_just_the_first():
    report = import_practitioners_csv(
        csv_text("Claes;An;;an@example.be;xx;F;;", GOOD_ROW, "Claes;Bo;;bo@example.be;nl;X;99/99/1999;"), day=TODAY
    )
    assert errors_of(report) == [(2, "language"), (4, "sex"), (4, "birth_date")]
    assert str(report.errors[0]).startswith("Line 2, language:")
    assert not Practitioner.objects.exists()


def test_line_numbers_count_blank_lines_and_multiline_cells_as_a_spreadsheet_does():
    text = csv_text(GOOD_ROW, "", 'Claes;"An\nMarie";;an@example.be;nl;F;;', "Claes;Bo;;bo@example.be;zz;M;;")
    report = import_practitioners_csv(text, day=TODAY)
    assert errors_of(report) == [(5, "language")]


def test_row_with_more_cells_than_the_header_is_refused():
    report = import_practitioners_csv(csv_text(GOOD_ROW + ";extra"), day=TODAY)
    assert errors_of(report) == [(2, None)]


# --- Bad files ---------------------------------------------------------------------------

BAD_FILES = {
    "empty": (b"", "empty"),
    "only blanks": (b" \r\n\r\n", "empty"),
    "header only": (HEADER.encode() + b"\r\n", "no practitioner"),
    "no header": (GOOD_ROW.encode(), "header"),
    "missing columns": (b"last_name;first_names\r\nA;B\r\n", "lacks the columns: niss, email"),
    "unknown column": ((HEADER + ";inami_numbr\r\n" + GOOD_ROW + ";x").encode(), "inami_numbr"),
    "repeated column": ((HEADER + ";email\r\n" + GOOD_ROW + ";x").encode(), "twice"),
    "cp1252": ((csv_text(GOOD_ROW.replace("Marie", "Mélanie"))).encode("cp1252"), "not UTF-8 encoded (first unreadable character on line 2)"),
    "utf-16": (csv_text(GOOD_ROW).encode("utf-16"), "UTF-16"),
    "xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "workbook"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    "too large": (csv_text(GOOD_ROW).encode() + b" " * registry_csv.MAX_IMPORT_BYTES, "too large"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_unreadable_files_get_a_clear_message_and_nothing_is_stored(case):
    record = make_practitioner()
    before = snapshot()
    data, words = BAD_FILES[case]
    with pytest.raises(Refused) as refused:  # the file as a whole: no row's error
        import_practitioners_csv(data, day=TODAY)
    assert words in file_refusal_message(refused.value)
    assert snapshot() == before
    assert record.history.count() == 1


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(registry_csv.reading, "MAX_IMPORT_ROWS", 3)
    rows = [f"Claes;N{index};;n@example.be;nl;F;;" for index in range(4)]
    with pytest.raises(Refused) as refused:
        import_practitioners_csv(csv_text(*rows), day=TODAY)
    assert refused.value.code == registry_csv.FILE_TOO_LARGE
    assert "too large" in file_refusal_message(refused.value) and not Practitioner.objects.exists()
    assert import_practitioners_csv(csv_text(*rows[:3]), day=TODAY).created == 3


# --- Export ------------------------------------------------------------------------------


def export_text(day=TODAY) -> str:
    out = io.StringIO(newline="")
    export_practitioners_csv(out, day=day)
    return out.getvalue()


def test_export_is_semicolon_utf8_with_bom_and_formatted_values():
    record = make_practitioner(last_name="Müller", phone="+32 16 22 33 44", enterprise_number="0566988259")
    add_period(record, inami_number="53886171521", start_date=datetime.date(2015, 1, 1), conventioned=True)
    text = export_text()
    assert text.startswith("\ufeff" + ";".join(registry_csv.EXPORT_COLUMNS) + "\r\n")
    row = dict(zip(registry_csv.EXPORT_COLUMNS, text.splitlines()[1].split(";")))
    assert row["last_name"] == "Müller" and row["niss"] == "85.07.30-033.28" and row["birth_date"] == "30/07/1985"
    assert (row["inami"], row["profession"], row["inami_start"], row["conventioned"]) == (
        "5/38861/71/521", "Physiotherapist", "01/01/2015", "yes",
    )
    assert row["enterprise_number"] == "0566.988.259"
    assert row["phone"] == "'+32 16 22 33 44"  # not run as a formula by a spreadsheet


@pytest.mark.parametrize(
    ("exported_in", "imported_in", "profession", "conventioned"),
    [("fr", "nl", "Podologue", "oui"), ("nl", "fr", "Podoloog", "ja"), ("en", "fr", "Podiatrist", "yes")],
)
def test_the_export_speaks_the_exporters_language_and_imports_in_every_language(
    exported_in, imported_in, profession, conventioned
):
    record = make_practitioner()
    add_period(record, profession=Profession.PODIATRIST, inami_number="53886171581", conventioned=True)
    with translation.override(exported_in):
        text = export_text()
    row = dict(zip(registry_csv.EXPORT_COLUMNS, text.splitlines()[1].split(";")))
    assert (row["profession"], row["conventioned"]) == (profession, conventioned)
    InamiPeriod.objects.all().delete()
    with translation.override(imported_in):
        report = import_practitioners_csv(text.encode("utf-8"), day=TODAY)
    assert report.ok, [str(error) for error in report.errors]
    period = record.inami_periods.get()
    assert (period.profession, period.conventioned) == (Profession.PODIATRIST, True)


@pytest.mark.parametrize("written", ["podiatrist", "Podologue", "PODOLOOG", "podologue ", "Podiatrist"])
def test_the_import_reads_a_profession_as_code_or_label_in_any_language(written):
    with translation.override("fr"):
        report = import_practitioners_csv(
            csv_text(f"Peeters;Jan;85073003328;;nl;M;30/07/1985;53886171581;{written}",
                     header=HEADER + ";profession"), day=TODAY,
        )
    assert report.ok, [str(error) for error in report.errors]
    assert InamiPeriod.objects.get().profession == Profession.PODIATRIST


def test_the_administrators_export_page_writes_their_language(client, administrator, practitioner_record):
    add_period(practitioner_record, profession=Profession.PODIATRIST, inami_number="53886171581", conventioned=False)
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    body = client.get(reverse("practitioners:export")).content.decode("utf-8")
    assert ";Podoloog;" in body and body.rstrip().endswith(";nee")


def test_export_uses_a_constant_number_of_queries():
    def queries():
        with CaptureQueriesContext(connection) as context:
            export_text()
        return len(context.captured_queries)

    add_period(make_practitioner(niss="", last_name="A"))
    few = queries()
    for index in range(30):
        add_period(make_practitioner(niss="", last_name=f"B{index}"))
    assert queries() == few


def test_export_then_import_round_trip_recreates_the_registry():
    jan = make_practitioner(phone="+32 16 22 33 44", practice_postcode="3000", practice_municipality="Leuven")
    add_period(jan, inami_number="53886171521", start_date=datetime.date(2015, 1, 1), conventioned=True)
    marie = make_practitioner(last_name="Dubois", first_names="Marie", birth_date=datetime.date(2003, 2, 15),
                              sex="F", niss="03021500440", email="marie@example.be", language="fr")
    add_period(marie, profession=Profession.SPEECH_THERAPIST, inami_number="54120753521",
               start_date=datetime.date(2021, 9, 1), conventioned=False)
    exported = export_text()
    fields = ("last_name", "first_names", "niss", "birth_date", "sex", "language", "email", "phone",
              "practice_postcode", "practice_municipality")
    original = sorted(Practitioner.objects.values_list(*fields))
    periods = sorted(InamiPeriod.objects.values_list("practitioner__niss", "profession", "inami_number",
                                                     "start_date", "conventioned"))

    again = import_practitioners_csv(exported.encode("utf-8"), day=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    InamiPeriod.objects.all().delete()
    Practitioner.objects.all().delete()
    report = import_practitioners_csv(exported.encode("utf-8"), day=TODAY)
    assert report.ok, report.errors
    assert sorted(Practitioner.objects.values_list(*fields)) == original
    assert sorted(InamiPeriod.objects.values_list("practitioner__niss", "profession", "inami_number",
                                                  "start_date", "conventioned")) == periods


def test_overlap_caught_by_the_database_is_reported_not_raised(postgres, monkeypatch):
    """If a period appears between validation and writing, the exclusion constraint refuses it."""
    record = make_practitioner()
    original_validate = registry_csv.importing._validate

    def validate_then_race(rows, day):
        original_validate(rows, day)
        add_period(record, inami_number="53886171528", start_date=datetime.date(2015, 1, 1))

    monkeypatch.setattr(registry_csv.importing, "_validate", validate_then_race)
    with pytest.raises(Refused) as refused:
        import_practitioners_csv(csv_text("Peeters;Jan;85073003328;jan@example.be;nl;M;;5/38861/71/521"), day=TODAY)
    assert "changed during the import" in file_refusal_message(refused.value)
    assert list(record.inami_periods.values_list("inami_number", flat=True)) == ["53886171528"]
    record.refresh_from_db()
    assert record.email == "jan.peeters@example.be"


# --- The pages ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """The pages follow the browser's language (French by default): these tests read English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def upload(client, content: bytes, name="registry.csv"):
    return client.post(reverse("practitioners:import"), {"file": SimpleUploadedFile(name, content, "text/csv")})


@pytest.mark.parametrize("url_name", ["practitioners:import", "practitioners:export"])
def test_pages_are_for_administrators_only(client, url_name, front_desk, practitioner_user):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for user in (front_desk, practitioner_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(front_desk)
    assert upload(client, csv_text(GOOD_ROW).encode()).status_code == 403
    assert not Practitioner.objects.filter(niss="03021500440").exists()


def test_list_shows_the_buttons_to_administrators_only(client, administrator, front_desk):
    import_url = reverse("practitioners:import")
    client.force_login(front_desk)
    assert import_url not in client.get(reverse("practitioners:list")).content.decode()
    client.force_login(administrator)
    page = client.get(reverse("practitioners:list")).content.decode()
    assert import_url in page and reverse("practitioners:export") in page


def test_administrator_imports_a_file_and_the_history_names_them(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("practitioners:import")).status_code == 200
    response = upload(client, csv_text(GOOD_ROW).encode("utf-8-sig"))
    assert response.status_code == 302 and response.url == reverse("practitioners:list")
    record = Practitioner.objects.get(niss="03021500440")
    assert record.history.get().history_user == administrator
    assert "1 created" in client.get(response.url).content.decode()


def test_administrator_sees_every_error_with_its_line_and_nothing_is_imported(client, administrator):
    client.force_login(administrator)
    response = upload(client, csv_text(GOOD_ROW, "Claes;An;;an@example.be;it;F;;").encode())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in page and "<td>3</td><td>language</td>" in page
    assert not Practitioner.objects.exists()


@pytest.mark.parametrize("content", [b"", "caf\xe9".encode("latin-1") + b"\r\n", b"\x00\x01\x02"])
def test_unreadable_uploads_are_refused_without_a_500(client, administrator, content):
    client.force_login(administrator)
    response = upload(client, content)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert not Practitioner.objects.exists()


def test_upload_larger_than_the_limit_is_refused_before_reading(client, administrator, monkeypatch):
    monkeypatch.setattr(registry_csv, "MAX_IMPORT_BYTES", 10)
    client.force_login(administrator)
    response = upload(client, csv_text(GOOD_ROW).encode())
    assert response.status_code == 200 and "too large" in response.content.decode()
    assert not Practitioner.objects.exists()


def test_missing_file_is_reported(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("practitioners:import"), {})
    assert response.status_code == 200 and "file" in response.context["form"].errors


def test_administrator_downloads_the_export(client, administrator, practitioner_record):
    client.force_login(administrator)
    response = client.get(reverse("practitioners:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="practitioners-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufefflast_name;first_names;") and "85.07.30-033.28" in body


def test_an_applied_import_is_in_the_audit_log_and_a_refused_one_is_not(administrator):
    from audit.models import AuditEvent, EventKind

    assert not import_practitioners_csv(csv_text(GOOD_ROW.replace("03021500440", "03021500441")), actor=administrator).ok
    assert not AuditEvent.objects.filter(kind=EventKind.REGISTRY_IMPORT).exists()
    assert import_practitioners_csv(csv_text(GOOD_ROW), actor=administrator).ok
    event = AuditEvent.objects.get(kind=EventKind.REGISTRY_IMPORT)
    assert event.user == administrator and event.details["created"] == 1
