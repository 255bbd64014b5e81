"""``manage.py send_expiry_reminders [--dry-run] [--today YYYY-MM-DD]``: the daily scan and delivery without Celery.

It also deletes the expired one-time keystore downloads (as the beat task ``purge_expired_downloads`` does).

For cron, and for the embedded installation where no Redis runs: the same services the Celery
tasks call, in this process. ``--today`` runs as on another day (at the current time of day).
"""
from __future__ import annotations

import argparse
from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ehealth_certs.lifecycle import password_change
from ehealth_certs.reminders import delivery, revocation_check, scan


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("%(value)r is not a date: use YYYY-MM-DD, e.g. 2025-03-31.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Record the expiry reminders due today and send every reminder still owed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent; send and record nothing.")
        parser.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help="Run as on this day.")

    def handle(self, *args, dry_run: bool = False, today: date | None = None, **options):
        now = timezone.now()
        if today is not None:
            now = timezone.make_aware(datetime.combine(today, timezone.localtime(now).time()))
        if dry_run:
            self._dry_run(now)
            return
        revocation_check.check_revocations(now)
        result = scan.scan_expiring(now)
        purged = password_change.purge_expired_downloads(now)
        if purged:
            self.stdout.write(_("%(count)d expired one-time keystore download(s) deleted.") % {"count": purged})
        owed = delivery.owed(now)
        sent = failed = 0
        for deliver, ids in (
            (delivery.deliver_reminder, owed.reminder_ids),
            (delivery.deliver_digest, owed.digest_ids),
            (delivery.deliver_revocation_notice, owed.notice_ids),
        ):
            for pk in ids:
                try:
                    sent += deliver(pk, now=now)
                except Exception as exc:  # recorded on the row by the service
                    failed += 1
                    self.stderr.write(
                        _("mail %(kind)s(%(id)s) failed: %(error)s")
                        % {"kind": deliver.__name__, "id": pk, "error": f"{type(exc).__name__}: {exc}"}
                    )
        self.stdout.write(
            _("%(day)s: %(reminders)d reminder(s) and %(digests)d digest(s) recorded, %(sent)d mail(s) sent, %(failed)d failed.")
            % {
                "day": f"{result.day:%d/%m/%Y}",
                "reminders": len(result.reminder_ids),
                "digests": len(result.digests),
                "sent": sent,
                "failed": failed,
            }
        )
        if failed:
            raise CommandError(
                ngettext("%(failed)d mail could not be sent; it is retried on the next run.",
                         "%(failed)d mails could not be sent; they are retried on the next run.", failed)
                % {"failed": failed}
            )

    def _dry_run(self, now: datetime) -> None:
        plan = scan.plan_expiring(now)
        owed = delivery.owed_preview(now)
        self.stdout.write(_("Dry run for %(day)s: nothing is sent or recorded.") % {"day": f"{plan.day:%d/%m/%Y}"})
        for row in plan.reminders:
            certificate = row.certificate
            self.stdout.write(
                _("would send: %(threshold)s reminder to %(email)s (%(practitioner)s, expires %(date)s)")
                % {
                    "threshold": row.threshold,
                    "email": row.recipient_email,
                    "practitioner": certificate.practitioner,
                    "date": f"{timezone.localtime(certificate.not_after):%d/%m/%Y}",
                }
            )
        for row in plan.digests:
            self.stdout.write(_("would send: digest to %(email)s") % {"email": row.recipient_email})
        for row in owed:
            self.stdout.write(_("would send again: %(reminder)s") % {"reminder": row})
        if not (plan.reminders or plan.digests or owed):
            self.stdout.write(_("Nothing to send."))
