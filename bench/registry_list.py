"""Benchmark 1: the registry list page under load, against a minimal Django view on the same server.

    .venv/bin/python bench/registry_list.py [--practitioners 10000] [--duration 20] [--reuse]

1. (Re)creates the PostgreSQL database ``oxygen_bench`` (``--reuse`` keeps an already seeded one),
   migrates it and seeds 10,000 practitioners (INAMI periods, one active certificate each, a
   superseded one for every fourth) with bulk_create, plus a front-desk user and a session, then
   runs VACUUM ANALYZE (statistics and visibility map of a settled table, as autovacuum keeps them).
2. Counts the SQL queries of the list page at 25 and 200 rows per page (in process, same database).
3. Serves the project with gunicorn as the Docker stack does (``docker/gunicorn.conf.py``, 2 sync
   workers, DEBUG=False, JSON logs at INFO to a file), settings ``bench.settings`` (the project's
   URLs plus the two baselines of ``bench/urls.py``), and drives it with ``wrk`` (1 thread,
   4 connections, from another process) for ``--duration`` seconds per URL after a 3-second warm-up each, in
   ``--slices`` interleaved slices (the machine's background load then weighs on each URL alike):
   ``/bench/minimal`` (the baseline: no session, no query), ``/bench/authenticated`` (a second
   baseline: the session, the user and the permissions that the list's access check reads, nothing
   more), ``/practitioners/`` (25 rows, the default) and ``/practitioners/?page_size=200``, all
   with the front-desk user's session cookie.

Target: the list page at 25 rows serves at least 40% of the minimal view's requests per second,
and its query count does not depend on the number of rows.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import _common

PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
LOG = Path("/tmp/oxygen-bench-gunicorn.log")


def seed(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from bench import seed as seeding

    started = time.perf_counter()
    records = seeding.practitioners(count)
    period_count = seeding.periods(records)
    certificate_count = seeding.certificates(records, now=timezone.now())
    seeding.front_desk_user()
    # As autovacuum would soon do on a live database: planner statistics and the visibility map
    # (index-only scans for the page's COUNT(*)) are those of a settled table, not of a bulk load.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded {count} practitioners, {period_count} INAMI periods, {certificate_count} certificates"
        f" in {time.perf_counter() - started:.1f} s"
    )


def session_cookie() -> str:
    """A logged-in session of the front-desk user, stored like a real login stores it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user = User.objects.get(username="bench-front-desk")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the permission backend, as a login records it
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def query_counts() -> dict[int, int]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the test client then exposes the template context
    client = Client()
    client.force_login(User.objects.get(username="bench-front-desk"))
    counts = {}
    for size in (25, 200):
        client.get(f"/practitioners/?page_size={size}")  # warm caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/practitioners/?page_size={size}&page=3")
        assert response.status_code == 200, response.status_code
        assert len(response.context["practitioners"]) == size
        counts[size] = len(queries)
    return counts


