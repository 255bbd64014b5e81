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
from datetime import date, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from practitioners import roles

from . import conf, reminder_mail, revocation_check
from .models import (
    AdminDigest,
    Certificate,
    CertificateState,
    Delivery,
    DeliveryState,
    Reminder,
    RevocationNotice,
    ScanRun,
    new_message_id,
    stored_bytes,
)
from .reminder_thresholds import cutoffs
from .validation import add_months

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 1000
# Reminders read, inserted and cancelled per statement by the scan.
CHUNK = 5000
UNSENT = [DeliveryState.PENDING, DeliveryState.FAILED]


@dataclass
class ScanPlan:
    """What a scan would record at a moment (``--dry-run``): unsaved rows."""

    day: date
    reminders: list[Reminder]
    digests: list[AdminDigest]


@dataclass
class ScanResult:
    """What one scan recorded: the ids of the reminders it created, its digests, how many reminders it cancelled."""

    day: date
    reminder_ids: list[int] = field(default_factory=list)
    digests: list[AdminDigest] = field(default_factory=list)
    cancelled: int = 0

    @property
    def reminders(self) -> list[Reminder]:
        """The reminders this scan created, read from the database ``CHUNK`` ids at a time (to count them,
        ``len(reminder_ids)`` reads nothing)."""
        return [
            row
            for start in range(0, len(self.reminder_ids), CHUNK)
            for row in Reminder.objects.filter(pk__in=self.reminder_ids[start : start + CHUNK]).order_by("pk")
        ]

    @property
    def digest_ids(self) -> list[int]:
        return [row.pk for row in self.digests]


@dataclass
class Owed:
    """Rows still to send: pending, failed with attempts left, or left "sending" past the lease."""

    reminder_ids: list[int]
    digest_ids: list[int]
    notice_ids: list[int] = field(default_factory=list)  # revocation notices (revocation_check)


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
        .defer(*stored_bytes())
        .order_by("not_after", "pk")
    )


def administrators():
    """Active administrators with an e-mail address: the digest's recipients."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return users.filter(Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR)).distinct().order_by("pk")


def reminders_to_record(now: datetime):
    """Due certificates whose practitioner has an e-mail address and no reminder yet for the
    certificate's current threshold, soonest expiry first, annotated with that threshold
    (``due_threshold``, worked out in SQL from the same cutoffs as
    :func:`~ehealth_certs.reminder_thresholds.current_threshold`) and with whether the certificate
    has unsent reminders (``has_unsent``: the new one overtakes them)."""
    moments = cutoffs(now, window_months=conf.renewal_window_months(), days_before=days_before())
    threshold = Case(*[When(not_after__lte=moment, then=Value(code)) for moment, code in moments])
    recorded = Reminder.objects.filter(certificate=OuterRef("pk"), threshold=OuterRef("due_threshold"))
    unsent = Reminder.objects.filter(certificate=OuterRef("pk"), state__in=UNSENT)
    return (
        certificates_due(now)
        .exclude(practitioner__email="")
        .annotate(due_threshold=threshold, has_unsent=Exists(unsent))
        .filter(~Exists(recorded))
    )


def _digests_to_record(now: datetime) -> list[AdminDigest]:
    """Unsaved digests for the administrators without one today, if any certificate is due or was revoked by its CA."""
    if not certificates_due(now).exists() and not revocation_check.revoked_by_ca_without_successor().exists():
        return []
    day = timezone.localdate(now)
    recorded = AdminDigest.objects.filter(day=day, recipient=OuterRef("pk"))
    return [
        AdminDigest(day=day, recipient=user, recipient_email=user.email, created_at=now)
        for user in administrators().filter(~Exists(recorded))
    ]


def plan_expiring(now: datetime | None = None) -> ScanPlan:
    """What :func:`scan_expiring` would create at ``now``, without writing anything (``--dry-run``)."""
    now = now or timezone.now()
    reminders = [
        Reminder(certificate=certificate, threshold=certificate.due_threshold, recipient_email=certificate.practitioner.email,
                 created_at=now)
        for certificate in reminders_to_record(now)
    ]  # fmt: skip
    return ScanPlan(day=timezone.localdate(now), reminders=reminders, digests=_digests_to_record(now))


def scan_expiring(now: datetime | None = None) -> ScanResult:
    """Record every reminder and digest due at ``now``; cancel the unsent ones no longer due.

    Idempotent: a row already recorded for the same certificate and threshold (or day and
    administrator) is left alone, so the result lists only the rows this run inserted. Unsent
    reminders of certificates that are no longer active, or whose later threshold is now due,
    are cancelled. The run itself is recorded (``ScanRun``).

    Bulk work in bounded memory: the certificates owed a reminder are streamed ``CHUNK`` at a
    time as plain values; each chunk is one INSERT (on PostgreSQL the ids come back from it) and,
    when some of its certificates have unsent reminders, one UPDATE cancelling those. Two
    concurrent scans insert each row once: the unique constraints and ``ON CONFLICT DO NOTHING``.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        reminder_ids, cancelled = _record_reminders(now)
        digests = _digests_to_record(now)
        AdminDigest.objects.bulk_create(digests, ignore_conflicts=True)
        # The digests this run inserted carry the Message-IDs it generated (conflicting rows were skipped).
        created_digests = list(AdminDigest.objects.filter(message_id__in=[row.message_id for row in digests]))
        cancelled += _cancel_no_longer_active()
        ScanRun.objects.create(ran_at=now, day=day, reminders_created=len(reminder_ids), digests_created=len(created_digests))
    logger.info(
        "expiry scan: %d reminder(s) and %d digest(s) recorded, %d cancelled", len(reminder_ids), len(created_digests), cancelled
    )
    return ScanResult(day=day, reminder_ids=reminder_ids, digests=created_digests, cancelled=cancelled)


