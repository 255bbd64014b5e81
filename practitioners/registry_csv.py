"""Registry CSV import and export, for the administrator pages and `manage.py practitioners`.

`import_practitioners_csv` reads the whole file, validates every row with the same rules as the
record pages (identifier validators, model `full_clean`, the INAMI period overlap rule) and writes
nothing unless every row is valid; then everything is written in one transaction. Problems of
rows come back in the report; a file refused as a whole raises ``oxygen.errors.Refused`` with one
of the ``FILE_*`` codes below (the words are in ``practitioners.csv_refusals``).
"""
from __future__ import annotations

import csv
import datetime
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import EventKind
from audit.services import record_event
from oxygen.errors import Refused

from .identifiers import (
    clean_inami,
    clean_kbo,
    clean_niss,
    format_inami,
    format_kbo,
    format_niss,
)
from .models import (
    InamiPeriod,
    Language,
    Practitioner,
    Profession,
    Sex,
)
from .selectors import current_periods, practitioners_with_current_inami

# --- The CSV format ----------------------------------------------------------------------

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
EXPORT_DELIMITER = ";"
BOM = "\ufeff"

# Columns every file names in its header line.
REQUIRED_COLUMNS = ("last_name", "first_names", "niss", "email", "language", "sex", "birth_date", "inami")
# Columns a file may add; a record field column that is absent is left as it is on update.
OPTIONAL_COLUMNS = (
    "initials",
    "phone",
    "mobile",
    "enterprise_number",
    "practice_street",
    "practice_postcode",
    "practice_municipality",
    "profession",
    "inami_start",
    "conventioned",
)
EXPORT_COLUMNS = (
    "last_name",
    "first_names",
    "initials",
    "niss",
    "birth_date",
    "sex",
    "language",
    "email",
    "phone",
    "mobile",
    "enterprise_number",
    "practice_street",
    "practice_postcode",
    "practice_municipality",
    "inami",
    "profession",
    "inami_start",
    "conventioned",
)
TEXT_COLUMNS = (
    "last_name",
    "first_names",
    "initials",
    "email",
    "phone",
    "mobile",
    "practice_street",
    "practice_postcode",
    "practice_municipality",
)
# Columns about the INAMI period to create, not record fields.
PERIOD_COLUMNS = ("inami", "profession", "inami_start", "conventioned")

# The profession an INAMI number's first digit decides, when it names exactly one of ours.
INAMI_FIRST_DIGIT_PROFESSION = {
    "1": Profession.DOCTOR,
    "3": Profession.DENTIST,
    "4": Profession.NURSE,
    "5": Profession.PHYSIOTHERAPIST,
    "6": Profession.PHARMACIST,
}

TRUE_WORDS = frozenset({"yes", "oui", "ja", "1", "true", "y"})
FALSE_WORDS = frozenset({"no", "non", "nee", "0", "false", "n", ""})
# Spreadsheets run a cell starting with one of these as a formula: exported with a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The PostgreSQL exclusion constraint of migration 0002 (deferred to commit by default).
PERIOD_OVERLAP_CONSTRAINT = "inami_period_no_overlap_per_profession"

# Model field -> the column that reports its errors.
FIELD_COLUMNS = {"inami_number": "inami", "start_date": "inami_start", "end_date": "inami_start"}


