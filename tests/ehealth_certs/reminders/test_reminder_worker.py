"""Reminders through the real components: Redis, a Celery worker process, PostgreSQL, an SMTP sink.

The worker is a separate process, so it sees only committed data: these tests use
``transaction=True`` on PostgreSQL (the test database pytest-django created) and Redis
database 5, flushed before each test.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ehealth_certs.reminders import tasks
from ehealth_certs.models import AdminDigest, DeliveryState, Reminder
from oxygen.celery import app as celery_app
from tests.factories import make_admin, make_certificate, make_practitioner
from tests.requires import require_service

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

BROKER_URL = "redis://127.0.0.1:6379/5"
PROJECT = Path(__file__).resolve().parents[3]


def redis_available() -> bool:
    import redis

    try:
        return redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def broker():
    """Redis database 5, empty, used by this process's Celery app too."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    require_service(redis_available(), "Redis on 127.0.0.1:6379")
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    previous = celery_app.conf.broker_url
    _use_broker(BROKER_URL)
    yield BROKER_URL
    _use_broker(previous)
    redis.Redis.from_url(BROKER_URL).flushdb()


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (new connections; kombu's shared pools are keyed by URL)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url


class Workers:
    """Starts Celery workers on the test database; kills what is left at the end."""

    def __init__(self, sink, tmp_path):
        self.sink, self.tmp_path, self.processes = sink, tmp_path, []

    def start(self) -> subprocess.Popen:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": BROKER_URL,
            "EMAIL_URL": self.sink.url,
            "LOG_FORMAT": "text",
            "REMINDER_RETRY_BACKOFF": "1",  # retries after 1, 2, 4... seconds, not minutes
        }
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "oxygen", "worker", "--pool=solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel=INFO", f"--hostname=test{len(self.processes)}@%h"],
            cwd=PROJECT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        process.log = log
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(broker, smtp_sink, tmp_path):
    started = Workers(smtp_sink, tmp_path)
    yield started
    started.stop_all()


def wait_until(predicate, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    logs = "\n".join(p.log.read_text()[-2000:] for p in workers.processes)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def due_records(count: int):
    for i in range(count):
        record = make_practitioner(niss="", last_name=f"Name{i}", email=f"p{i}@example.be", birth_date=None, sex="")
        make_certificate(record, timezone.now() + timedelta(days=3 + 15 * i), now=timezone.now())


def test_beat_scan_through_redis_and_a_worker_delivers_with_retries(workers, smtp_sink):
    due_records(3)
    admin = make_admin()
    smtp_sink.refuse_next = 2  # the SMTP server refuses the first two mails: retried with backoff
    workers.start()

    tasks.scan_expiring_certificates.delay()

    def all_sent():
        states = list(Reminder.objects.values_list("state", flat=True)) + list(AdminDigest.objects.values_list("state", flat=True))
        return len(states) == 4 and set(states) == {DeliveryState.SENT}

    wait_until(all_sent, 40, "every reminder to be sent", workers)
    assert smtp_sink.refused == 2
    assert sum(Reminder.objects.values_list("attempts", flat=True)) + AdminDigest.objects.get().attempts == 4 + 2
    ids = Counter(message.message_id for message in smtp_sink.messages)
    expected = set(Reminder.objects.values_list("message_id", flat=True)) | {AdminDigest.objects.get().message_id}
    assert set(ids) == expected and all(count == 1 for count in ids.values())
    assert sorted(message.envelope_to[0] for message in smtp_sink.messages) == sorted(
        [f"p{i}@example.be" for i in range(3)] + [admin.email]
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_each_mail_once_per_message_id(workers, smtp_sink):
    owed = 6
    due_records(owed)
    smtp_sink.delay = 1.0  # each mail takes a second: the kill lands in the middle of the batch
    first = workers.start()

    tasks.scan_expiring_certificates.delay()
    smtp_sink.wait_for(2, timeout=30)  # the second mail is in the sink, its "250" not yet given
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)

    states = Counter(Reminder.objects.values_list("state", flat=True))
    assert Reminder.objects.count() == owed
    assert (states[DeliveryState.SENT], states[DeliveryState.SENDING]) == (1, 1)  # killed while sending the second
    # The dead worker's claim is presumed lost once its lease is over (here: made to be over).
    lease = settings.EHEALTH_REMINDER_SENDING_LEASE + timedelta(seconds=1)
    Reminder.objects.filter(state=DeliveryState.SENDING).update(claimed_at=timezone.now() - lease)
    smtp_sink.delay = 0
    workers.start()
    tasks.redeliver_owed_reminders.delay()

    wait_until(lambda: Reminder.objects.filter(state=DeliveryState.SENT).count() == owed, 40, "every reminder", workers)
    time.sleep(0.5)  # nothing more arrives
    received = Counter(message.message_id for message in smtp_sink.messages)
    assert set(received) == set(Reminder.objects.values_list("message_id", flat=True))
    assert len(received) == owed
    # Only the mail the server took before the worker died arrives twice, and with the same Message-ID.
    assert sorted(received.values()) == [1] * (owed - 1) + [2]
