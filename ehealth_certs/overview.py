"""The administrators' certificates overview: which records each filter shows, and its CSV export."""
from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from django.db.models import Case, F, OuterRef, QuerySet, Subquery, When
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from practitioners.identifiers import format_niss
from practitioners.models import Practitioner
from practitioners.registry_csv import BOM, EXPORT_DELIMITER, safe_cell

from ehealth_certs import selectors
from ehealth_certs.models import Certificate, CertificateState

ALL, REVOKED = "all", "revoked"
FILTERS = (
    (ALL, _("All")),
    (selectors.EXPIRING, _("Expires soon")),
    (selectors.EXPIRED, _("Expired")),
    (REVOKED, _("Revoked")),
    (selectors.NONE, _("No certificate")),
)
STATUS_LABELS = dict(selectors.STATUS_CHOICES)


def chosen_filter(value: str | None) -> str:
    """The filter asked for in the URL; anything else shows every record."""
    return value if value in dict(FILTERS) else ALL


def overview_records(show: str, now: datetime | None = None) -> QuerySet[Practitioner]:
    """Active records with their certificate status and, without an active certificate, when the
    last one was revoked (``revoked_at``, else None); the soonest expiry first, records without one last."""
    revoked = Certificate.objects.filter(practitioner=OuterRef("pk"), state=CertificateState.REVOKED)
    last_revoked_at = Subquery(revoked.order_by("-revoked_at", "-pk").values("revoked_at")[:1])
    records = selectors.with_certificate_status(Practitioner.objects.filter(is_active=True), now).annotate(
        revoked_at=Case(When(certificate_not_after__isnull=True, then=last_revoked_at)),
    )
    if show == REVOKED:
        records = records.filter(revoked_at__isnull=False)
    elif show != ALL:
        records = records.filter(certificate_status=show)
    return records.order_by(F("certificate_not_after").asc(nulls_last=True), "last_name", "first_names", "pk")


def _date(value: datetime | None) -> str:
    return dateformat.format(timezone.localtime(value), "d/m/Y") if value else ""


def export_overview_csv(out: TextIO, show: str, now: datetime | None = None) -> int:
    """The filtered overview as `;`-separated UTF-8 with a BOM, headers in the current language."""
    out.write(BOM)
    writer = csv.writer(out, delimiter=EXPORT_DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [gettext("Practitioner"), gettext("NISS"), gettext("E-mail"), gettext("Certificate"), gettext("Valid until"),
         gettext("Revoked on")]
    )  # fmt: skip
    count = 0
    for record in overview_records(show, now).iterator(chunk_size=1000):
        cells = [str(record), format_niss(record.niss) if record.niss else "", record.email,
                 str(STATUS_LABELS[record.certificate_status]), _date(record.certificate_not_after),
                 _date(record.revoked_at)]  # fmt: skip
        writer.writerow([safe_cell(cell) for cell in cells])
        count += 1
    return count
