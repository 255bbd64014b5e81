"""Reads of certificates and their status, shared by the pages, the registry list and the CLI.

A record's certificate status is that of its active certificate: ``none`` without one,
``expired`` once its notAfter is past, ``expiring`` inside the renewal window (from
``EHEALTH_RENEWAL_WINDOW_MONTHS`` months before expiry), ``valid`` otherwise.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, CharField, F, FilteredRelation, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practitioners.models import Practitioner

from ehealth_certs import conf
from ehealth_certs.models import Certificate, CertificateState, stored_bytes
from ehealth_certs.keystore.dates import add_months

NONE, VALID, EXPIRING, EXPIRED = "none", "valid", "expiring", "expired"
STATUS_CHOICES = (
    (NONE, _("No certificate")),
    (VALID, _("Valid")),
    (EXPIRING, _("Expires soon")),
    (EXPIRED, _("Expired")),
)


def renewal_threshold(now: datetime) -> datetime:
    """Certificates expiring on or before this moment are inside the renewal window."""
    return add_months(now, conf.renewal_window_months())


def status_for(not_after: datetime | None, now: datetime | None = None) -> str:
    if not_after is None:
        return NONE
    now = now or timezone.now()
    if not_after <= now:
        return EXPIRED
    if not_after <= renewal_threshold(now):
        return EXPIRING
    return VALID


@dataclass(frozen=True)
class CertificateStatus:
    """A record's certificate status, as the "Info prestataire" button shows it."""

    status: str
    certificate: Certificate | None

    @property
    def not_after(self) -> datetime | None:
        return self.certificate.not_after if self.certificate else None


def _for_display(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Certificates for display: their stored bytes (keystore, DER) are never loaded."""
    return queryset.defer(*stored_bytes())


def active_certificate(practitioner: Practitioner) -> Certificate | None:
    return _for_display(practitioner.certificates.filter(state=CertificateState.ACTIVE)).first()


def certificate_status(practitioner: Practitioner, now: datetime | None = None) -> CertificateStatus:
    certificate = active_certificate(practitioner)
    return CertificateStatus(status_for(certificate.not_after if certificate else None, now), certificate)


def certificate_history(practitioner: Practitioner) -> QuerySet[Certificate]:
    """Every certificate of the record, the most recently uploaded first."""
    return _for_display(practitioner.certificates.select_related("uploaded_by", "removed_by", "revoked_by"))


def certificate_with_entries(practitioner: Practitioner, public_id) -> Certificate | None:
    return (
        _for_display(practitioner.certificates.filter(public_id=public_id))
        .prefetch_related("entries")
        .select_related("uploaded_by", "removed_by", "revoked_by")
        .first()
    )


def with_certificate_status(queryset: QuerySet[Practitioner], now: datetime | None = None) -> QuerySet[Practitioner]:
    """Annotate ``certificate_not_after`` and ``certificate_status`` (one of the statuses) in the same query.

    One LEFT JOIN on the active certificate (at most one per record: a partial unique index says
    so), not a subquery the status's CASE would repeat for each of its branches.
    """
    now = now or timezone.now()
    return queryset.alias(
        active_certificate=FilteredRelation("certificates", condition=Q(certificates__state=CertificateState.ACTIVE)),
    ).annotate(
        certificate_not_after=F("active_certificate__not_after"),
    ).annotate(
        certificate_status=Case(
            When(certificate_not_after__isnull=True, then=Value(NONE)),
            When(certificate_not_after__lte=now, then=Value(EXPIRED)),
            When(certificate_not_after__lte=renewal_threshold(now), then=Value(EXPIRING)),
            default=Value(VALID),
            output_field=CharField(),
        )
    )


def attach_certificate_status(practitioners: Iterable[Practitioner], now: datetime | None = None) -> None:
    """Set ``certificate_not_after`` and ``certificate_status`` on each loaded record, as
    ``with_certificate_status`` annotates them: one query for a whole page of records."""
    records = list(practitioners)
    now = now or timezone.now()
    active = Certificate.objects.filter(practitioner_id__in=[record.pk for record in records], state=CertificateState.ACTIVE)
    not_after = dict(active.values_list("practitioner_id", "not_after"))
    for record in records:
        record.certificate_not_after = not_after.get(record.pk)
        record.certificate_status = status_for(record.certificate_not_after, now)
