"""Registry CSV import and export, for the administrator pages and `manage.py practitioners`.

- `columns`: the file format (columns, limits, delimiter), the import report and its errors;
- `reading`: from bytes to the header's columns and the rows' cells, or ``Refused`` (a ``FILE_*`` code);
- `cells`: each cell parsed into a record field or an INAMI period value;
- `importing`: `import_practitioners_csv` validates every row with the same rules as the record
  pages (identifier validators, model `full_clean`, the INAMI period overlap rule) and writes
  nothing unless every row is valid; then everything is written in one transaction;
- `exporting`: `export_practitioners_csv`, formula-safe cells.
"""
from .columns import (
    BOM,
    EXPORT_COLUMNS,
    EXPORT_DELIMITER,
    FILE_EMPTY,
    FILE_MISSING_COLUMNS,
    FILE_NOT_TEXT,
    FILE_NOT_UTF8,
    FILE_NO_HEADER,
    FILE_NO_PRACTITIONER,
    FILE_REGISTRY_CHANGED,
    FILE_REPEATED_COLUMNS,
    FILE_TOO_LARGE,
    FILE_UNKNOWN_COLUMNS,
    FILE_UNREADABLE_LINE,
    FILE_UTF16,
    FILE_WORKBOOK,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportReport,
    RowError,
)
from .exporting import export_practitioners_csv, safe_cell
from .importing import import_practitioners_csv

__all__ = [
    "BOM",
    "EXPORT_COLUMNS",
    "EXPORT_DELIMITER",
    "FILE_EMPTY",
    "FILE_MISSING_COLUMNS",
    "FILE_NOT_TEXT",
    "FILE_NOT_UTF8",
    "FILE_NO_HEADER",
    "FILE_NO_PRACTITIONER",
    "FILE_REGISTRY_CHANGED",
    "FILE_REPEATED_COLUMNS",
    "FILE_TOO_LARGE",
    "FILE_UNKNOWN_COLUMNS",
    "FILE_UNREADABLE_LINE",
    "FILE_UTF16",
    "FILE_WORKBOOK",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportReport",
    "RowError",
    "export_practitioners_csv",
    "import_practitioners_csv",
    "safe_cell",
]
