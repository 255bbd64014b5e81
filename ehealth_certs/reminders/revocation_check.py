"""The daily re-check of the active certificates' revocation status with their CA's OCSP responder.

:func:`check_revocations` asks the responders a few at a time (a small thread pool, no database
work in the threads), then records the answers with one UPDATE per outcome and chunk. A
certificate found revoked leaves the active state (one conditional UPDATE each, with the
responder's date and reason, kept apart from a revocation the practice records itself), and its
practitioner is owed one :class:`~ehealth_certs.models.RevocationNotice` mail (unique per
certificate), sent like the reminders. A responder that is down changes nothing but the
"last check" columns: ``/healthz`` reports certificates without a verified answer for days.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from cryptography import x509
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from audit.models import EventKind
from audit.services import record_event

from ehealth_certs import conf
from ehealth_certs.keystore import ocsp
from ehealth_certs.models import Certificate, CertificateState, RevocationCheck, RevocationNotice, stored_bytes
from ehealth_certs.keystore_text import REVOCATION_REASONS

logger = logging.getLogger(__name__)

CHUNK = 200  # certificates asked, then recorded, at a time


@dataclass
class RevocationScan:
    """What one re-check found: how many good / unknown answers, the certificates it marked revoked."""

    checked: bool = True  # False: EHEALTH_REVOCATION_CHECK is off
    good: int = 0
    unknown: int = 0
    revoked_ids: list[int] = field(default_factory=list)
    notice_ids: list[int] = field(default_factory=list)


def certificates_to_check() -> QuerySet[Certificate]:
    """Active certificates of active records that name an OCSP responder."""
    return Certificate.objects.filter(state=CertificateState.ACTIVE, practitioner__is_active=True).exclude(ocsp_url="")


def check_revocations(now: datetime | None = None) -> RevocationScan:
    """Ask every active certificate's responder; record the answers; mark the revoked ones."""
    check_settings = conf.revocation_check()
    if check_settings is None:
        return RevocationScan(checked=False)
    now = now or timezone.now()
    scan = RevocationScan()
    ids = iter(list(certificates_to_check().order_by("pk").values_list("pk", flat=True)))
    workers = max(1, int(settings.EHEALTH_REVOCATION_CHECK_WORKERS))
    # The threads only do HTTP; every query and update runs here, between two chunks.
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocsp") as pool:
        while chunk := list(islice(ids, CHUNK)):
            rows = Certificate.objects.filter(pk__in=chunk).values_list("pk", "certificate_der", "issuer_der", "ocsp_url")
            answers = list(pool.map(lambda row: (row[0], _ask(row, check_settings, now)), rows))
            _record(scan, answers, now)
    logger.info(
        "revocation check: %d good, %d without a verified answer, %d revoked", scan.good, scan.unknown, len(scan.revoked_ids)
    )
    return scan


def _ask(row: tuple, check_settings: ocsp.OcspSettings, now: datetime) -> ocsp.OcspAnswer:
    _, certificate_der, issuer_der, url = row
    try:
        certificate = x509.load_der_x509_certificate(bytes(certificate_der))
        issuer = x509.load_der_x509_certificate(bytes(issuer_der))
    except ValueError:
        return ocsp.OcspAnswer(ocsp.OcspStatus.FAILED, url, detail="the stored certificate or its issuer is missing")
    return ocsp.check(certificate, issuer, now=now, settings=check_settings, url=url)


def _record(scan: RevocationScan, answers: list[tuple[int, ocsp.OcspAnswer]], now: datetime) -> None:
    active = Certificate.objects.filter(state=CertificateState.ACTIVE)
    good = [pk for pk, answer in answers if answer.status == ocsp.OcspStatus.GOOD]
    unknown = [pk for pk, answer in answers if not answer.conclusive]
    scan.good += active.filter(pk__in=good).update(
        revocation_check=RevocationCheck.GOOD, revocation_checked_at=now, revocation_confirmed_at=now
    )
    scan.unknown += active.filter(pk__in=unknown).update(
        revocation_check=RevocationCheck.UNKNOWN, revocation_checked_at=now
    )
    revoked = [pk for pk, answer in answers if answer.status == ocsp.OcspStatus.REVOKED and mark_revoked_by_ca(pk, answer, now)]
    scan.revoked_ids += revoked
    scan.notice_ids += _record_notices(revoked, now)


def mark_revoked_by_ca(pk: int, answer: ocsp.OcspAnswer, now: datetime) -> bool:
    """Active -> revoked, as the responder said (a conditional UPDATE); False when it was no longer active."""
    revoked_at = answer.revoked_at or now
    updated = Certificate.objects.filter(pk=pk, state=CertificateState.ACTIVE).update(
        state=CertificateState.REVOKED,
        revoked_at=now,
        revoked_by=None,
        revocation_date=timezone.localtime(revoked_at).date(),
        revoked_by_ca_at=revoked_at,
        ca_revocation_reason=answer.reason if answer.reason in REVOCATION_REASONS else "",
        revocation_check=RevocationCheck.REVOKED,
        revocation_checked_at=now,
        revocation_confirmed_at=now,
    )
    if updated != 1:
        return False
    certificate = (
        Certificate.objects.select_related("practitioner").defer(*stored_bytes()).get(pk=pk)
    )
    logger.warning("certificate %s of record %s was revoked by its CA (%s)", certificate.public_id,
                   certificate.practitioner_id, answer.reason or "no reason given")  # fmt: skip
    record_event(
        EventKind.CERTIFICATE_REVOKED,
        practitioner=certificate.practitioner,
        summary=f"Certificate valid until {timezone.localtime(certificate.not_after):%d/%m/%Y} revoked by the CA (OCSP)",
        details={
            "certificate": str(certificate.public_id),
            "serial": certificate.serial,
            "source": "ocsp",
            "ocsp_url": answer.url,
            "reason": answer.reason,
            "revoked_at": revoked_at.isoformat(),
        },
    )
    return True


def _record_notices(certificate_ids: list[int], now: datetime) -> list[int]:
    """One notice per newly revoked certificate whose practitioner has an e-mail address (the
    one-to-one column makes a second one impossible): the ids of the notices inserted."""
    if not certificate_ids:
        return []
    certificates = Certificate.objects.filter(pk__in=certificate_ids).exclude(practitioner__email="")
    notices = [
        RevocationNotice(certificate_id=pk, recipient_email=email, created_at=now)
        for pk, email in certificates.values_list("pk", "practitioner__email")
    ]
    RevocationNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return list(
        RevocationNotice.objects.filter(message_id__in=[notice.message_id for notice in notices]).values_list("pk", flat=True)
    )


def revoked_by_ca_without_successor() -> QuerySet[Certificate]:
    """Certificates the CA revoked whose active record has had no active certificate since: the
    administrators' digest lists them until a new keystore is imported."""
    has_active = Certificate.objects.filter(practitioner=OuterRef("practitioner"), state=CertificateState.ACTIVE)
    return (
        Certificate.objects.filter(state=CertificateState.REVOKED, revoked_by_ca_at__isnull=False, practitioner__is_active=True)
        .filter(~Exists(has_active))
        .select_related("practitioner")
        .defer(*stored_bytes())
        .order_by("revoked_by_ca_at", "pk")
    )
