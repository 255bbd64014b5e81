"""Benchmark 5: the API's registry list against the HTML list page, 100 rows each, in the same run.

    .venv/bin/python bench/api_list.py [--practitioners 10000] [--duration 20] [--reuse]

Seeds the database as benchmark 1 does (``bench/registry_list.py``: 10,000 practitioners with their
INAMI periods and certificates, a front-desk user), creates a service token (every scope, the
highest rate limit, so that no call is refused), then serves the project with gunicorn as benchmark
1 does and loads, in interleaved slices:
``/practitioners/?page_size=100`` (the HTML page, front-desk session), ``/api/v1/practitioners?page_size=100``
with the token, and the same with the front-desk session (the pages' access rules, no token).
Every API call writes its audit event, as in production.

Target: the API list at 100 rows serves at least as many requests per second as the HTML list.
"""
from __future__ import annotations

import json
import urllib.request

import _common
import registry_list

ROWS = 100
URLS = {
    "html": ("/practitioners/?page_size=100", "session"),
    "api_token": ("/api/v1/practitioners?page_size=100", "token"),
    "api_session": ("/api/v1/practitioners?page_size=100", "session"),
}
LABELS = {
    "html": "HTML list, 100 rows (session)", "api_token": "API list, 100 rows (token)",
    "api_session": "API list, 100 rows (session)",
}


def service_token() -> str:
    from api.models import MAX_REQUESTS_PER_MINUTE, Scope, ServiceToken
    from api.services import create_token

    ServiceToken.objects.filter(name="bench").delete()
    created = create_token(
        name="bench", scopes=(Scope.REGISTRY, Scope.CERTIFICATES), requests_per_minute=MAX_REQUESTS_PER_MINUTE, actor=None,
    )
    return created.text


def api_query_counts(token: str) -> dict[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"authorization": f"Bearer {token}"})
    counts = {}
    for size in (25, ROWS):
        client.get(f"/api/v1/practitioners?page_size={size}")  # the token's last use: written once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/practitioners?page_size={size}&page=3")
        assert response.status_code == 200 and len(response.json()["results"]) == size, response.status_code
        counts[size] = len(queries)
    return counts


def check_api(token: str) -> None:
    request = urllib.request.Request(
        f"{registry_list.BASE}/api/v1/practitioners?page_size={ROWS}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert len(json.loads(response.read())["results"]) == ROWS


def main() -> None:
    options = registry_list.options_of(__doc__.splitlines()[0])

    _common.header("The API's list against the HTML list (benchmark 5)")
    if not options.reuse:
        _common.recreate_database()
    _common.setup_django("bench.settings", SECRET_KEY=_common.SECRET_KEY, LOG_LEVEL="WARNING")
    if not options.reuse:
        registry_list.seed(options.practitioners)
    cookie, token = registry_list.session_cookie(), service_token()
    counts = api_query_counts(token)
    print(f"SQL statements per API list call (token): {counts[25]} at 25 rows, {counts[ROWS]} at {ROWS} rows")

    server = registry_list.start_gunicorn()
    try:
        registry_list.check_page(URLS["html"][0], cookie, b"table-practitioners")
        check_api(token)
        headers = {"session": "", "token": f"Authorization: Bearer {token}"}
        for path, caller in URLS.values():
            registry_list.wrk(path, cookie, 3, headers[caller])  # warm-up
        slices: dict[str, list[dict]] = {name: [] for name in URLS}
        for _ in range(options.slices):
            for name, (path, caller) in URLS.items():
                slices[name].append(registry_list.wrk(path, cookie, options.duration // options.slices, headers[caller]))
        results = {name: registry_list.combine(parts) for name, parts in slices.items()}
    finally:
        registry_list.stop(server)

    print(
        f"\nwrk: 1 thread, 4 connections, {options.duration} s per URL in {options.slices} interleaved slices;"
        " gunicorn: 2 sync workers, DEBUG=False"
    )
    print(f"{'URL':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for name, figures in results.items():
        print(
            f"{LABELS[name]:34} {figures['rps']:8.1f} {figures['p50_ms']:8.2f} {figures['p95_ms']:8.2f}"
            f" {figures['p99_ms']:8.2f} {figures['requests']:9d} {figures['errors']:7d}"
        )
    html = results["html"]["rps"]
    print(f"\nratio API list (token) / HTML list: {results['api_token']['rps'] / html:.2f}   (target >= 1.00)")
    print(f"ratio API list (session) / HTML list: {results['api_session']['rps'] / html:.2f}")
    print(f"server log: {registry_list.LOG}")


if __name__ == "__main__":
    main()
