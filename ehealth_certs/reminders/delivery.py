"""Delivery of the mails the scan recorded: reminders, administrators' digests, revocation notices.

``deliver_reminder`` / ``deliver_digest`` / ``deliver_revocation_notice`` claim one row with a
conditional UPDATE, send it, and mark it sent. A row left "sending" by a worker that died is
claimed again once its lease has passed, and resent with the same Message-ID. Celery tasks
(``tasks``) and the ``send_expiry_reminders`` command are thin wrappers over these functions.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from ehealth_certs.models import AdminDigest, CertificateState, Delivery, DeliveryState, Reminder, RevocationNotice, stored_bytes
from ehealth_certs.reminders import mail, revocation_check
from ehealth_certs.reminders.scan import digest_entries

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 1000


@dataclass
class Owed:
    """Rows still to send: pending, failed with attempts left, or left "sending" past the lease."""

    reminder_ids: list[int]
    digest_ids: list[int]
    notice_ids: list[int] = field(default_factory=list)  # revocation notices (revocation_check)


def max_attempts() -> int:
    return int(settings.EHEALTH_REMINDER_MAX_ATTEMPTS)


def _claimable(now: datetime) -> Q:
    stale = now - settings.EHEALTH_REMINDER_SENDING_LEASE
    return (
        Q(state=DeliveryState.PENDING)
        | Q(state=DeliveryState.FAILED, attempts__lt=max_attempts())
        | Q(state=DeliveryState.SENDING, claimed_at__lt=stale, attempts__lt=max_attempts())
    )


def _claim(model: type[Delivery], pk: int, now: datetime) -> bool:
    """Take the row for this worker: one conditional UPDATE on the row's own columns only."""
    claimed = model.objects.filter(_claimable(now), pk=pk).update(
        state=DeliveryState.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    return claimed == 1


def _send(model: type[Delivery], row: Delivery, message) -> None:
    """Send a claimed row's message and record the outcome; a failure is recorded, then re-raised."""
    try:
        message.send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
        model.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(state=DeliveryState.FAILED, last_error=error)
        logger.warning("%s %s to %s failed (attempt %d): %s", model.__name__, row.pk, row.recipient_email, row.attempts, error)
        raise
    model.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_error=""
    )
    logger.info("%s %s sent (Message-ID %s)", model.__name__, row.pk, row.message_id)


def deliver_reminder(reminder_id: int, *, now: datetime | None = None) -> bool:
    """Send one practitioner reminder if this caller wins the claim. True when sent.

    Not sent (and cancelled) when its certificate is no longer the record's active one. SMTP
    and network errors are recorded on the row, then raised for the caller to retry.
    """
    if not _claim(Reminder, reminder_id, now or timezone.now()):
        return False
    reminder = Reminder.objects.select_related("certificate__practitioner").defer(*stored_bytes("certificate__")).get(
        pk=reminder_id
    )
    certificate = reminder.certificate
    if certificate.state != CertificateState.ACTIVE or not certificate.practitioner.is_active:
        Reminder.objects.filter(pk=reminder_id, state=DeliveryState.SENDING).update(state=DeliveryState.CANCELLED)
        logger.info("reminder %s cancelled: certificate %s is %s", reminder_id, certificate.public_id, certificate.state)
        return False
    _send(Reminder, reminder, mail.practitioner_message(reminder))
    return True


def deliver_digest(digest_id: int, *, now: datetime | None = None) -> bool:
    """Send one administrator's daily digest (the certificates due as of sending) if this caller wins the claim."""
    now = now or timezone.now()
    if not _claim(AdminDigest, digest_id, now):
        return False
    digest = AdminDigest.objects.select_related("recipient").get(pk=digest_id)
    revoked = list(revocation_check.revoked_by_ca_without_successor())
    _send(AdminDigest, digest, mail.digest_message(digest, digest_entries(now), revoked=revoked))
    return True


def deliver_revocation_notice(notice_id: int, *, now: datetime | None = None) -> bool:
    """Tell a practitioner their certificate was revoked by the CA, if this caller wins the claim. True when sent."""
    if not _claim(RevocationNotice, notice_id, now or timezone.now()):
        return False
    notice = RevocationNotice.objects.select_related("certificate__practitioner").defer(*stored_bytes("certificate__")).get(
        pk=notice_id
    )
    if not notice.certificate.practitioner.is_active:
        RevocationNotice.objects.filter(pk=notice_id, state=DeliveryState.SENDING).update(state=DeliveryState.CANCELLED)
        return False
    _send(RevocationNotice, notice, mail.revocation_message(notice))
    return True


def owed(now: datetime | None = None, *, retries_scheduled: bool = False) -> Owed:
    """Rows still to send; rows left "sending" after their last attempt are given up as failed.

    ``retries_scheduled``: the caller's failed deliveries retry themselves (Celery), so a failed
    row whose last attempt is more recent than the longest wait between retries is left out: its
    retry is still to come. Without a retry mechanism (the cron command), every failed row with
    attempts left is owed.
    """
    now = now or timezone.now()
    stale = now - settings.EHEALTH_REMINDER_SENDING_LEASE
    for model in (Reminder, AdminDigest, RevocationNotice):
        model.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=stale, attempts__gte=max_attempts()).update(
            state=DeliveryState.FAILED, last_error="The worker sending this mail stopped during the last attempt."
        )
    condition = _claimable(now)
    if retries_scheduled:
        retry_due_by = timedelta(seconds=settings.EHEALTH_REMINDER_RETRY_BACKOFF_MAX)
        condition &= ~Q(state=DeliveryState.FAILED, claimed_at__gt=now - retry_due_by)
    return Owed(
        reminder_ids=list(Reminder.objects.filter(condition).order_by("pk").values_list("pk", flat=True)),
        digest_ids=list(AdminDigest.objects.filter(condition).order_by("pk").values_list("pk", flat=True)),
        notice_ids=list(RevocationNotice.objects.filter(condition).order_by("pk").values_list("pk", flat=True)),
    )


def owed_preview(now: datetime | None = None) -> list[Delivery]:
    """The rows :func:`owed` would return, read only (``--dry-run``)."""
    now = now or timezone.now()
    return [
        *Reminder.objects.filter(_claimable(now)).order_by("pk"),
        *AdminDigest.objects.filter(_claimable(now)).order_by("pk"),
        *RevocationNotice.objects.filter(_claimable(now)).order_by("pk"),
    ]
