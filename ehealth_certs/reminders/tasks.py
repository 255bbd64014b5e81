"""Celery tasks: thin wrappers over ``ehealth_certs.reminders.scan``.

Beat runs ``scan_expiring_certificates`` (the OCSP re-check, then the expiry scan) and
``purge_expired_downloads`` daily, and ``redeliver_owed_reminders`` every few minutes;
both enqueue one delivery task per mail still owed (the claim in the service makes a duplicate
task harmless). Deliveries retry SMTP and network errors with exponential backoff (settings:
``EHEALTH_REMINDER_RETRY_BACKOFF`` and ``_MAX``).
"""
from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import transaction

from ehealth_certs.lifecycle import password_change
from ehealth_certs.reminders import delivery, revocation_check, scan

# Without jitter the waits are exactly those the settings promise (retries of mails that failed at
# different moments stay spread out); with it, Celery may wait anything from 0 seconds.
RETRY_OPTIONS = dict(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=settings.EHEALTH_REMINDER_RETRY_BACKOFF,
    retry_backoff_max=settings.EHEALTH_REMINDER_RETRY_BACKOFF_MAX,
    retry_jitter=False,
    max_retries=settings.EHEALTH_REMINDER_MAX_ATTEMPTS - 1,
    acks_late=True,
)


def enqueue_owed() -> int:
    """One delivery task per owed row, once the rows are committed; a failed row whose Celery
    retry is still to come is left to that retry, so the backoff holds."""
    owed = delivery.owed(retries_scheduled=True)

    def enqueue():
        for reminder_id in owed.reminder_ids:
            deliver_reminder.delay(reminder_id)
        for digest_id in owed.digest_ids:
            deliver_digest.delay(digest_id)
        for notice_id in owed.notice_ids:
            deliver_revocation_notice.delay(notice_id)

    transaction.on_commit(enqueue)
    return len(owed.reminder_ids) + len(owed.digest_ids) + len(owed.notice_ids)


@shared_task(name="ehealth_certs.tasks.scan_expiring_certificates")
def scan_expiring_certificates() -> int:
    revocation_check.check_revocations()  # first: the digest lists the certificates it finds revoked
    scan.scan_expiring()
    return enqueue_owed()


@shared_task(name="ehealth_certs.tasks.redeliver_owed_reminders")
def redeliver_owed_reminders() -> int:
    return enqueue_owed()


@shared_task(name="ehealth_certs.tasks.deliver_reminder", **RETRY_OPTIONS)
def deliver_reminder(reminder_id: int) -> bool:
    return delivery.deliver_reminder(reminder_id)


@shared_task(name="ehealth_certs.tasks.deliver_digest", **RETRY_OPTIONS)
def deliver_digest(digest_id: int) -> bool:
    return delivery.deliver_digest(digest_id)


@shared_task(name="ehealth_certs.tasks.purge_expired_downloads")
def purge_expired_downloads() -> int:
    return password_change.purge_expired_downloads()


@shared_task(name="ehealth_certs.tasks.deliver_revocation_notice", **RETRY_OPTIONS)
def deliver_revocation_notice(notice_id: int) -> bool:
    return delivery.deliver_revocation_notice(notice_id)
