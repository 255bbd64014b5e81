"""Expiry reminders: the daily scan that records the mails owed (``delivery`` sends them).

``scan_expiring`` creates the owed rows in bulk (unique constraints make a second scan, or two
concurrent ones, create nothing more). Celery tasks (``tasks``) and the ``send_expiry_reminders``
command are thin wrappers over these functions.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from practitioners import access

from ehealth_certs import conf
from ehealth_certs.reminders import revocation_check
from ehealth_certs.models import (
    AdminDigest,
    Certificate,
    CertificateState,
    DeliveryState,
    Reminder,
    ScanRun,
    new_message_id,
    stored_bytes,
)
from ehealth_certs.reminders.thresholds import cutoffs
from ehealth_certs.keystore.dates import add_months

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- settings


def days_before() -> list[int]:
    return [int(days) for days in settings.EHEALTH_REMINDER_DAYS_BEFORE]


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
    """The digest's recipients: active users with an e-mail address who may see the certificates
    overview (administrators, superusers)."""
    return access.users_allowed(access.CERTIFICATES_OVERVIEW).exclude(email="").order_by("pk")


def reminders_to_record(now: datetime):
    """Due certificates whose practitioner has an e-mail address and no reminder yet for the
    certificate's current threshold, soonest expiry first, annotated with that threshold
    (``due_threshold``, worked out in SQL from the same cutoffs as
    :func:`~ehealth_certs.reminders.thresholds.current_threshold`) and with whether the certificate
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