def _record_reminders(now: datetime) -> tuple[list[int], int]:
    """Insert the reminders owed at ``now``, ``CHUNK`` at a time: (their ids, how many older ones they cancelled)."""
    rows = reminders_to_record(now).values_list("pk", "due_threshold", "practitioner__email", "has_unsent")
    rows = rows.iterator(chunk_size=CHUNK)
    ids, cancelled = [], 0
    while chunk := list(islice(rows, CHUNK)):
        created = _insert_reminders([row[:3] for row in chunk], now)  # (certificate id, threshold, e-mail)
        ids += [pk for pk, _ in created]
        with_unsent = {certificate_id for certificate_id, _, _, has_unsent in chunk if has_unsent}
        cancelled += _cancel_overtaken([row for row in created if row[1] in with_unsent])
    return ids, cancelled


def _insert_reminders(rows: list[tuple[int, str, str]], now: datetime) -> list[tuple[int, int]]:
    """Insert pending reminders for these (certificate id, threshold, e-mail) rows, each with a new
    Message-ID, skipping those another scan recorded meanwhile: the (id, certificate id) of the rows inserted.

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING``; elsewhere
    ``bulk_create(ignore_conflicts=True)``, then the inserted rows found again by their Message-IDs.
    """
    message_ids = [new_message_id() for _ in rows]
    certificate_ids, thresholds, emails = (list(column) for column in zip(*rows))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Reminder._meta.db_table}"
                " (certificate_id, threshold, recipient_email, message_id, created_at, state, attempts, last_error)"
                " SELECT certificate_id, threshold, recipient_email, message_id, %s, %s, 0, ''"
                " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])"
                " AS owed (certificate_id, threshold, recipient_email, message_id)"
                " ON CONFLICT DO NOTHING RETURNING id, certificate_id",
                [now, DeliveryState.PENDING.value, certificate_ids, thresholds, emails, message_ids],
            )
            return cursor.fetchall()
    Reminder.objects.bulk_create(
        [
            Reminder(certificate_id=certificate_id, threshold=threshold, recipient_email=email, message_id=message_id,
                     created_at=now)
            for certificate_id, threshold, email, message_id in zip(certificate_ids, thresholds, emails, message_ids)
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    return list(Reminder.objects.filter(message_id__in=message_ids).values_list("pk", "certificate_id"))


def _cancel_overtaken(created_rows: list[tuple[int, int]]) -> int:
    """Cancel the unsent reminders of these new (id, certificate id) rows' certificates, bar the new ones (one UPDATE)."""
    if not created_rows:
        return 0
    certificate_ids = [certificate_id for _, certificate_id in created_rows]
    overtaken = Reminder.objects.filter(state__in=UNSENT, certificate_id__in=certificate_ids)
    return overtaken.exclude(pk__in=[pk for pk, _ in created_rows]).update(state=DeliveryState.CANCELLED)


def _cancel_no_longer_active() -> int:
    """Cancel the unsent reminders of certificates no longer active, or of inactive records (one UPDATE)."""
    stale = Reminder.objects.exclude(certificate__state=CertificateState.ACTIVE, certificate__practitioner__is_active=True)
    # Conditional on the state in the UPDATE itself: a worker may have claimed one meanwhile.
    return Reminder.objects.filter(state__in=UNSENT, pk__in=stale.values("pk")).update(state=DeliveryState.CANCELLED)


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
    reminder = Reminder.objects.select_related("certificate__practitioner").defer(*stored_bytes("certificate__")).get(
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
    revoked = list(revocation_check.revoked_by_ca_without_successor())
    _send(AdminDigest, digest, reminder_mail.digest_message(digest, digest_entries(now), revoked=revoked))
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
    _send(RevocationNotice, notice, reminder_mail.revocation_message(notice))
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