@dataclass(frozen=True)
class RowError:
    """One problem: `line` as a spreadsheet numbers it (header = 1), None for the whole file."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = _("Line %(line)d") % {"line": self.line} if self.line else _("File")
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    periods_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Codes of a file refused as a whole (nothing is imported), with their params.
FILE_TOO_LARGE = "too_large"  # megabytes, rows
FILE_WORKBOOK = "workbook"
FILE_UTF16 = "utf16"
FILE_NOT_TEXT = "not_text"
FILE_NOT_UTF8 = "not_utf8"  # line
FILE_EMPTY = "empty"
FILE_UNREADABLE_LINE = "unreadable_line"  # line, reason
FILE_NO_HEADER = "no_header"  # columns
FILE_MISSING_COLUMNS = "missing_columns"  # columns
FILE_UNKNOWN_COLUMNS = "unknown_columns"  # unknown, accepted
FILE_REPEATED_COLUMNS = "repeated_columns"  # columns
FILE_NO_PRACTITIONER = "no_practitioner"
FILE_REGISTRY_CHANGED = "registry_changed"


# --- Reading the file ---------------------------------------------------------------------


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        if len(data) > MAX_IMPORT_BYTES:
            raise _too_large()
        return data.removeprefix(BOM)
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_large()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise Refused(FILE_WORKBOOK)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Refused(FILE_UTF16)
    if b"\x00" in data:
        raise Refused(FILE_NOT_TEXT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(FILE_NOT_UTF8, line=data[: error.start].count(b"\n") + 1) from None


def _too_large() -> Refused:
    return Refused(FILE_TOO_LARGE, megabytes=MAX_IMPORT_BYTES // (1024 * 1024), rows=MAX_IMPORT_ROWS)


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return "," if header.count(",") > header.count(";") else ";"


def _read_rows(text: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet line number, cells) of every record; the header is line 1."""
    if not text.strip():
        raise Refused(FILE_EMPTY)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows = []
    try:
        for line, cells in enumerate(reader, start=1):
            if line > MAX_IMPORT_ROWS + 1:
                raise _too_large()
            rows.append((line, cells))
    except csv.Error as error:
        raise Refused(FILE_UNREADABLE_LINE, line=len(rows) + 1, reason=str(error)) from None
    return rows


def _header_columns(cells: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in cells]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    if not known.intersection(columns):
        raise Refused(FILE_NO_HEADER, columns=";".join(REQUIRED_COLUMNS))
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise Refused(FILE_MISSING_COLUMNS, columns=", ".join(missing))
    unknown = [name for name in columns if name and name not in known]
    if unknown:
        raise Refused(FILE_UNKNOWN_COLUMNS, unknown=", ".join(unknown), accepted=", ".join(EXPORT_COLUMNS))
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise Refused(FILE_REPEATED_COLUMNS, columns=", ".join(repeated))
    return columns


# --- Parsing the cells of one row ---------------------------------------------------------


def parse_date(value: str) -> datetime.date | None:
    """dd/mm/yyyy (as Belgian spreadsheets write it) or ISO yyyy-mm-dd; empty gives None."""
    if not value:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValidationError(_("“%(value)s” is not a date: write it dd/mm/yyyy or yyyy-mm-dd.") % {"value": value})


def _choice_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


@functools.cache
def _accepted_choices(choices: type) -> dict[str, str]:
    """Each choice's value and its label in every interface language -> the value: an export
    written in Dutch imports in French."""
    accepted = {}
    for language in [None, *(code for code, _name in settings.LANGUAGES)]:
        with translation.override(language):
            accepted.update({_choice_key(str(choice.label)): choice.value for choice in choices})
    accepted.update({_choice_key(choice.value): choice.value for choice in choices})
    return accepted


def _parse_choice(value: str, choices: type, what: str) -> str:
    accepted = _accepted_choices(choices).get(_choice_key(value))
    if accepted is not None:
        return accepted
    raise ValidationError(
        _("Unknown %(what)s “%(value)s”: use one of %(accepted)s.")
        % {"what": what, "value": value, "accepted": ", ".join(choices.values)}
    )


def _parse_profession(value: str) -> str:
    return _parse_choice(value, Profession, _("profession"))


def _parse_yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no (yes/no, oui/non, ja/nee, 1/0).") % {"value": value})


def _cell_value(cell: str) -> str:
    value = cell.strip()
    if value.startswith("'") and value[1:2] in FORMULA_PREFIXES:
        return value[1:]  # the quote our export adds before a formula-like cell
    return value


FIELD_PARSERS = {
    "niss": lambda value: clean_niss(value) if value else "",
    "enterprise_number": lambda value: clean_kbo(value) if value else "",
    "birth_date": parse_date,
    "language": lambda value: _parse_choice(value, Language, _("language")) if value else "",
    "sex": lambda value: _parse_choice(value, Sex, _("sex")) if value else "",
    **{name: (lambda value: value) for name in TEXT_COLUMNS},
}
PERIOD_PARSERS = {
    "inami": lambda value: clean_inami(value) if value else "",
    "profession": lambda value: _parse_profession(value) if value else "",
    "inami_start": parse_date,
    "conventioned": _parse_yes_no,
}


