"""Expiry reminders: the daily scan that records the mails owed, and their delivery.

``scan_expiring`` creates the owed rows in bulk (unique constraints make a second scan, or two
concurrent ones, create nothing more); ``deliver_reminder`` / ``deliver_digest`` claim one row
with a conditional UPDATE, send it, and mark it sent. A row left "sending" by a worker that died is
claimed again once its lease has passed, and resent with the same Message-ID. Celery tasks
(``tasks``) and the ``send_expiry_reminders`` command are thin wrappers over these functions.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from practitioners import roles

from . import conf, reminder_mail
from .models import AdminDigest, Certificate, CertificateState, Delivery, DeliveryState, Reminder, ScanRun
from .reminder_thresholds import current_threshold
from .validation import add_months

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 1000


@dataclass
class ScanResult:
    """What one scan found and recorded (``reminders``/``digests``: the rows it created, or would create)."""

    day: date
    reminders: list[Reminder] = field(default_factory=list)
    digests: list[AdminDigest] = field(default_factory=list)
    cancelled: int = 0

    @property
    def reminder_ids(self) -> list[int]:
        return [row.pk for row in self.reminders]

    @property
    def digest_ids(self) -> list[int]:
        return [row.pk for row in self.digests]


@dataclass
class Owed:
    """Rows still to send: pending, failed with attempts left, or left "sending" past the lease."""

    reminder_ids: list[int]
    digest_ids: list[int]


# --------------------------------------------------------------------------- settings


def days_before() -> list[int]:
    return [int(days) for days in settings.EHEALTH_REMINDER_DAYS_BEFORE]


def max_attempts() -> int:
    return int(settings.EHEALTH_REMINDER_MAX_ATTEMPTS)


# --------------------------------------------------------------------------- what is due


def certificates_due(now: datetime):
    """Active certificates of active records inside the renewal window or expired, soonest expiry first."""
    return (
        Certificate.objects.filter(
            state=CertificateState.ACTIVE,
            practitioner__is_active=True,
            not_after__lte=add_months(now, conf.renewal_window_months()),
        )
        .select_related("practitioner")
        .defer("encrypted_keystore")
        .order_by("not_after", "pk")
    )


def administrators():
    """Active administrators with an e-mail address: the digest's recipients."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return users.filter(Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR)).distinct().order_by("pk")


def _planned(now: datetime) -> tuple[list[Reminder], list[AdminDigest]]:
    """Unsaved rows for every mail due at ``now`` (existing ones included: the constraints filter them)."""
    certificates = list(certificates_due(now))
    reminders = []
    for certificate in certificates:
        threshold = current_threshold(
            certificate.not_after, now, window_months=conf.renewal_window_months(), days_before=days_before()
        )
        email = certificate.practitioner.email
        if threshold and email:
            reminders.append(Reminder(certificate=certificate, threshold=threshold, recipient_email=email, created_at=now))
    day = timezone.localdate(now)
    digests = (
        [AdminDigest(day=day, recipient=user, recipient_email=user.email, created_at=now) for user in administrators()]
        if certificates
        else []
    )
    return reminders, digests


def plan_expiring(now: datetime | None = None) -> ScanResult:
    """What :func:`scan_expiring` would create at ``now``, without writing anything (``--dry-run``)."""
    now = now or timezone.now()
    reminders, digests = _planned(now)
    existing = set(
        Reminder.objects.filter(certificate__in=[row.certificate_id for row in reminders]).values_list(
            "certificate_id", "threshold"
        )
    )
    day = timezone.localdate(now)
    existing_digests = set(AdminDigest.objects.filter(day=day).values_list("recipient_id", flat=True))
    return ScanResult(
        day=day,
        reminders=[row for row in reminders if (row.certificate_id, row.threshold) not in existing],
        digests=[row for row in digests if row.recipient_id not in existing_digests],
    )


def scan_expiring(now: datetime | None = None) -> ScanResult:
    """Record every reminder and digest due at ``now``; cancel the unsent ones no longer due.

    Idempotent: a row already recorded for the same certificate and threshold (or day and
    administrator) is left alone, so the result lists only the rows this run inserted. Unsent
    reminders of certificates that are no longer active, or whose later threshold is now due,
    are cancelled. The run itself is recorded (``ScanRun``).
    """
    now = now or timezone.now()
    reminders, digests = _planned(now)
    with transaction.atomic():
        Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
        AdminDigest.objects.bulk_create(digests, ignore_conflicts=True)
        # The rows this run inserted carry the Message-IDs it generated (conflicting rows were skipped).
        created = list(Reminder.objects.filter(message_id__in=[row.message_id for row in reminders]))
        created_digests = list(AdminDigest.objects.filter(message_id__in=[row.message_id for row in digests]))
        cancelled = _cancel_not_due(created)
        ScanRun.objects.create(
            ran_at=now, day=timezone.localdate(now), reminders_created=len(created), digests_created=len(created_digests)
        )
    logger.info(
        "expiry scan: %d reminder(s) and %d digest(s) recorded, %d cancelled", len(created), len(created_digests), cancelled
    )
    return ScanResult(day=timezone.localdate(now), reminders=created, digests=created_digests, cancelled=cancelled)


