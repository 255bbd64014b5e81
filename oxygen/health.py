"""``GET /healthz``: one JSON document for load balancers and monitoring.

Checks, each reported with its own ``status``:

- ``database``: a trivial query;
- ``redis``: PING to the Redis that carries the Celery broker (``HEALTHZ_REDIS_URL``), with a short
  timeout; ``not_configured`` (healthy) when the installation runs no Redis, as the embedded default;
- ``scan``: when the daily expiry scan last ran; fails when that is more than
  ``HEALTHZ_MAX_SCAN_AGE_HOURS`` ago, or when it never ran (beat and the worker run it; without
  Celery, the ``send_expiry_reminders`` cron command does);
- ``revocation``: fails when an active certificate naming an OCSP responder has had no verified
  answer (not revoked, or revoked) for ``HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS`` days, counted
  from its import when it never had one: the responder or the outbound network keeps failing;
  ``not_configured`` (healthy) when ``EHEALTH_REVOCATION_CHECK`` is off;
- ``reminders``: how many reminder mails are owed (pending or being sent) and how many failed.
  Information for monitoring: counts never fail the check, only being unable to count does.

HTTP 200 when every check passes, 503 otherwise. The document holds no personal data and no error
text (an error is named by its exception class; the details go to the log). Every check catches
its own errors, so the endpoint answers even when the database is down. No login, never cached.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ehealth_certs.models import AdminDigest, DeliveryState, Reminder, ScanRun
from ehealth_certs.reminders.revocation_check import certificates_to_check

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


def check_scan() -> dict:
    max_age = timedelta(hours=settings.HEALTHZ_MAX_SCAN_AGE_HOURS)
    last = ScanRun.objects.order_by("-ran_at").values_list("ran_at", flat=True).first()
    if last is None:
        return {"status": ERROR, "last_run": None, "max_age_hours": settings.HEALTHZ_MAX_SCAN_AGE_HOURS}
    age = timezone.now() - last
    return {
        "status": OK if age <= max_age else ERROR,
        "last_run": last.isoformat(),
        "age_hours": round(age.total_seconds() / 3600, 2),
        "max_age_hours": settings.HEALTHZ_MAX_SCAN_AGE_HOURS,
    }


def check_revocation() -> dict:
    if not settings.EHEALTH_REVOCATION_CHECK:
        return {"status": NOT_CONFIGURED}
    max_age_days = settings.HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS
    since = timezone.now() - timedelta(days=max_age_days)
    stale = (
        certificates_to_check()
        .filter(Q(revocation_confirmed_at__lt=since) | Q(revocation_confirmed_at__isnull=True, uploaded_at__lt=since))
        .count()
    )
    return {"status": OK if stale == 0 else ERROR, "unconfirmed": stale, "max_age_days": max_age_days}


def check_reminders() -> dict:
    """Practitioner reminders and administrators' digests together, one query each."""
    counts = {"pending": 0, "failed": 0}
    for model in (Reminder, AdminDigest):
        totals = model.objects.aggregate(
            pending=Count("pk", filter=Q(state__in=[DeliveryState.PENDING, DeliveryState.SENDING])),
            failed=Count("pk", filter=Q(state=DeliveryState.FAILED)),
        )
        for key in counts:
            counts[key] += totals[key]
    return {"status": OK, **counts}


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "redis": check_redis,
    "scan": check_scan,
    "revocation": check_revocation,
    "reminders": check_reminders,
}


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