@dataclass
class _Row:
    line: int
    values: dict = field(default_factory=dict)  # record field -> parsed value
    period: dict = field(default_factory=dict)  # period column -> parsed value
    errors: dict = field(default_factory=dict)  # column -> messages
    practitioner: Practitioner | None = None
    new_period: InamiPeriod | None = None
    changed: bool = False

    def add_errors(self, column: str | None, messages: Iterable[str]) -> None:
        self.errors.setdefault(column, []).extend(messages)


def _parse_row(line: int, columns: list[str], cells: list[str]) -> _Row:
    row = _Row(line=line)
    extra = [cell for cell in cells[len(columns):] if cell.strip()]
    if extra:
        row.add_errors(None, [_("This line has more cells than the header line has columns.")])
    for column, cell in zip(columns, cells + [""] * (len(columns) - len(cells))):
        if not column:
            if cell.strip():
                row.add_errors(None, [_("A cell has a value under a column without a name.")])
            continue
        value = _cell_value(cell)
        target, parser = (row.period, PERIOD_PARSERS[column]) if column in PERIOD_PARSERS else (
            row.values, FIELD_PARSERS[column])
        try:
            target[column] = parser(value)
        except ValidationError as error:
            row.add_errors(column, error.messages)
    return row


# --- Validating rows against the registry -------------------------------------------------


