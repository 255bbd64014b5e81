"""GET /healthz: every check passing, and each one failing on its own."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.utils import timezone

from ehealth_certs.models import AdminDigest, Certificate, DeliveryState, Reminder, ScanRun
from oxygen import health
from tests.factories import make_user
from tests.requires import redis_available, require_service
from tests.smtp_sink import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"




@pytest.fixture
def healthy(db, settings):
    """A scan an hour ago and no Redis configured: every check passes."""
    settings.HEALTHZ_REDIS_URL = ""
    settings.HEALTHZ_MAX_SCAN_AGE_HOURS = 26
    now = timezone.now()
    return ScanRun.objects.create(ran_at=now - timedelta(hours=1), day=timezone.localdate(now))


def get(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response, json.loads(response.content)


def test_healthy_without_redis(client, healthy):
    response, body = get(client)

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["redis"] == {"status": "not_configured"}
    assert body["checks"]["scan"]["status"] == "ok"
    assert body["checks"]["scan"]["last_run"] == healthy.ran_at.isoformat()
    assert body["checks"]["scan"]["age_hours"] == pytest.approx(1, abs=0.01)
    assert body["checks"]["reminders"] == {"status": "ok", "pending": 0, "failed": 0}


def test_the_checks_in_their_order_the_apps_ones_after_the_project_s(client, healthy):
    _, body = get(client)

    assert list(body["checks"]) == ["database", "redis", "scan", "revocation", "reminders"]


def test_an_app_registers_a_check_under_a_name_of_its_own(client, healthy, monkeypatch):
    monkeypatch.setattr(health, "CHECKS", dict(health.CHECKS))
    health.register("extra", lambda: {"status": "ok", "count": 2})
    with pytest.raises(ImproperlyConfigured):
        health.register("scan", lambda: {"status": "ok"})

    response, body = get(client)

    assert response.status_code == 200
    assert list(body["checks"])[-2:] == ["reminders", "extra"]
    assert body["checks"]["extra"] == {"status": "ok", "count": 2}


def test_no_login_needed_and_no_session_created(client, healthy):
    response, _ = get(client)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_only_get(client, healthy):
    assert client.post("/healthz").status_code == 405


def test_redis_reachable(client, healthy, settings):
    require_service(redis_available(REDIS_URL), "Redis on 127.0.0.1:6379")
    settings.HEALTHZ_REDIS_URL = REDIS_URL

    response, body = get(client)

    assert response.status_code == 200
    assert body["checks"]["redis"] == {"status": "ok"}


def test_redis_down_fails_quickly(client, healthy, settings):
    settings.HEALTHZ_REDIS_URL = f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"  # nothing listens there

    started = timezone.now()
    response, body = get(client)

    assert (timezone.now() - started) < timedelta(seconds=health.REDIS_TIMEOUT * 3)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["redis"] == {"status": "error", "error": "ConnectionError"}
    assert body["checks"]["database"]["status"] == "ok"
    assert b"s3cret" not in response.content


def test_database_down_still_answers(client, healthy, monkeypatch):
    def refuse():
        raise OperationalError('connection to server at "db" failed: password authentication failed for "oxygen:s3cret"')

    with monkeypatch.context() as patched:  # undone before the test database is rolled back
        patched.setattr(connection, "ensure_connection", refuse)
        response, body = get(client)

    assert response.status_code == 503
    assert body["status"] == "error"
    for name in ("database", "scan", "reminders"):
        assert body["checks"][name] == {"status": "error", "error": "OperationalError"}
    assert body["checks"]["redis"] == {"status": "not_configured"}
    assert b"s3cret" not in response.content and b"password" not in response.content


def test_a_check_raising_anything_is_reported_not_a_server_error(client, healthy, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(health.CHECKS, "redis", broken)
    response, body = get(client)

    assert response.status_code == 503
    assert body["checks"]["redis"] == {"status": "error", "error": "RuntimeError"}


def test_scan_never_ran(client, db, settings):
    settings.HEALTHZ_REDIS_URL = ""

    response, body = get(client)

    assert response.status_code == 503
    assert body["checks"]["scan"] == {"status": "error", "last_run": None, "max_age_hours": 26}


def test_stale_scan_fails_after_the_configured_age(client, healthy, settings):
    ran_at = healthy.ran_at
    with time_machine.travel(ran_at + timedelta(hours=25, minutes=59), tick=False):
        response, body = get(client)
    assert response.status_code == 200
    assert body["checks"]["scan"]["status"] == "ok"

    with time_machine.travel(ran_at + timedelta(hours=26, minutes=1), tick=False):
        response, body = get(client)
    assert response.status_code == 503
    assert body["checks"]["scan"]["status"] == "error"
    assert body["checks"]["scan"]["age_hours"] == pytest.approx(26.02, abs=0.01)

    settings.HEALTHZ_MAX_SCAN_AGE_HOURS = 48
    with time_machine.travel(ran_at + timedelta(hours=30), tick=False):
        response, body = get(client)
    assert response.status_code == 200
    assert body["checks"]["scan"]["max_age_hours"] == 48


def test_the_latest_scan_counts(client, healthy):
    ScanRun.objects.create(ran_at=healthy.ran_at - timedelta(days=3), day=healthy.day - timedelta(days=3))

    response, body = get(client)

    assert response.status_code == 200
    assert body["checks"]["scan"]["last_run"] == healthy.ran_at.isoformat()


def test_reminder_counts_without_personal_data(client, healthy, practitioner_record):
    now = timezone.now()
    certificate = Certificate.objects.create(
        practitioner=practitioner_record, encrypted_keystore=b"x", subject="CN=SSIN=85073003328", issuer="CN=ca",
        serial="1", fingerprint_sha256="0" * 64, environment="production", not_before=now - timedelta(days=1000),
        not_after=now + timedelta(days=20), file_size=1, uploaded_at=now, uploaded_via="web",
    )  # fmt: skip
    practitioner = practitioner_record
    admin = make_user("boss", email="boss@example.be")
    Reminder.objects.create(certificate=certificate, threshold="window", recipient_email=practitioner.email,
                            state=DeliveryState.SENT, sent_at=timezone.now())
    Reminder.objects.create(certificate=certificate, threshold="30d", recipient_email=practitioner.email,
                            state=DeliveryState.FAILED, attempts=6, last_error="SMTPRecipientsRefused: jan@example.be")
    Reminder.objects.create(certificate=certificate, threshold="7d", recipient_email=practitioner.email)
    AdminDigest.objects.create(day=healthy.day, recipient=admin, recipient_email=admin.email,
                               state=DeliveryState.SENDING, claimed_at=timezone.now())

    response, body = get(client)

    assert response.status_code == 200  # counts inform, they do not fail the check
    assert body["checks"]["reminders"] == {"status": "ok", "pending": 2, "failed": 1}
    content = response.content.decode()
    for private in (practitioner.email, practitioner.niss, practitioner.last_name, admin.email, "SMTPRecipientsRefused"):
        assert private not in content


# --------------------------------------------------------------------------- revocation checks


def _certificate_naming_a_responder(record, *, uploaded_days_ago: int, confirmed_days_ago: int | None) -> Certificate:
    now = timezone.now()
    return Certificate.objects.create(
        practitioner=record, encrypted_keystore=b"x", subject="CN=SSIN=85073003328", issuer="CN=ca", serial="1",
        fingerprint_sha256="0" * 64, environment="production", not_before=now - timedelta(days=100),
        not_after=now + timedelta(days=900), file_size=1, uploaded_at=now - timedelta(days=uploaded_days_ago),
        uploaded_via="web", ocsp_url="http://ocsp.example.be",
        revocation_confirmed_at=None if confirmed_days_ago is None else now - timedelta(days=confirmed_days_ago),
    )  # fmt: skip


@pytest.mark.parametrize(
    "uploaded_days_ago, confirmed_days_ago, status, code",
    [
        (10, 1, "ok", 200),  # a verified answer yesterday
        (1, None, "ok", 200),  # imported yesterday, no answer yet: not alarming yet
        (10, 4, "error", 503),  # no verified answer for 4 days
        (10, None, "error", 503),  # never one since its import 10 days ago
    ],
)
def test_revocation_checks_that_keep_failing_are_reported(
    client, healthy, settings, practitioner_record, uploaded_days_ago, confirmed_days_ago, status, code
):
    settings.EHEALTH_REVOCATION_CHECK = True
    settings.HEALTHZ_MAX_REVOCATION_CHECK_AGE_DAYS = 3
    _certificate_naming_a_responder(practitioner_record, uploaded_days_ago=uploaded_days_ago, confirmed_days_ago=confirmed_days_ago)

    response, body = get(client)

    assert response.status_code == code
    assert body["checks"]["revocation"] == {
        "status": status, "unconfirmed": 0 if status == "ok" else 1, "max_age_days": 3,
    }  # fmt: skip


def test_revocation_checks_turned_off_are_not_reported(client, healthy, settings, practitioner_record):
    settings.EHEALTH_REVOCATION_CHECK = False
    _certificate_naming_a_responder(practitioner_record, uploaded_days_ago=10, confirmed_days_ago=None)

    response, body = get(client)

    assert response.status_code == 200 and body["checks"]["revocation"] == {"status": "not_configured"}
