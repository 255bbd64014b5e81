"""The words for a registry CSV file refused as a whole (``registry_csv.FILE_*`` codes), for the
import page and ``manage.py practitioners import``."""
from __future__ import annotations

from django.utils.translation import gettext as _

from oxygen.errors import Refused

from . import registry_csv


def file_refusal_message(refused: Refused) -> str:
    """Why nothing of the file was imported, with what to do about it."""
    code, params = refused.code, refused.params
    if code == registry_csv.FILE_TOO_LARGE:
        return _("The file is too large: at most %(megabytes)d MB and %(rows)d rows can be imported at once.") % params
    if code == registry_csv.FILE_WORKBOOK:
        return _("This is a spreadsheet workbook, not a CSV file: save it as “CSV UTF-8” in your spreadsheet first.")
    if code == registry_csv.FILE_UTF16:
        return _("The file is encoded in UTF-16: save it as “CSV UTF-8” in your spreadsheet first.")
    if code == registry_csv.FILE_NOT_TEXT:
        return _("This is not a text file: please choose a CSV file.")
    if code == registry_csv.FILE_NOT_UTF8:
        return _(
            "The file is not UTF-8 encoded (first unreadable character on line %(line)d). "
            "Save it as “CSV UTF-8” in your spreadsheet and try again."
        ) % params
    if code == registry_csv.FILE_EMPTY:
        return _("The file is empty.")
    if code == registry_csv.FILE_UNREADABLE_LINE:
        return _("Line %(line)d cannot be read as CSV (%(reason)s).") % params
    if code == registry_csv.FILE_NO_HEADER:
        return _("The first line must be the header naming the columns, e.g. %(columns)s.") % params
    if code == registry_csv.FILE_MISSING_COLUMNS:
        return _("The header line lacks the columns: %(columns)s.") % params
    if code == registry_csv.FILE_UNKNOWN_COLUMNS:
        return _("Unknown columns in the header line: %(unknown)s. The accepted columns are: %(accepted)s.") % params
    if code == registry_csv.FILE_REPEATED_COLUMNS:
        return _("Columns named twice in the header line: %(columns)s.") % params
    if code == registry_csv.FILE_NO_PRACTITIONER:
        return _("The file has a header line but no practitioner.")
    return _("The registry changed during the import; nothing was imported. Please try again.")


def file_refusal_errors(refused: Refused) -> list[registry_csv.RowError]:
    """The refusal as the report's error list shows it: one error of the whole file."""
    return [registry_csv.RowError(None, None, file_refusal_message(refused))]
