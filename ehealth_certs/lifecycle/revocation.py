"""Recording that a certificate was revoked at eHealth (the revocation itself happens there).

A revoked certificate is no longer active (so it gets no reminders) and stays in the record's
history with its reason and date. Without an active certificate the record then shows the steps to
request a new one.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import EventKind
from audit.services import record_event
from practitioners.models import Practitioner

from ehealth_certs.models import Certificate, CertificateState, RevocationReason, stored_bytes

logger = logging.getLogger(__name__)

REVOCABLE_STATES = (CertificateState.ACTIVE, CertificateState.SUPERSEDED, CertificateState.REMOVED)
REASON_TEXT_MAX_LENGTH = 500


@dataclass(frozen=True)
class Revocation:
    reason: str
    revocation_date: dt.date
    reason_text: str = ""


def check_revocation(revocation: Revocation, certificate: Certificate, today: dt.date) -> dict[str, list[str]]:
    """Field errors of a revocation request (empty when it can be recorded)."""
    errors: dict[str, list[str]] = {}
    if revocation.reason not in RevocationReason.values:
        errors.setdefault("reason", []).append(_("Choose the reason of the revocation."))
    text = revocation.reason_text.strip()
    if revocation.reason == RevocationReason.OTHER and not text:
        errors.setdefault("reason_text", []).append(_("Describe the reason of the revocation."))
    if len(text) > REASON_TEXT_MAX_LENGTH:
        errors.setdefault("reason_text", []).append(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_TEXT_MAX_LENGTH}
        )
    if revocation.revocation_date > today:
        errors.setdefault("revocation_date", []).append(
            _("The revocation date cannot be in the future: record the revocation once it is done at eHealth.")
        )
    elif revocation.revocation_date < timezone.localtime(certificate.not_before).date():
        errors.setdefault("revocation_date", []).append(
            _("The revocation date cannot be before the certificate was issued (%(date)s).")
            % {"date": timezone.localtime(certificate.not_before).strftime("%d/%m/%Y")}
        )
    return errors


def revoke_certificate(
    certificate: Certificate, revocation: Revocation, *, actor=None, request=None, now: dt.datetime | None = None
) -> bool:
    """Record the revocation; False if the certificate was already revoked.

    Raises ``ValidationError`` (with field errors) for a missing reason, text or a future date.
    """
    now = now or timezone.now()
    errors = check_revocation(revocation, certificate, timezone.localtime(now).date())
    if errors:
        raise ValidationError(errors)
    updated = Certificate.objects.filter(pk=certificate.pk, state__in=REVOCABLE_STATES).update(
        state=CertificateState.REVOKED,
        revoked_at=now,
        revoked_by=actor,
        revocation_date=revocation.revocation_date,
        revocation_reason=revocation.reason,
        revocation_reason_text=revocation.reason_text.strip(),
    )
    if updated != 1:
        return False
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
    return True


def revoked_without_successor(practitioner: Practitioner) -> Certificate | None:
    """The latest revoked certificate of a record that has no active certificate, else None."""
    certificates = practitioner.certificates.defer(*stored_bytes())
    if certificates.filter(state=CertificateState.ACTIVE).exists():
        return None
    return certificates.filter(state=CertificateState.REVOKED).order_by("-revoked_at", "-pk").first()
