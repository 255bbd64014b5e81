"""Reading an uploaded file: its text, its rows of cells and its header's columns.

Anything that makes the whole file unreadable raises `CsvFileError`, with a message for the user.
"""
from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .columns import BOM, EXPORT_COLUMNS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS


class CsvFileError(Exception):
    """The file as a whole cannot be read; nothing is imported."""


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        if len(data) > MAX_IMPORT_BYTES:
            raise CsvFileError(_too_large_message())
        return data.removeprefix(BOM)
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvFileError(_too_large_message())
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise CsvFileError(
            _("This is a spreadsheet workbook, not a CSV file: save it as “CSV UTF-8” in your spreadsheet first.")
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(_("The file is encoded in UTF-16: save it as “CSV UTF-8” in your spreadsheet first."))
    if b"\x00" in data:
        raise CsvFileError(_("This is not a text file: please choose a CSV file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvFileError(
            _(
                "The file is not UTF-8 encoded (first unreadable character on line %(line)d). "
                "Save it as “CSV UTF-8” in your spreadsheet and try again."
            )
            % {"line": line}
        ) from None


def _too_large_message() -> str:
    return _("The file is too large: at most %(megabytes)d MB and %(rows)d rows can be imported at once.") % {
        "megabytes": MAX_IMPORT_BYTES // (1024 * 1024),
        "rows": MAX_IMPORT_ROWS,
    }


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return "," if header.count(",") > header.count(";") else ";"


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet line number, cells) of every record; the header is line 1."""
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows = []
    try:
        for line, cells in enumerate(reader, start=1):
            if line > MAX_IMPORT_ROWS + 1:
                raise CsvFileError(_too_large_message())
            rows.append((line, cells))
    except csv.Error as error:
        raise CsvFileError(
            _("Line %(line)d cannot be read as CSV (%(reason)s).") % {"line": len(rows) + 1, "reason": error}
        ) from None
    return rows


def header_columns(cells: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in cells]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    if not known.intersection(columns):
        raise CsvFileError(
            _("The first line must be the header naming the columns, e.g. %(columns)s.")
            % {"columns": ";".join(REQUIRED_COLUMNS)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise CsvFileError(_("The header line lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    unknown = [name for name in columns if name and name not in known]
    if unknown:
        raise CsvFileError(
            _("Unknown columns in the header line: %(unknown)s. The accepted columns are: %(accepted)s.")
            % {"unknown": ", ".join(unknown), "accepted": ", ".join(EXPORT_COLUMNS)}
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise CsvFileError(_("Columns named twice in the header line: %(columns)s.") % {"columns": ", ".join(repeated)})
    return columns
