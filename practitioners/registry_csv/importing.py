"""`import_practitioners_csv`: read, parse and validate every row, then write all of them or none.

Rows are validated with the same rules as the record pages (identifier validators, model
`full_clean`, the INAMI period overlap rule); nothing is written unless every row is valid, and
then everything is written in one transaction.
"""
from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import EventKind
from audit.services import record_event
from oxygen.errors import Refused

from ..identifiers import format_inami
from ..models import InamiPeriod, Practitioner, profession_for_inami
from .cells import FIELD_PARSERS, Row, parse_row
from .columns import (
    FIELD_COLUMNS,
    FILE_NO_PRACTITIONER,
    FILE_REGISTRY_CHANGED,
    PERIOD_COLUMNS,
    PERIOD_OVERLAP_CONSTRAINT,
    ImportReport,
    RowError,
)
from .reading import decode, header_columns, read_rows

def _validate_practitioner(row: Row, existing: dict[str, Practitioner]) -> None:
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


def _validate_period(row: Row, day: datetime.date) -> None:
    number = row.period.get("inami")
    if not number or any(name in row.errors for name in PERIOD_COLUMNS):
        return
    practitioner = row.practitioner
    if practitioner.pk and any(p.inami_number == number for p in practitioner.inami_periods.all()):
        return
    profession = row.period.get("profession") or profession_for_inami(number)
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


def _validate(rows: list[Row], day: datetime.date) -> None:
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


def _errors_of(rows: list[Row]) -> list[RowError]:
    return [
        RowError(row.line, column, message)
        for row in rows
        for column, messages in row.errors.items()
        for message in messages
    ]


def _write(rows: list[Row], actor: User | None, report: ImportReport) -> None:
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
    rows = read_rows(decode(data))
    columns = header_columns(rows[0][1])
    parsed = [parse_row(line, columns, cells) for line, cells in rows[1:] if any(cell.strip() for cell in cells)]
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