def _cancel_not_due(created: list[Reminder]) -> int:
    """Unsent reminders of certificates no longer active, and those overtaken by a later threshold."""
    unsent = Reminder.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.FAILED])
    no_longer_active = unsent.exclude(certificate__state=CertificateState.ACTIVE, certificate__practitioner__is_active=True)
    overtaken = unsent.filter(certificate__in=[row.certificate_id for row in created]).exclude(
        pk__in=[row.pk for row in created]
    )
    ids = list(no_longer_active.values_list("pk", flat=True)) + list(overtaken.values_list("pk", flat=True))
    # Conditional on the state again: a worker may have claimed one meanwhile.
    return unsent.filter(pk__in=ids).update(state=DeliveryState.CANCELLED)


# --------------------------------------------------------------------------- delivery


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
    reminder = Reminder.objects.select_related("certificate__practitioner").defer("certificate__encrypted_keystore").get(
        pk=reminder_id
    )
    certificate = reminder.certificate
    if certificate.state != CertificateState.ACTIVE or not certificate.practitioner.is_active:
        Reminder.objects.filter(pk=reminder_id, state=DeliveryState.SENDING).update(state=DeliveryState.CANCELLED)
        logger.info("reminder %s cancelled: certificate %s is %s", reminder_id, certificate.public_id, certificate.state)
        return False
    _send(Reminder, reminder, reminder_mail.practitioner_message(reminder))
    return True


def deliver_digest(digest_id: int, *, now: datetime | None = None) -> bool:
    """Send one administrator's daily digest (the certificates due as of sending) if this caller wins the claim."""
    now = now or timezone.now()
    if not _claim(AdminDigest, digest_id, now):
        return False
    digest = AdminDigest.objects.select_related("recipient").get(pk=digest_id)
    _send(AdminDigest, digest, reminder_mail.digest_message(digest, digest_entries(now)))
    return True


def owed(now: datetime | None = None) -> Owed:
    """Rows still to send; rows left "sending" after their last attempt are given up as failed."""
    now = now or timezone.now()
    stale = now - settings.EHEALTH_REMINDER_SENDING_LEASE
    for model in (Reminder, AdminDigest):
        model.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=stale, attempts__gte=max_attempts()).update(
            state=DeliveryState.FAILED, last_error="The worker sending this mail stopped during the last attempt."
        )
    return Owed(
        reminder_ids=list(Reminder.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True)),
        digest_ids=list(AdminDigest.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True)),
    )


def owed_preview(now: datetime | None = None) -> list[Delivery]:
    """The rows :func:`owed` would return, read only (``--dry-run``)."""
    now = now or timezone.now()
    return [
        *Reminder.objects.filter(_claimable(now)).order_by("pk"),
        *AdminDigest.objects.filter(_claimable(now)).order_by("pk"),
    ]


# --------------------------------------------------------------------------- the digest's content


@dataclass(frozen=True)
class DigestEntry:
    certificate: Certificate
    expired: bool
    reached: bool
    note: str

    @property
    def practitioner(self):
        return self.certificate.practitioner


def digest_entries(now: datetime) -> list[DigestEntry]:
    """Every certificate inside the renewal window or expired, and whether its practitioner was reached."""
    certificates = list(certificates_due(now))
    latest: dict[int, Reminder] = {}
    for reminder in Reminder.objects.filter(certificate__in=certificates).order_by("certificate_id", "created_at", "pk"):
        latest[reminder.certificate_id] = reminder
    entries = []
    for certificate in certificates:
        reminder = latest.get(certificate.pk)
        if not certificate.practitioner.email:
            reached, note = False, "no_email"
        elif reminder is not None and reminder.state == DeliveryState.FAILED:
            reached, note = False, reminder.last_error
        else:
            reached, note = True, ""
        entries.append(DigestEntry(certificate, certificate.not_after <= now, reached, note))
    return entries
