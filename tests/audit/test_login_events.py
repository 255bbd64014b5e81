"""Logins, logouts, failed logins and lockouts are written to the audit log, never a password."""
import pytest
from django.urls import reverse

from audit.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.make_user
WRONG = "Wr0ng-Passw0rd-Never-Stored"


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_a_login_and_a_logout_are_recorded_with_user_and_address(client, front_desk):
    log_in(client, "accueil", PASSWORD, REMOTE_ADDR="192.0.2.10")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.10")
    events = list(AuditEvent.objects.order_by("id").values_list("kind", "user", "ip_address"))
    assert events == [
        (EventKind.LOGIN, front_desk.pk, "192.0.2.10"),
        (EventKind.LOGOUT, front_desk.pk, "192.0.2.10"),
    ]


def test_a_failed_login_keeps_the_typed_name_but_never_the_password(client, front_desk):
    response = log_in(client, "accueil", WRONG, REMOTE_ADDR="192.0.2.11")
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.kind == EventKind.LOGIN_FAILED
    assert event.user == front_desk and event.username_attempted == "accueil"
    assert event.ip_address == "192.0.2.11" and event.details == {}
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert all(WRONG not in str(value) for value in row.values())


def test_a_failed_login_for_an_unknown_name_has_no_user(client):
    log_in(client, "nobody-here", WRONG)
    event = AuditEvent.objects.get()
    assert event.user is None and event.username_attempted == "nobody-here"


def test_a_very_long_typed_name_is_cut_not_a_server_error(client):
    response = log_in(client, "x" * 5000, WRONG)
    assert response.status_code == 200
    assert len(AuditEvent.objects.get().username_attempted) == 150


def test_the_lockout_is_recorded_once_and_refused_attempts_are_marked(client, front_desk):
    for _ in range(5):
        log_in(client, "accueil", WRONG)
    for _ in range(2):
        log_in(client, "accueil", PASSWORD)
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", "details"))
    failures = [details for kind, details in kinds if kind == EventKind.LOGIN_FAILED]
    assert failures == [{}] * 5 + [{"refused_while_locked": True}] * 2
    locks = AuditEvent.objects.filter(kind=EventKind.LOCKED_OUT)
    assert locks.count() == 1
    assert locks.get().user == front_desk and locks.get().details == {"failure_limit": 5, "minutes": 15}
    assert not AuditEvent.objects.filter(kind=EventKind.LOGIN).exists()
    assert all(WRONG not in str(row) for row in AuditEvent.objects.values())