def _validate_practitioner(row: _Row, existing: dict[str, Practitioner]) -> None:
    niss = row.values.get("niss")
    practitioner = existing.get(niss) if niss else None
    if practitioner is None:
        practitioner = Practitioner()
    before = {name: getattr(practitioner, name) for name in row.values}
    for name, value in row.values.items():
        setattr(practitioner, name, value)
    row.changed = practitioner.pk is None or before != row.values
    row.practitioner = practitioner
    unparsed = [name for name in row.errors if name in FIELD_PARSERS]
    try:
        # Constraints are not queried row by row: the validators imply the check constraints, and a
        # NISS is unique because rows are matched by NISS and checked against each other. The
        # database still enforces them all when writing.
        practitioner.full_clean(exclude=unparsed, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name not in row.errors:
                row.add_errors(name if name in FIELD_PARSERS else None, messages)


def _validate_period(row: _Row, day: datetime.date) -> None:
    number = row.period.get("inami")
    if not number or any(name in row.errors for name in PERIOD_COLUMNS):
        return
    practitioner = row.practitioner
    if practitioner.pk and any(p.inami_number == number for p in practitioner.inami_periods.all()):
        return
    profession = row.period.get("profession") or INAMI_FIRST_DIGIT_PROFESSION.get(number[0])
    if not profession:
        row.add_errors(
            "profession",
            [_("The profession cannot be decided from the INAMI number %(number)s: fill in the profession column.")
             % {"number": format_inami(number)}],
        )
        return
    period = InamiPeriod(
        practitioner=practitioner if practitioner.pk else None,
        profession=profession,
        inami_number=number,
        start_date=row.period.get("inami_start") or day,
        conventioned=row.period.get("conventioned", False),
    )
    try:
        period.full_clean(exclude=[] if practitioner.pk else ["practitioner"], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = FIELD_COLUMNS.get(name, name)
            row.add_errors(column if column in PERIOD_COLUMNS else "inami", messages)
        return
    row.new_period = period


def _validate(rows: list[_Row], day: datetime.date) -> None:
    niss_numbers = {row.values["niss"] for row in rows if row.values.get("niss")}
    existing = {
        p.niss: p for p in Practitioner.objects.filter(niss__in=niss_numbers).prefetch_related("inami_periods")
    }
    first_line_of: dict[str, int] = {}
    for row in rows:
        niss = row.values.get("niss")
        if niss and niss in first_line_of:
            row.add_errors(
                "niss",
                [_("This NISS is already on line %(line)d of the file.") % {"line": first_line_of[niss]}],
            )
            continue
        if niss:
            first_line_of[niss] = row.line
        _validate_practitioner(row, existing)
        _validate_period(row, day)


def _errors_of(rows: list[_Row]) -> list[RowError]:
    return [
        RowError(row.line, column, message)
        for row in rows
        for column, messages in row.errors.items()
        for message in messages
    ]


# --- Writing ------------------------------------------------------------------------------


def _write(rows: list[_Row], actor: User | None, report: ImportReport) -> None:
    reason = _("CSV import")
    with transaction.atomic():
        for row in rows:
            practitioner = row.practitioner
            if row.changed:
                created = practitioner.pk is None
                practitioner._history_user = actor
                practitioner._change_reason = reason
                practitioner.save()
                report.created += created
                report.updated += not created
            elif row.new_period is None:
                report.unchanged += 1
            else:
                report.updated += 1
            if row.new_period is not None:
                row.new_period.practitioner = practitioner
                row.new_period._history_user = actor
                row.new_period._change_reason = reason
                row.new_period.save()
                report.periods_created += 1
        if connection.vendor == "postgresql":
            # Check the deferred period constraint now, inside this block, not at the request's commit.
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {PERIOD_OVERLAP_CONSTRAINT} IMMEDIATE")
                cursor.execute(f"SET CONSTRAINTS {PERIOD_OVERLAP_CONSTRAINT} DEFERRED")


def import_practitioners_csv(
    data: bytes | str, *, actor: User | None = None, day: datetime.date | None = None, request=None
) -> ImportReport:
    """Validate the whole file, then create/update every row in one transaction, or nothing at all.

    Rows are matched to records by NISS. `actor` is recorded in the history as the author, and an
    applied import in the audit log. The report lists the rows' errors (nothing written then); a
    file refused as a whole raises ``Refused`` (a ``FILE_*`` code).
    """
    report = ImportReport()
    rows = _read_rows(_decode(data))
    columns = _header_columns(rows[0][1])
    parsed = [_parse_row(line, columns, cells) for line, cells in rows[1:] if any(cell.strip() for cell in cells)]
    if not parsed:
        raise Refused(FILE_NO_PRACTITIONER)
    _validate(parsed, day or timezone.localdate())
    report.errors = _errors_of(parsed)
    if report.errors:
        return report
    try:
        _write(parsed, actor, report)
    except IntegrityError:
        raise Refused(FILE_REGISTRY_CHANGED) from None
    counts = {"created": report.created, "updated": report.updated, "periods_created": report.periods_created}
    record_event(EventKind.REGISTRY_IMPORT, actor=actor, request=request, details=counts,
                 summary="created {created}, updated {updated}".format(**counts))  # fmt: skip
    return report


# --- Export -------------------------------------------------------------------------------


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _export_row(practitioner: Practitioner, words: dict) -> list[str]:
    birth_date = practitioner.birth_date.strftime("%d/%m/%Y") if practitioner.birth_date else ""
    inami_start = practitioner.current_inami_start
    values = {
        "niss": format_niss(practitioner.niss),
        "birth_date": birth_date,
        "enterprise_number": format_kbo(practitioner.enterprise_number),
        "inami": format_inami(practitioner.current_inami or ""),
        "profession": words.get(practitioner.current_profession, ""),
        "inami_start": inami_start.strftime("%d/%m/%Y") if inami_start else "",
        "conventioned": words[bool(practitioner.conventioned_today)] if practitioner.current_inami else "",
    }
    return [safe_cell(values[name] if name in values else getattr(practitioner, name)) for name in EXPORT_COLUMNS]


def export_practitioners_csv(out: TextIO, day: datetime.date | None = None) -> int:
    """Write the registry to `out` as `;`-separated UTF-8 with a BOM; return the number of rows.

    Professions and yes/no are written in the active language (the import reads them in every
    language). `out` should be opened with newline="". A constant number of queries whatever the size.
    """
    words = {True: _("yes"), False: _("no"), **{value: str(label) for value, label in Profession.choices}}
    day = day or timezone.localdate()
    start = current_periods(day).filter(practitioner=OuterRef("pk")).values("start_date")[:1]
    practitioners = practitioners_with_current_inami(day).annotate(current_inami_start=Subquery(start))
    out.write(BOM)
    writer = csv.writer(out, delimiter=EXPORT_DELIMITER, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for practitioner in practitioners.iterator(chunk_size=1000):
        writer.writerow(_export_row(practitioner, words))
        count += 1
    return count
