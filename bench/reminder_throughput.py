"""Benchmark 4: 5,000 owed reminders through Celery workers on Redis to a local SMTP sink.

    .venv/bin/python bench/reminder_throughput.py [--reminders 5000]

The database ``oxygen_bench_mail`` is recreated with 5,000 practitioners whose certificate expires
within 3 months; the scan (``scan.scan_expiring``) records 5,000 owed scan. An SMTP sink
(aiosmtpd, in this process, counting messages) receives the mails. Each run resets the reminders to
pending, then delivers all of them and reports mails per second from the start of delivery to the
last message received:

- ``command``: ``send_expiry_reminders``'s in-process loop (the cron path, no Celery): the baseline;
- ``1 worker``: ``tasks.enqueue_owed()`` (what beat's task does after the scan: one task per mail,
  pushed to Redis) then one Celery worker process (prefork, concurrency 1) delivers them;
- ``2 workers``: the same with two worker processes (``docker compose up --scale worker=2``).

Workers log at INFO in JSON, as in production (to a file). Redis database 13 is flushed before
each run. The enqueue time is included in the Celery runs (workers start consuming at once).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import _common

DATABASE = "oxygen_bench_mail"
BROKER_URL = f"{_common.REDIS_SERVER}/{_common.BENCH_REDIS_DB}"


class CountingSink:
    """aiosmtpd handler that counts messages (no parsing: the sink must not be the bottleneck)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.count += 1
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count >= count:
                return time.perf_counter()
            time.sleep(0.01)
        raise SystemExit(f"only {self.count} of {count} mails arrived within {timeout:.0f} s")


def seed(count: int) -> None:
    from django.utils import timezone

    from bench import seed as seeding
    from ehealth_certs.reminders import scan

    records = seeding.practitioners(count, inactive_share=0)  # every record active: each gets its reminder
    seeding.certificates(records, now=timezone.now(), due_fraction=1.0)
    created = len(scan.scan_expiring().reminders)
    assert created == count, created
    print(f"seeded {count} practitioners with a certificate due; the scan recorded {created} reminders", flush=True)


def reset() -> None:
    from ehealth_certs.models import DeliveryState, Reminder

    Reminder.objects.update(state=DeliveryState.PENDING, attempts=0, claimed_at=None, sent_at=None, last_error="")


def flush_broker() -> None:
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()


def start_workers(count: int, sink_port: int) -> list[subprocess.Popen]:
    environment = _common.server_environment(
        DATABASE_URL=_common.database_url(DATABASE), EMAIL_URL=f"smtp://127.0.0.1:{sink_port}", LOG_LEVEL="INFO",
    )  # fmt: skip
    processes = []
    for index in range(count):
        log = Path(f"/tmp/oxygen-bench-worker-{index}.log")
        process = subprocess.Popen(
            [_common.PYTHON, "-m", "celery", "-A", "oxygen", "worker", "--concurrency=1", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-l", "INFO", f"--hostname=bench{index}@%h"],
            cwd=_common.PROJECT, env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        process.log = log
        processes.append(process)
    for process in processes:
        deadline = time.monotonic() + 60
        while b" ready." not in process.log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                stop_workers(processes)
                raise SystemExit(f"a Celery worker did not start: see {process.log}")
            time.sleep(0.1)
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_command(sink: CountingSink, count: int, timeout: float) -> float:
    """The cron command's delivery loop, in this process, pointed at the sink."""
    from django.core.management import call_command

    reset()
    sink.count = 0
    started = time.perf_counter()
    call_command("send_expiry_reminders", stdout=open(os.devnull, "w"))
    finished = sink.wait_for(count, timeout)
    return finished - started


def run_celery(sink: CountingSink, count: int, workers: int, timeout: float) -> tuple[float, float]:
    from ehealth_certs.reminders import tasks

    reset()
    flush_broker()
    sink.count = 0
    processes = start_workers(workers, sink.port)
    try:
        started = time.perf_counter()
        tasks.enqueue_owed()
        enqueued = time.perf_counter() - started
        finished = sink.wait_for(count, timeout)
    finally:
        stop_workers(processes)
    return finished - started, enqueued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=240, help="seconds allowed per run")
    options = parser.parse_args()

    _common.header("Reminder throughput (benchmark 4)")
    _common.recreate_database(DATABASE)
    from aiosmtpd.controller import Controller

    from tests.smtp_sink import free_port

    sink = CountingSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    _common.setup_django(
        DATABASE_URL=_common.database_url(DATABASE), CELERY_BROKER_URL=BROKER_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}", LOG_LEVEL="WARNING",
    )  # fmt: skip
    try:
        seed(options.reminders)
        results = {"command (baseline)": (run_command(sink, options.reminders, options.timeout), None)}
        for workers in (1, 2):
            results[f"{workers} worker{'s' if workers > 1 else ''}"] = run_celery(
                sink, options.reminders, workers, options.timeout
            )
    finally:
        controller.stop()
        flush_broker()

    count = options.reminders
    baseline = count / results["command (baseline)"][0]
    one_worker = count / results["1 worker"][0]
    print(f"\n{'run':20} {'seconds':>8} {'mails/s':>8} {'vs command':>10} {'vs 1 worker':>11} {'enqueue s':>9}")
    for name, (seconds, enqueued) in results.items():
        rate = count / seconds
        print(
            f"{name:20} {seconds:8.1f} {rate:8.1f} {rate / baseline:9.2f}x {rate / one_worker:10.2f}x"
            f" {enqueued if enqueued is not None else float('nan'):9.2f}"
        )


if __name__ == "__main__":
    main()
