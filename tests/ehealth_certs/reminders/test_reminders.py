"""Expiry reminders: thresholds, the scan, delivery, the digest, the language, retries, the command."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command, execute_from_command_line
from django.utils import timezone

from ehealth_certs.reminders import delivery, scan, tasks
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.models import (
    AdminDigest,
    Certificate,
    CertificateState,
    DeliveryState,
    Reminder,
    ScanRun,
)
from ehealth_certs.reminders.thresholds import current_threshold
from ehealth_certs.keystore.dates import add_months
from practitioners.models import UserPreference
from tests.ehealth_certs.keystores import NOW, PASSWORD, person_keystore
from tests.factories import DAYS, T0, make_admin, make_certificate, make_practitioner

pytestmark = pytest.mark.django_db

def run_day() -> None:
    """The cron path: the command scans and delivers in this process."""
    call_command("send_expiry_reminders", stdout=_Sink(), stderr=_Sink())


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text, *args, **kwargs):
        self.text += text

    def flush(self):
        pass


def reminder_mails():
    """(threshold, recipient) of each practitioner reminder in the outbox, via its Message-ID."""
    by_id = dict(Reminder.objects.values_list("message_id", "threshold"))
    return [(by_id[m.extra_headers["Message-ID"]], m.to[0]) for m in mail.outbox if m.extra_headers["Message-ID"] in by_id]


def digest_mails():
    ids = set(AdminDigest.objects.values_list("message_id", flat=True))
    return [m for m in mail.outbox if m.extra_headers["Message-ID"] in ids]


# --------------------------------------------------------------------------- thresholds (pure)


@pytest.mark.parametrize(
    ("not_after", "expected"),
    [
        (add_months(T0, 3) + timedelta(seconds=1), None),
        (add_months(T0, 3), "window"),
        (T0 + timedelta(days=30, seconds=1), "window"),
        (T0 + timedelta(days=30), "30d"),
        (T0 + timedelta(days=7, seconds=1), "30d"),
        (T0 + timedelta(days=7), "7d"),
        (T0 + timedelta(days=1, seconds=1), "7d"),
        (T0 + timedelta(days=1), "1d"),
        (T0 + timedelta(seconds=1), "1d"),
        (T0, "expired"),
        (T0 - timedelta(days=400), "expired"),
    ],
)
def test_current_threshold_is_the_latest_crossed(not_after, expected):
    assert current_threshold(not_after, T0, window_months=3, days_before=DAYS) == expected


def test_window_uses_calendar_months_like_the_expires_soon_status():
    not_after = datetime(2025, 5, 31, 12, 0, tzinfo=UTC)
    # 28 February + 3 calendar months = 28 May: not yet; 1 March + 3 months = 1 June: inside.
    assert current_threshold(not_after, datetime(2025, 2, 28, 12, 0, tzinfo=UTC), window_months=3, days_before=DAYS) is None
    assert current_threshold(not_after, datetime(2025, 3, 1, 12, 0, tzinfo=UTC), window_months=3, days_before=DAYS) == "window"


# --------------------------------------------------------------------------- the schedule over time


def test_every_threshold_is_crossed_once_with_a_frozen_clock(practitioner_record):
    """A certificate with 100 days left: one mail at each threshold, on the day it is crossed."""
    not_after = T0 + timedelta(days=100)
    certificate = make_certificate(practitioner_record, not_after)
    window_day = next(d for d in range(101) if not_after <= add_months(T0 + timedelta(days=d), 3))
    seen = []
    with time_machine.travel(T0, tick=False) as traveller:
        for day in range(101):
            before = len(reminder_mails())
            run_day()
            seen += [(day, threshold) for threshold, _ in reminder_mails()[before:]]
            traveller.shift(timedelta(days=1))
    assert seen == [(window_day, "window"), (70, "30d"), (93, "7d"), (99, "1d"), (100, "expired")]
    assert Reminder.objects.filter(certificate=certificate, state=DeliveryState.SENT).count() == 5
    assert ScanRun.objects.count() == 101


@pytest.mark.usefixtures("ehealth_settings")
def test_done_when_imported_with_80_days_left_exactly_the_promised_mails_over_81_days(practitioner_record):
    """Imported inside the window: its current reminder (window) at once, then 30, 7, 1 days, expired; nothing else."""
    admin = make_admin()
    mail_days: list[tuple[int, str, str]] = []
    with time_machine.travel(NOW, tick=False) as traveller:
        outcome = keystore_import.import_keystore(
            practitioner_record, person_keystore(not_after_days=80), PASSWORD, source_name="SSIN=85073003328.p12"
        )
        assert outcome.imported, outcome.message
        for day in range(81):
            before = len(mail.outbox)
            run_day()
            for message in mail.outbox[before:]:
                mail_days.append((day, message.to[0], message.extra_headers["Message-ID"]))
            traveller.shift(timedelta(days=1))

    thresholds = dict(Reminder.objects.values_list("message_id", "threshold"))
    practitioner_mails = [(day, thresholds[mid]) for day, to, mid in mail_days if to == practitioner_record.email]
    assert practitioner_mails == [(0, "window"), (50, "30d"), (73, "7d"), (79, "1d"), (80, "expired")]
    digest_days = [day for day, to, _ in mail_days if to == admin.email]
    assert digest_days == list(range(81))  # one digest a day while the certificate is due
    assert len(mail_days) == 5 + 81
    assert len({mid for _, _, mid in mail_days}) == len(mail_days)


def test_a_certificate_entering_inside_the_window_gets_only_its_current_threshold(practitioner_record):
    make_certificate(practitioner_record, T0 + timedelta(days=5))
    result = scan.scan_expiring(T0)
    assert [(row.threshold, row.recipient_email) for row in result.reminders] == [("7d", practitioner_record.email)]


def test_a_later_threshold_cancels_an_unsent_earlier_one(practitioner_record):
    make_certificate(practitioner_record, T0 + timedelta(days=31))
    [window] = scan.scan_expiring(T0).reminders
    [thirty] = scan.scan_expiring(T0 + timedelta(days=1)).reminders
    window.refresh_from_db()
    assert (window.threshold, window.state, thirty.threshold) == ("window", DeliveryState.CANCELLED, "30d")
    assert delivery.owed(T0 + timedelta(days=1)).reminder_ids == [thirty.pk]


# --------------------------------------------------------------------------- idempotency


def test_scanning_twice_records_and_sends_each_reminder_once(practitioner_record, other_record):
    make_certificate(practitioner_record, T0 + timedelta(days=20))
    make_certificate(other_record, T0 + timedelta(days=60))
    first = scan.scan_expiring(T0)
    second = scan.scan_expiring(T0 + timedelta(hours=1))
    assert sorted(row.threshold for row in first.reminders) == ["30d", "window"]
    assert second.reminders == [] and second.digests == []
    for pk in first.reminder_ids:
        assert delivery.deliver_reminder(pk, now=T0) is True
        assert delivery.deliver_reminder(pk, now=T0) is False  # a retried task finds it sent
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_and_deliveries_send_each_reminder_once(postgres):
    records = [
        make_practitioner(niss="", last_name=f"Name{i}", email=f"p{i}@example.be", birth_date=None, sex="")
        for i in range(6)
    ]
    for i, record in enumerate(records):
        make_certificate(record, T0 + timedelta(days=2 + 10 * i))
    barrier = threading.Barrier(4)
    results, sent, errors = [], [], []

    def scan_then_deliver():
        from django.db import connection

        try:
            barrier.wait()
            result = scan.scan_expiring(T0)
            results.append(result)
            barrier.wait()
            owed = delivery.owed(T0)
            for pk in owed.reminder_ids:
                if delivery.deliver_reminder(pk, now=T0):
                    sent.append(pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan_then_deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(len(result.reminders) for result in results) == 6 == Reminder.objects.count()
    assert sorted(sent) == sorted(Reminder.objects.values_list("pk", flat=True))
    assert len(mail.outbox) == 6
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 6


# --------------------------------------------------------------------------- who gets nothing


@pytest.mark.parametrize("state", [CertificateState.SUPERSEDED, CertificateState.REMOVED, CertificateState.REVOKED])
def test_inactive_certificates_get_no_reminder(practitioner_record, state):
    make_admin()
    make_certificate(practitioner_record, T0 + timedelta(days=10), state=state)
    make_certificate(practitioner_record, T0 - timedelta(days=10), state=CertificateState.REMOVED)
    result = scan.scan_expiring(T0)
    assert result.reminders == [] and result.digests == []
    run_day()
    assert mail.outbox == []


def test_a_newer_certificate_stops_the_old_ones_pending_reminder(practitioner_record):
    old = make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders
    Certificate.objects.filter(pk=old.pk).update(state=CertificateState.SUPERSEDED, superseded_at=T0)
    make_certificate(practitioner_record, T0 + timedelta(days=1000))

    assert delivery.deliver_reminder(reminder.pk, now=T0) is False
    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.CANCELLED and mail.outbox == []
    assert scan.scan_expiring(T0).reminders == []


def test_a_record_without_email_gets_no_reminder_but_shows_in_the_digest(practitioner_record, settings):
    settings.LANGUAGE_CODE = "en"  # the digest speaks the site's language
    practitioner_record.email = ""
    practitioner_record.save()
    admin = make_admin()
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    result = scan.scan_expiring(T0)
    assert result.reminders == [] and [row.recipient for row in result.digests] == [admin]
    assert delivery.deliver_digest(result.digest_ids[0], now=T0)
    assert "practitioner not reached (no e-mail address in the record)" in mail.outbox[0].body


# --------------------------------------------------------------------------- the mails


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("nl", "Uw eHealth-certificaat verloopt op 12/07/2025: vernieuw het nu"),
        ("fr", "Votre certificat eHealth expire le 12/07/2025 : renouvelez-le maintenant"),
        ("de", "Ihr eHealth-Zertifikat läuft am 12/07/2025 ab: Erneuern Sie es jetzt"),
        ("en", "Your eHealth certificate expires on 12/07/2025: renew it now"),
    ],
)
def test_the_practitioner_mail_is_rendered_in_their_language(practitioner_record, language, subject):
    practitioner_record.language = language
    practitioner_record.save()
    make_certificate(practitioner_record, T0 + timedelta(days=40, hours=3))
    [reminder] = scan.scan_expiring(T0).reminders
    with time_machine.travel(T0, tick=False):
        assert delivery.deliver_reminder(reminder.pk)
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert f'lang="{language}"' in html
    assert message.subject == subject
    assert message.extra_headers["Content-Language"] == language
    assert message.extra_headers["Message-ID"] == reminder.message_id


def test_the_practitioner_mail_says_when_how_and_where(practitioner_record, settings):
    settings.SITE_URL = "https://oxygen.example.be"
    practitioner_record.language = "en"
    practitioner_record.save()
    make_certificate(practitioner_record, datetime(2025, 9, 1, 21, 30, tzinfo=UTC))  # 1 Sept 23:30 in Brussels
    [reminder] = scan.scan_expiring(T0).reminders
    assert delivery.deliver_reminder(reminder.pk, now=T0)
    [message] = mail.outbox
    record_url = f"https://oxygen.example.be/practitioners/{practitioner_record.public_id}/"
    assert message.to == [practitioner_record.email]
    assert message.subject == "Your eHealth certificate expires on 01/09/2025: renew it now"
    for text in (message.body, message.alternatives[0][0]):
        assert "expires on 01/09/2025" in text
        assert "Renewal is possible now" in text
        for step in ("renew the certificate with your eID card", "Complete the renewal", "Activate the renewed ETK",
                     "Import the renewed keystore"):  # fmt: skip
            assert step in text
        assert record_url in text


def test_the_expired_mail_says_so(practitioner_record):
    practitioner_record.language = "en"
    practitioner_record.save()
    make_certificate(practitioner_record, T0 - timedelta(hours=2))
    [reminder] = scan.scan_expiring(T0).reminders
    delivery.deliver_reminder(reminder.pk, now=T0)
    assert mail.outbox[0].subject == "Your eHealth certificate expired on 02/06/2025"
    assert "request a new certificate" in mail.outbox[0].body


@pytest.mark.parametrize(("chosen", "subject"), [("nl", "eHealth-certificaten: 1 verloopt binnen 3 maanden"),
                                                 ("fr", "Certificats eHealth : 1 expire dans moins de 3 mois")])
def test_the_digest_speaks_the_language_the_administrator_chose(practitioner_record, settings, chosen, subject):
    settings.LANGUAGE_CODE = "en"
    UserPreference.objects.create(user=make_admin(), language=chosen)
    make_certificate(practitioner_record, T0 + timedelta(days=20))
    [pk] = scan.scan_expiring(T0).digest_ids
    assert delivery.deliver_digest(pk, now=T0)
    [digest] = digest_mails()
    assert digest.subject == subject and digest.extra_headers["Content-Language"] == chosen


@pytest.mark.parametrize(("record_language", "language"), [("de", "de"), ("nl", "nl"), (None, "en")])
def test_without_a_choice_the_digest_speaks_the_administrator_s_record_language_german_included(
    practitioner_record, other_record, settings, record_language, language
):
    settings.LANGUAGE_CODE = "en"
    administrator = make_admin()
    if record_language is not None:
        other_record.user, other_record.language = administrator, record_language
        other_record.save()
    make_certificate(practitioner_record, T0 + timedelta(days=20))
    [pk] = scan.scan_expiring(T0).digest_ids
    assert delivery.deliver_digest(pk, now=T0)
    [digest] = digest_mails()
    assert digest.extra_headers["Content-Language"] == language


def test_the_digest_lists_every_certificate_due_once_a_day_per_administrator(practitioner_record, other_record, settings):
    settings.LANGUAGE_CODE = "en"
    admins = [make_admin(), make_admin("chief", "chief@example.be")]
    make_admin("no-mail", "")  # no address: no digest
    silent = make_practitioner(niss="", last_name="Silent", email="", birth_date=None, sex="")
    valid = make_practitioner(niss="", last_name="Later", email="later@example.be", birth_date=None, sex="")
    make_certificate(practitioner_record, T0 + timedelta(days=20))
    make_certificate(other_record, T0 - timedelta(days=3))
    make_certificate(silent, T0 + timedelta(days=50))
    make_certificate(valid, T0 + timedelta(days=400))

    result = scan.scan_expiring(T0)
    assert sorted(row.recipient_email for row in result.digests) == ["boss@example.be", "chief@example.be"]
    assert scan.scan_expiring(T0 + timedelta(hours=5)).digests == []  # once a day
    for pk in result.digest_ids:
        assert delivery.deliver_digest(pk, now=T0)
    digests = digest_mails()
    assert sorted(m.to[0] for m in digests) == sorted(a.email for a in admins)
    body = digests[0].body
    assert digests[0].subject == "eHealth certificates: 2 expire within 3 months, 1 has expired"
    assert body.index("DUBOIS") < body.index("PEETERS") < body.index("SILENT")  # soonest expiry first
    assert "expired on 30/05/2025" in body and "expires on 22/06/2025" in body
    assert "SILENT Jan: expires on 22/07/2025 — practitioner not reached (no e-mail address in the record)" in body
    assert "LATER" not in body
    assert "/certificates/" in body
    assert scan.scan_expiring(T0 + timedelta(days=1)).digests  # and again the next day


def test_no_digest_when_nothing_is_due(practitioner_record):
    make_admin()
    make_certificate(practitioner_record, T0 + timedelta(days=200))
    assert scan.scan_expiring(T0).digests == []


# --------------------------------------------------------------------------- failures and retries


def test_smtp_failure_is_recorded_then_the_retry_sends_the_same_message(practitioner_record, settings, smtp_sink):
    smtp_sink.django_settings(settings)
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders

    smtp_sink.refuse_with = "451 4.3.0 Mailbox temporarily unavailable"
    with pytest.raises(SMTPException):
        delivery.deliver_reminder(reminder.pk, now=T0)
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts, smtp_sink.refused) == (DeliveryState.FAILED, 1, 1)
    assert "451" in reminder.last_error and "temporarily unavailable" in reminder.last_error
    assert delivery.owed(T0).reminder_ids == [reminder.pk]

    smtp_sink.refuse_with = None
    assert delivery.deliver_reminder(reminder.pk, now=T0) is True
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts, reminder.last_error) == (DeliveryState.SENT, 2, "")
    [received] = smtp_sink.messages
    assert received.message_id == reminder.message_id and received.envelope_to == [practitioner_record.email]
    assert delivery.owed(T0).reminder_ids == []


def test_smtp_server_down_is_recorded(practitioner_record, settings):
    from tests.smtp_sink import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders
    with pytest.raises(OSError):
        delivery.deliver_reminder(reminder.pk, now=T0)
    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.FAILED and "ConnectionRefusedError" in reminder.last_error


def test_the_task_retries_up_to_the_attempt_limit_then_gives_up(practitioner_record, settings, smtp_sink):
    smtp_sink.django_settings(settings)
    smtp_sink.refuse_with = "451 4.3.0 Try again later"
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders

    result = tasks.deliver_reminder.apply(args=(reminder.pk,))  # eager: the retries run at once
    assert result.failed()
    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.FAILED
    assert reminder.attempts == settings.EHEALTH_REMINDER_MAX_ATTEMPTS == smtp_sink.refused
    assert delivery.owed().reminder_ids == []  # given up: shown as failed in the overview
    assert delivery.deliver_reminder(reminder.pk) is False


def test_celery_retries_wait_one_two_four_eight_then_fifteen_minutes(practitioner_record, settings, smtp_sink, monkeypatch):
    """An SMTP server down for a few minutes must not use up a mail's attempts within seconds."""
    smtp_sink.django_settings(settings)
    smtp_sink.refuse_with = "451 4.3.0 Try again later"
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders
    task = tasks.deliver_reminder._get_current_object()  # the task itself, not Celery's lazy proxy
    countdowns = []
    retry = type(task).retry

    def recording_retry(self, *args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return retry(self, *args, **kwargs)

    monkeypatch.setattr(type(task), "retry", recording_retry)
    assert task.apply(args=(reminder.pk,)).failed()  # eager: the retries run at once, their waits are recorded
    # Celery asks for one more retry after the last attempt, and refuses it (max_retries).
    waits = countdowns[: settings.EHEALTH_REMINDER_MAX_ATTEMPTS - 1]
    assert waits == [60, 120, 240, 480, 900]
    assert len(countdowns) == settings.EHEALTH_REMINDER_MAX_ATTEMPTS == smtp_sink.refused


def test_the_sweep_leaves_a_failed_row_to_its_scheduled_retry(practitioner_record, settings):
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders
    Reminder.objects.filter(pk=reminder.pk).update(state=DeliveryState.FAILED, attempts=2, claimed_at=T0)
    soon = T0 + timedelta(minutes=1)
    retry_overdue = T0 + timedelta(seconds=settings.EHEALTH_REMINDER_RETRY_BACKOFF_MAX + 1)

    assert delivery.owed(soon, retries_scheduled=True).reminder_ids == []  # Celery's retry is still to come
    assert delivery.owed(soon).reminder_ids == [reminder.pk]  # the cron command has no retry of its own
    assert delivery.owed(retry_overdue, retries_scheduled=True).reminder_ids == [reminder.pk]  # the retry was lost
    with time_machine.travel(soon, tick=False):
        assert tasks.enqueue_owed() == 0
    with time_machine.travel(retry_overdue, tick=False):
        assert tasks.enqueue_owed() == 1


def test_a_row_left_sending_is_reclaimed_after_the_lease_with_the_same_message_id(practitioner_record, settings):
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders
    Reminder.objects.filter(pk=reminder.pk).update(state=DeliveryState.SENDING, attempts=1, claimed_at=T0)

    assert delivery.deliver_reminder(reminder.pk, now=T0 + timedelta(minutes=5)) is False  # still leased
    assert delivery.owed(T0 + timedelta(minutes=5)).reminder_ids == []
    later = T0 + settings.EHEALTH_REMINDER_SENDING_LEASE + timedelta(seconds=1)
    assert delivery.owed(later).reminder_ids == [reminder.pk]
    assert delivery.deliver_reminder(reminder.pk, now=later) is True
    assert mail.outbox[0].extra_headers["Message-ID"] == reminder.message_id


def test_a_row_left_sending_after_its_last_attempt_is_given_up(practitioner_record, settings):
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    [reminder] = scan.scan_expiring(T0).reminders
    Reminder.objects.filter(pk=reminder.pk).update(
        state=DeliveryState.SENDING, attempts=settings.EHEALTH_REMINDER_MAX_ATTEMPTS, claimed_at=T0
    )
    assert delivery.owed(T0 + timedelta(hours=1)).reminder_ids == []
    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.FAILED and "last attempt" in reminder.last_error


# --------------------------------------------------------------------------- the tasks and the command


def test_the_scan_task_records_and_enqueues_every_owed_mail(practitioner_record, monkeypatch, django_capture_on_commit_callbacks):
    make_admin()
    make_certificate(practitioner_record, T0 + timedelta(days=10))
    queued = []
    monkeypatch.setattr(tasks.deliver_reminder, "delay", lambda pk: queued.append(("reminder", pk)))
    monkeypatch.setattr(tasks.deliver_digest, "delay", lambda pk: queued.append(("digest", pk)))
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.scan_expiring_certificates.apply().get() == 2
    assert queued == [("reminder", Reminder.objects.get().pk), ("digest", AdminDigest.objects.get().pk)]


def test_the_command_dry_run_lists_without_sending_or_writing(practitioner_record, capsys):
    make_admin()
    make_certificate(practitioner_record, datetime(2025, 6, 20, 10, 0, tzinfo=UTC))
    out = _Sink()
    call_command("send_expiry_reminders", "--dry-run", "--today", "2025-06-02", stdout=out)
    assert "Dry run for 02/06/2025" in out.text
    assert "would send: 30d reminder to jan.peeters@example.be (PEETERS Jan, expires 20/06/2025)" in out.text
    assert "would send: digest to boss@example.be" in out.text
    assert Reminder.objects.count() == AdminDigest.objects.count() == ScanRun.objects.count() == 0
    assert mail.outbox == []


def test_the_command_with_today_sends_as_on_that_day(practitioner_record):
    make_certificate(practitioner_record, datetime(2025, 6, 20, 10, 0, tzinfo=UTC))
    out = _Sink()
    call_command("send_expiry_reminders", "--today", "2025-05-01", stdout=out)
    assert [row.threshold for row in Reminder.objects.all()] == ["window"]
    assert "01/05/2025: 1 reminder(s) and 0 digest(s) recorded, 1 mail(s) sent, 0 failed." in out.text
    assert ScanRun.objects.get().day == date(2025, 5, 1)


@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "01/06/2025"])
def test_the_command_refuses_a_bad_date_with_exit_status_2(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "send_expiry_reminders", "--today", value])
    assert exit_info.value.code == 2
    assert "is not a date: use YYYY-MM-DD" in capsys.readouterr().err
    assert ScanRun.objects.count() == 0


def test_the_command_reports_failures_and_exits_non_zero(practitioner_record, settings, smtp_sink):
    from django.core.management.base import CommandError

    smtp_sink.django_settings(settings)
    smtp_sink.refuse_with = "554 5.7.1 Rejected"
    make_certificate(practitioner_record, timezone.now() + timedelta(days=3))
    with pytest.raises(CommandError, match="1 mail"):
        call_command("send_expiry_reminders", stdout=_Sink(), stderr=_Sink())
    reminder = Reminder.objects.get()
    assert reminder.state == DeliveryState.FAILED and "554" in reminder.last_error
