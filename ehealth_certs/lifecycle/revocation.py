"""Recording that a certificate was revoked at eHealth (the revocation itself happens there).

A revoked certificate is no longer active (so it gets no reminders) and stays in the record's
history with its reason and date. Without an active certificate the record then shows the steps to
request a new one.

Refusals (``oxygen.errors.Refused``): ``INVALID`` with ``field_errors`` (field → codes, the words
are the revocation form's), ``ALREADY_REVOKED``.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from audit.models import EventKind
from audit.services import record_event
from oxygen.errors import Refused
from practitioners.models import Practitioner

from ehealth_certs.models import Certificate, CertificateState, RevocationReason, stored_bytes

logger = logging.getLogger(__name__)

REVOCABLE_STATES = (CertificateState.ACTIVE, CertificateState.SUPERSEDED, CertificateState.REMOVED)
REASON_TEXT_MAX_LENGTH = 500

INVALID, ALREADY_REVOKED = "invalid", "already_revoked"
# field error codes of INVALID
REASON_MISSING, REASON_TEXT_MISSING, REASON_TEXT_TOO_LONG = "reason_missing", "reason_text_missing", "reason_text_too_long"
DATE_IN_FUTURE, DATE_BEFORE_ISSUE = "date_in_future", "date_before_issue"


@dataclass(frozen=True)
class Revocation:
    reason: str
    revocation_date: dt.date
    reason_text: str = ""


def check_revocation(revocation: Revocation, certificate: Certificate, today: dt.date) -> dict[str, list[str]]:
    """Field error codes of a revocation request (empty when it can be recorded)."""
    errors: dict[str, list[str]] = {}
    if revocation.reason not in RevocationReason.values:
        errors.setdefault("reason", []).append(REASON_MISSING)
    text = revocation.reason_text.strip()
    if revocation.reason == RevocationReason.OTHER and not text:
        errors.setdefault("reason_text", []).append(REASON_TEXT_MISSING)
    if len(text) > REASON_TEXT_MAX_LENGTH:
        errors.setdefault("reason_text", []).append(REASON_TEXT_TOO_LONG)
    if revocation.revocation_date > today:
        errors.setdefault("revocation_date", []).append(DATE_IN_FUTURE)
    elif revocation.revocation_date < timezone.localtime(certificate.not_before).date():
        errors.setdefault("revocation_date", []).append(DATE_BEFORE_ISSUE)
    return errors


def revoke_certificate(
    certificate: Certificate, revocation: Revocation, *, actor=None, request=None, now: dt.datetime | None = None
) -> None:
    """Record the revocation of ``certificate``.

    Raises ``Refused(INVALID, field_errors=…, issued=…)`` for a missing reason, text or a date in
    the future or before ``issued`` (the day the certificate was issued), ``Refused(ALREADY_REVOKED)``.
    """
    now = now or timezone.now()
    errors = check_revocation(revocation, certificate, timezone.localtime(now).date())
    if errors:
        raise Refused(INVALID, field_errors=errors, issued=timezone.localtime(certificate.not_before).date())
    updated = Certificate.objects.filter(pk=certificate.pk, state__in=REVOCABLE_STATES).update(
        state=CertificateState.REVOKED,
        revoked_at=now,
        revoked_by=actor,
        revocation_date=revocation.revocation_date,
        revocation_reason=revocation.reason,
        revocation_reason_text=revocation.reason_text.strip(),
    )
    if updated != 1:
        raise Refused(ALREADY_REVOKED)
    logger.info("certificate %s of record %s recorded as revoked (%s)",
                certificate.public_id, certificate.practitioner_id, revocation.reason)
    record_event(
        EventKind.CERTIFICATE_REVOKED,
        actor=actor,
        request=request,
        practitioner=certificate.practitioner,
        summary=f"Certificate valid until {timezone.localtime(certificate.not_after):%d/%m/%Y} revoked",
        details={
            "certificate": str(certificate.public_id),
            "serial": certificate.serial,
            "previous_state": certificate.state,
            "reason": revocation.reason,
            "revocation_date": revocation.revocation_date,
        },
    )


def revoked_without_successor(practitioner: Practitioner, active: Certificate | None) -> Certificate | None:
    """The latest revoked certificate of a record whose active certificate is ``active`` (as the caller
    already read it, ``selectors.certificate_status``): None when there is one."""
    if active is not None:
        return None
    revoked = practitioner.certificates.defer(*stored_bytes()).filter(state=CertificateState.REVOKED)
    return revoked.order_by("-revoked_at", "-pk").first()
