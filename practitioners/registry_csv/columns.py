"""The registry CSV format: its columns and limits, and what an import reports."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

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


# Codes of a file refused as a whole (``oxygen.errors.Refused``: nothing is imported), with their
# params; the words are in ``practitioners.csv_refusals``.
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
