"""``GET /healthz``: one JSON document for load balancers and monitoring.

Checks, each reported with its own ``status``:

- ``database``: a trivial query;
- ``redis``: PING to the Redis that carries the Celery broker (``HEALTHZ_REDIS_URL``), with a short
  timeout; ``not_configured`` (healthy) when the installation runs no Redis, as the embedded default;
- then the checks each app registers in its ``AppConfig.ready()`` with ``register(name, check)``:
  the certificates' ``scan``, ``revocation`` and ``reminders`` (``ehealth_certs/reminders/health.py``).

A check takes no argument and returns a JSON-ready dict with its ``status``: ``ok``, ``error``, or
``not_configured`` (healthy: the installation does without what it checks).

HTTP 200 when every check passes, 503 otherwise. The document holds no personal data and no error
text (an error is named by its exception class; the details go to the log). Every check catches
its own errors, so the endpoint answers even when the database is down. No login, never cached.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

OK, ERROR, NOT_CONFIGURED = "ok", "error", "not_configured"
REDIS_TIMEOUT = 1.0  # seconds, to connect and to answer


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK}


def check_redis() -> dict:
    url = settings.HEALTHZ_REDIS_URL
    if not url:
        return {"status": NOT_CONFIGURED}
    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return {"status": OK}


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "redis": check_redis,
}


def register(name: str, check: Callable[[], dict]) -> None:
    """Add an app's check to /healthz, reported under ``name`` after those registered before it."""
    if name in CHECKS:
        raise ImproperlyConfigured(f"/healthz already has a check named {name!r}.")
    CHECKS[name] = check


def run_check(name: str, check: Callable[[], dict]) -> dict:
    try:
        return check()
    except Exception as error:  # a failing dependency is a result, never a server error
        logger.warning("health check %s failed", name, exc_info=True)
        return {"status": ERROR, "error": type(error).__name__}


@require_GET
@never_cache  # Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private
@transaction.non_atomic_requests  # ATOMIC_REQUESTS would need the database before the view runs
def healthz(request):
    checks = {name: run_check(name, check) for name, check in CHECKS.items()}
    healthy = all(result["status"] in (OK, NOT_CONFIGURED) for result in checks.values())
    return JsonResponse({"status": OK if healthy else ERROR, "checks": checks}, status=200 if healthy else 503)
