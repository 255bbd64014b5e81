"""Reading an uploaded file: its text, its rows of cells and its header's columns.

Anything that makes the whole file unreadable raises ``oxygen.errors.Refused`` with a ``FILE_*`` code.
"""
from __future__ import annotations

import csv
import io

from oxygen.errors import Refused

from . import columns as codes
from .columns import BOM, EXPORT_COLUMNS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        if len(data) > MAX_IMPORT_BYTES:
            raise _too_large()
        return data.removeprefix(BOM)
    if len(data) > MAX_IMPORT_BYTES:
        raise _too_large()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise Refused(codes.FILE_WORKBOOK)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Refused(codes.FILE_UTF16)
    if b"\x00" in data:
        raise Refused(codes.FILE_NOT_TEXT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(codes.FILE_NOT_UTF8, line=data[: error.start].count(b"\n") + 1) from None


def _too_large() -> Refused:
    return Refused(codes.FILE_TOO_LARGE, megabytes=MAX_IMPORT_BYTES // (1024 * 1024), rows=MAX_IMPORT_ROWS)


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return "," if header.count(",") > header.count(";") else ";"


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet line number, cells) of every record; the header is line 1."""
    if not text.strip():
        raise Refused(codes.FILE_EMPTY)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows = []
    try:
        for line, cells in enumerate(reader, start=1):
            if line > MAX_IMPORT_ROWS + 1:
                raise _too_large()
            rows.append((line, cells))
    except csv.Error as error:
        raise Refused(codes.FILE_UNREADABLE_LINE, line=len(rows) + 1, reason=str(error)) from None
    return rows


def header_columns(cells: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in cells]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    if not known.intersection(columns):
        raise Refused(codes.FILE_NO_HEADER, columns=";".join(REQUIRED_COLUMNS))
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise Refused(codes.FILE_MISSING_COLUMNS, columns=", ".join(missing))
    unknown = [name for name in columns if name and name not in known]
    if unknown:
        raise Refused(codes.FILE_UNKNOWN_COLUMNS, unknown=", ".join(unknown), accepted=", ".join(EXPORT_COLUMNS))
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise Refused(codes.FILE_REPEATED_COLUMNS, columns=", ".join(repeated))
    return columns