def start_gunicorn() -> subprocess.Popen:
    environment = _common.server_environment(
        DJANGO_SETTINGS_MODULE="bench.settings",
        GUNICORN_BIND=f"127.0.0.1:{PORT}",
        GUNICORN_WORKERS="2",
        GUNICORN_MAX_REQUESTS="0",  # no worker recycling in the middle of a 20-second run
        LOG_LEVEL="INFO",  # one JSON line per request, as in production
    )
    subprocess.run(
        [_common.PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", "--settings=bench.settings"],
        cwd=_common.PROJECT, env=environment, check=True,
    )  # fmt: skip
    log = LOG.open("w")
    server = subprocess.Popen(
        [_common.PYTHON, "-m", "gunicorn", "oxygen.wsgi", "--config", "docker/gunicorn.conf.py"],
        cwd=_common.PROJECT, env=environment, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/bench/minimal", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not start: see {LOG}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def check_page(path: str, cookie: str, expect: bytes) -> None:
    request = urllib.request.Request(f"{BASE}{path}", headers={"Cookie": f"sessionid={cookie}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        assert response.status == 200 and response.url.endswith(path), (response.status, response.url)
        assert expect in body, f"{expect!r} not in {path}"


def wrk(path: str, cookie: str, duration: int, header: str = "") -> dict:
    """Load ``path`` with the session ``cookie``, or with ``header`` (e.g. a token) when given."""
    header = header or f"Cookie: sessionid={cookie}"
    command = [
        "wrk", "-t1", "-c4", f"-d{duration}s", "--timeout", "10s", "-s", str(_common.PROJECT / "bench" / "wrk_report.lua"),
        "-H", header, f"{BASE}{path}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def combine(parts: list[dict]) -> dict:
    """Slices of one URL: requests/s over all of them; latency percentiles: the slices' median."""
    combined = {"rps": sum(part["requests"] for part in parts) / sum(part["seconds"] for part in parts)}
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        combined[key] = _common.median([part[key] for part in parts])
    combined["errors"] = sum(part[key] for part in parts for key in part if key.startswith("errors"))
    combined["requests"] = sum(part["requests"] for part in parts)
    return combined


def options_of(description: str) -> argparse.Namespace:
    """The command line of the load benchmarks on the registry's database (this one and bench/api_list.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--practitioners", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per URL")
    parser.add_argument("--slices", type=int, default=4, help="interleaved slices the duration is cut into")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded oxygen_bench database")
    return parser.parse_args()


def main() -> None:
    options = options_of(__doc__.splitlines()[0])

    _common.header("Registry list page under load (benchmark 1)")
    if not options.reuse:
        _common.recreate_database()
    _common.setup_django("bench.settings", SECRET_KEY=_common.SECRET_KEY, LOG_LEVEL="WARNING")
    if not options.reuse:
        seed(options.practitioners)
    cookie = session_cookie()
    counts = query_counts()
    print(f"SQL queries per list page: {counts[25]} at 25 rows, {counts[200]} at 200 rows")

    server = start_gunicorn()
    try:
        check_page("/practitioners/", cookie, b"table-practitioners")
        urls = {
            "minimal": "/bench/minimal",
            "authenticated": "/bench/authenticated",
            "list25": "/practitioners/",
            "list200": "/practitioners/?page_size=200",
        }
        for path in urls.values():
            wrk(path, cookie, 3)  # warm-up
        # Interleaved slices: the machine's background load weighs on every URL alike.
        slices: dict[str, list[dict]] = {name: [] for name in urls}
        for _ in range(options.slices):
            for name, path in urls.items():
                slices[name].append(wrk(path, cookie, options.duration // options.slices))
        results = {name: combine(parts) for name, parts in slices.items()}
    finally:
        stop(server)

    print(
        f"\nwrk: 1 thread, 4 connections, {options.duration} s per URL in {options.slices} interleaved slices;"
        " gunicorn: 2 sync workers, DEBUG=False"
    )
    print(f"{'URL':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    labels = {"minimal": "/bench/minimal (baseline)", "authenticated": "/bench/authenticated",
              "list25": "/practitioners/ (25 rows)", "list200": "/practitioners/?page_size=200"}  # fmt: skip
    for name, figures in results.items():
        print(
            f"{labels[name]:34} {figures['rps']:8.1f} {figures['p50_ms']:8.2f} {figures['p95_ms']:8.2f}"
            f" {figures['p99_ms']:8.2f} {figures['requests']:9d} {figures['errors']:7d}"
        )
    baseline, authenticated = results["minimal"]["rps"], results["authenticated"]["rps"]
    print(f"\nratio list (25 rows) / minimal view: {results['list25']['rps'] / baseline:.1%}   (target >= 40%)")
    print(f"ratio list (200 rows) / minimal view: {results['list200']['rps'] / baseline:.1%}")
    print(f"ratio authenticated view / minimal view: {authenticated / baseline:.1%}")
    print(f"ratio list (25 rows) / authenticated view: {results['list25']['rps'] / authenticated:.1%}")
    print(f"server log: {LOG}")


if __name__ == "__main__":
    main()
