"""`export_practitioners_csv`: the registry as a spreadsheet reads it, formulas defused."""
from __future__ import annotations

import csv
import datetime
from typing import TextIO

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from ..identifiers import format_inami, format_kbo, format_niss
from ..models import Practitioner, Profession
from ..selectors import current_periods, practitioners_with_current_inami
from .columns import BOM, EXPORT_COLUMNS, EXPORT_DELIMITER, FORMULA_PREFIXES

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
