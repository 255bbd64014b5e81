"""Benchmark 3: the daily expiry scan on PostgreSQL at 10,000 and 100,000 active certificates.

    .venv/bin/python bench/daily_scan.py [--sizes 10000 100000]

For each size the database ``oxygen_bench_scan`` is recreated and seeded (bulk_create) with one
practitioner per active certificate (and a superseded certificate for every fourth). Expiry dates
are spread evenly from 30 days ago to 3 years ahead, as eHealth's 3-year certificates are: about
a tenth are due (inside the 3-month window or expired). Then, each in a fresh process (so that peak
memory is the scan's own):

- ``scan``: ``scan.scan_expiring(now)``, what beat's daily task and the cron command run;
- ``scan again``: the same a second time (idempotent: nothing new to record);
- ``all due``: every active certificate moved inside the window (one UPDATE), reminders emptied,
  then the scan: the worst case, every certificate owed a reminder at once;
- ``enqueue``: after the worst case, ``tasks.enqueue_owed()`` (what beat's scan task does next:
  one ``delay()`` per owed mail) to Redis database ``BENCH_REDIS_DB`` (13, flushed before and after);

and, as the baseline in the same process just after, the least any scan must do: one raw SQL query
reading the due certificates with their practitioner's e-mail (``baseline``).

Reported: wall time, SQL statements (counted with an execute wrapper: the scan's server-side
cursor counts once, its FETCHes of 5,000 rows are not seen), peak memory above the process's size
before the scan (ru_maxrss), and the ratio to the baseline.
Target: under 10 s at 100,000 certificates, in bulk (statements: a few, plus one INSERT per 5,000
reminders created).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import time

import _common

DATABASE = "oxygen_bench_scan"
BROKER_URL = f"{_common.REDIS_SERVER}/{_common.BENCH_REDIS_DB}"


def seed(size: int) -> None:
    from django.utils import timezone

    from bench import seed as seeding

    started = time.perf_counter()
    records = seeding.practitioners(size)
    count = seeding.certificates(records, now=timezone.now())
    print(f"  seeded {size} practitioners, {count} certificates in {time.perf_counter() - started:.1f} s", flush=True)


def make_all_due() -> None:
    from django.db import connection

    from ehealth_certs.models import AdminDigest, Reminder, ScanRun

    Reminder.objects.all().delete()
    AdminDigest.objects.all().delete()
    ScanRun.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ehealth_certs_certificate SET not_after = now() + (1 + random() * 88) * interval '1 day',"
            " not_before = now() - interval '1000 days' WHERE state = 'active'"
        )


def measure(kind: str) -> dict:
    """In this (fresh) process: the scan, with statements and peak memory, then the baseline query."""
    from django.db import connection
    from django.utils import timezone

    from ehealth_certs import conf
    from ehealth_certs.reminders import scan
    from ehealth_certs.keystore.dates import add_months

    now = timezone.now()
    with connection.cursor() as cursor:  # connect and warm the catalogue outside the figures
        cursor.execute("SELECT 1")

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    # The scan first: ru_maxrss is a high-water mark, and the baseline's rows would hide the scan's.
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = scan.scan_expiring(now)
        wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.not_after, p.email FROM ehealth_certs_certificate c"
            " JOIN practitioners_practitioner p ON p.id = c.practitioner_id"
            " WHERE c.state = 'active' AND p.is_active AND c.not_after <= %s",
            [add_months(now, conf.renewal_window_months())],
        )
        due = len(cursor.fetchall())
    baseline = time.perf_counter() - started
    return {
        "kind": kind, "due": due, "created": len(result.reminder_ids), "wall_s": wall, "statements": statements,
        "peak_mib": peak / 1024, "baseline_s": baseline,
    }  # fmt: skip


def measure_enqueue() -> dict:
    """In this (fresh) process: one delivery task per owed row pushed to Redis, as beat's scan task does."""
    import redis

    from ehealth_certs.reminders import tasks

    broker = redis.Redis.from_url(BROKER_URL)
    broker.flushdb()
    started = time.perf_counter()
    enqueued = tasks.enqueue_owed()  # outside a transaction: the on_commit callback runs at once
    wall = time.perf_counter() - started
    queued = broker.llen("celery")
    broker.flushdb()
    return {"enqueued": enqueued, "queued": queued, "wall_s": wall}


def child(size: int, *arguments: str) -> dict:
    """One measurement in a fresh process (its last output line, JSON)."""
    command = [_common.PYTHON, __file__, *arguments]
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=environment()).stdout
    return json.loads(output.strip().splitlines()[-1]) | {"size": size}


def settings_environment() -> dict:
    return {"DATABASE_URL": _common.database_url(DATABASE), "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": BROKER_URL}


def environment() -> dict:
    return {**os.environ, **settings_environment()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # in a child process: one measurement
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)  # in a child process: seeding
    parser.add_argument("--all-due", action="store_true", help=argparse.SUPPRESS)  # in a child process
    parser.add_argument("--enqueue", action="store_true", help=argparse.SUPPRESS)  # in a child process
    options = parser.parse_args()

    if options.measure or options.seed or options.all_due or options.enqueue:
        _common.setup_django(**settings_environment())
        if options.measure:
            print(json.dumps(measure(options.measure)))
        elif options.enqueue:
            print(json.dumps(measure_enqueue()))
        elif options.seed:
            seed(options.seed)
        else:
            make_all_due()
        return

    _common.header("Daily expiry scan (benchmark 3)")
    rows, enqueues = [], []
    for size in options.sizes:
        print(f"{size} active certificates:", flush=True)
        _common.recreate_database(DATABASE)
        run_in_child("--seed", str(size))
        rows.append(child(size, "--measure", "scan"))
        rows.append(child(size, "--measure", "scan again"))
        run_in_child("--all-due")
        rows.append(child(size, "--measure", "all due"))
        enqueues.append(child(size, "--enqueue"))

    print(f"\n{'certificates':>12} {'run':11} {'due':>7} {'created':>8} {'wall s':>8} {'baseline s':>10} {'ratio':>7}"
          f" {'statements':>10} {'peak MiB':>9}")  # fmt: skip
    for row in rows:
        print(
            f"{row['size']:>12} {row['kind']:11} {row['due']:>7} {row['created']:>8} {row['wall_s']:8.2f}"
            f" {row['baseline_s']:10.3f} {row['wall_s'] / row['baseline_s']:6.1f}x {row['statements']:>10}"
            f" {row['peak_mib']:9.1f}"
        )
    for row in enqueues:
        print(f"{row['size']:>12} enqueue: {row['enqueued']} delivery tasks to Redis in {row['wall_s']:.2f} s"
              f" ({row['wall_s'] / max(row['enqueued'], 1) * 1e6:.0f} µs each, {row['queued']} queued)")  # fmt: skip
    print("\ntarget: under 10 s at 100,000 certificates; a few statements, plus one INSERT per 5,000 reminders created")


def run_in_child(*arguments: str) -> None:
    subprocess.run([_common.PYTHON, __file__, *arguments], check=True, env=environment())


if __name__ == "__main__":
    main()
