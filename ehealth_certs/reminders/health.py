"""The reminders' checks in ``GET /healthz`` (``oxygen.health``), registered by ``EhealthCertsConfig.ready()``.

- ``scan``: when the daily expiry scan last ran; fails when that is more than
  ``HEALTHZ_MAX_SCAN_AGE_HOURS`` ago, or when it never ran (beat and the worker run it; without
  Celery, the ``send_expiry_reminders`` cron command does);
- ``revocation``: fails when an active certificate naming an OCSP responder has had no verified
  answer (not revoked, or revoked) for ``HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS`` days, counted
  from its import when it never had one: the responder or the outbound network keeps failing;
  ``not_configured`` (healthy) when ``EHEALTH_REVOCATION_CHECK`` is off;
- ``reminders``: how many reminder mails are owed (pending or being sent) and how many failed.
  Information for monitoring: counts never fail the check, only being unable to count does.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from oxygen.health import ERROR, NOT_CONFIGURED, OK

from ehealth_certs.models import AdminDigest, DeliveryState, Reminder, ScanRun
from ehealth_certs.reminders.revocation_check import certificates_to_check


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


CHECKS: dict[str, Callable[[], dict]] = {"scan": check_scan, "revocation": check_revocation, "reminders": check_reminders}
