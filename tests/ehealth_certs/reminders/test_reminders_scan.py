"""The daily scan's bulk work: thresholds worked out in SQL, chunks, statements, concurrent scans."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ehealth_certs.reminders import scan
from ehealth_certs.models import DeliveryState, Reminder, ScanRun
from ehealth_certs.reminders.thresholds import current_threshold
from ehealth_certs.keystore.dates import add_months
from tests.factories import DAYS, T0, make_certificate, make_practitioner

pytestmark = pytest.mark.django_db

# Around every cutoff, for the 3-month window and [30, 7, 1] days; 100 days is outside the window.
EXPIRY_OFFSETS = [
    timedelta(days=100), timedelta(days=92), timedelta(days=91), timedelta(days=31),
    timedelta(days=30, seconds=1), timedelta(days=30), timedelta(days=7, seconds=1), timedelta(days=7),
    timedelta(days=1, seconds=1), timedelta(days=1), timedelta(seconds=1), timedelta(0), timedelta(days=-400),
]  # fmt: skip


def due_certificates(count: int, *, first_index: int = 0, days_left=lambda i: 3 + 7 * (i % 12)):
    """``count`` records, each with an active certificate inside the window (at most 80 days left)."""
    certificates = []
    for i in range(first_index, first_index + count):
        record = make_practitioner(niss="", last_name=f"Name{i}", email=f"p{i}@example.be", birth_date=None, sex="")
        certificates.append(make_certificate(record, T0 + timedelta(days=days_left(i))))
    return certificates


@pytest.mark.parametrize("days_before", [DAYS, [120, 30, 7, 1]])
def test_the_scan_works_out_the_same_threshold_as_the_python_rule(settings, days_before):
    """The scan's SQL CASE and ``current_threshold`` agree at every cutoff, also with a reminder before the window."""
    settings.EHEALTH_REMINDER_DAYS_BEFORE = days_before
    certificates = due_certificates(len(EXPIRY_OFFSETS), days_left=lambda i: 0)
    for certificate, offset in zip(certificates, EXPIRY_OFFSETS, strict=True):
        certificate.not_after = T0 + offset
        certificate.save(update_fields=["not_after"])
    expected = {
        certificate.pk: current_threshold(certificate.not_after, T0, window_months=3, days_before=days_before)
        for certificate in certificates
        if certificate.not_after <= add_months(T0, 3)  # only certificates inside the window are due
    }
    assert len(set(expected.values())) == 5  # every threshold is reached by some certificate

    result = scan.scan_expiring(T0)
    assert dict(Reminder.objects.values_list("certificate_id", "threshold")) == expected
    assert sorted(result.reminder_ids) == sorted(Reminder.objects.values_list("pk", flat=True))


def test_chunks_record_every_reminder_once_and_cancel_what_they_overtake(monkeypatch):
    monkeypatch.setattr(scan, "CHUNK", 2)
    certificates = due_certificates(7, days_left=lambda i: 10 + i)  # all at their 30-day threshold
    # Earlier window reminders: two unsent (pending, failed) are overtaken; a sent one stays sent.
    earlier = {
        certificates[1].pk: DeliveryState.PENDING, certificates[4].pk: DeliveryState.FAILED,
        certificates[6].pk: DeliveryState.SENT,
    }  # fmt: skip
    for pk, state in earlier.items():
        Reminder.objects.create(certificate_id=pk, threshold="window", recipient_email="x@example.be", state=state,
                                sent_at=T0 if state == DeliveryState.SENT else None)  # fmt: skip

    result = scan.scan_expiring(T0)

    new = Reminder.objects.filter(threshold="30d")
    assert sorted(new.values_list("certificate_id", flat=True)) == sorted(c.pk for c in certificates)
    assert sorted(result.reminder_ids) == sorted(new.values_list("pk", flat=True))
    assert [row.pk for row in result.reminders] == sorted(result.reminder_ids)  # read back across chunks
    assert len({row.message_id for row in result.reminders}) == 7
    assert result.cancelled == 2
    assert dict(Reminder.objects.filter(threshold="window").values_list("certificate_id", "state")) == {
        certificates[1].pk: DeliveryState.CANCELLED, certificates[4].pk: DeliveryState.CANCELLED,
        certificates[6].pk: DeliveryState.SENT,
    }  # fmt: skip
    assert ScanRun.objects.get().reminders_created == 7
    assert scan.scan_expiring(T0).reminder_ids == []


def test_the_message_id_is_made_once_and_kept():
    certificate = due_certificates(1)[0]
    [reminder] = scan.scan_expiring(T0).reminders
    assert reminder.certificate_id == certificate.pk
    assert reminder.message_id.startswith("<") and reminder.message_id.endswith(">")
    scan.scan_expiring(T0 + timedelta(hours=2))
    assert Reminder.objects.get().message_id == reminder.message_id


def test_statements_do_not_grow_with_the_certificates_due_within_a_chunk(postgres):
    """A few statements, plus one INSERT per CHUNK reminders created: 3 or 30 due cost the same."""

    def statements_for(count: int, first_index: int) -> int:
        Reminder.objects.all().delete()
        due_certificates(count, first_index=first_index)
        with CaptureQueriesContext(connection) as queries:
            assert len(scan.scan_expiring(T0).reminder_ids) == Reminder.objects.count()
        return len(queries)

    few = statements_for(3, 0)
    many = statements_for(27, 3)
    assert Reminder.objects.count() == 30
    assert few == many <= 10


def test_dry_run_plans_exactly_what_the_scan_then_records():
    certificates = due_certificates(5)
    scan.scan_expiring(T0 - timedelta(days=40))  # some already have an older threshold's row
    plan = scan.plan_expiring(T0)
    planned = sorted((row.certificate_id, row.threshold) for row in plan.reminders)
    assert Reminder.objects.count() == 5  # nothing written

    result = scan.scan_expiring(T0)
    assert sorted((row.certificate_id, row.threshold) for row in result.reminders) == planned
    assert len(planned) == len(certificates) - 1  # 31 days left: still at its window threshold
    assert scan.plan_expiring(T0).reminders == []


@pytest.mark.django_db(transaction=True)
def test_a_scan_waiting_on_a_concurrent_ones_rows_skips_them_and_records_the_rest(postgres):
    """Scan A has inserted X's reminder but not committed; scan B (which also sees Y) waits on X's unique key,
    then skips X (``ON CONFLICT DO NOTHING``) and records Y only."""
    [first] = due_certificates(1)
    a_inserted, a_may_commit, errors, results = threading.Event(), threading.Event(), [], {}

    def run_scan(name: str, hold: bool):
        try:
            with transaction.atomic():
                results[name] = scan.scan_expiring(T0)
                if hold:
                    a_inserted.set()
                    assert a_may_commit.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=run_scan, args=("a", True))
    a.start()
    assert a_inserted.wait(30)
    [second] = due_certificates(1, first_index=1)  # committed: B sees it, A did not
    b = threading.Thread(target=run_scan, args=("b", False))
    b.start()
    with connection.cursor() as cursor:  # B is blocked on A's uncommitted row
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the second scan never waited on the first")
    a_may_commit.set()
    a.join(30)
    b.join(30)
    assert errors == []
    rows = dict(Reminder.objects.values_list("certificate_id", "pk"))
    assert results["a"].reminder_ids == [rows[first.pk]]
    assert results["b"].reminder_ids == [rows[second.pk]]
    assert sorted(ScanRun.objects.values_list("reminders_created", flat=True)) == [1, 1]
