"""oxygen.sessions: inactivity expiry without a session write on every request."""
import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def expiry(client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_requests_within_the_interval_do_not_write_the_session(client, front_desk):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(front_desk)
        client.get(reverse("dashboard"))  # records the activity once
        recorded = expiry(client)
        for _ in range(3):
            clock.shift(datetime.timedelta(seconds=settings.SESSION_ACTIVITY_INTERVAL // 4))
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("practitioners:list")).status_code == 200
            assert session_writes(queries) == []
        assert expiry(client) == recorded


@pytest.mark.django_db
def test_a_request_after_the_interval_pushes_the_expiry_back(client, front_desk):
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(front_desk)
        client.get(reverse("dashboard"))
        assert expiry(client) == START + age
        clock.shift(datetime.timedelta(seconds=settings.SESSION_ACTIVITY_INTERVAL))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("dashboard"))
        assert len(session_writes(queries)) == 1
        assert expiry(client) == START + datetime.timedelta(seconds=settings.SESSION_ACTIVITY_INTERVAL) + age


@pytest.mark.django_db
def test_a_session_ends_at_most_one_interval_early(client, front_desk):
    """Activity just inside the interval is not recorded: the session may end that much earlier."""
    age = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    interval = datetime.timedelta(seconds=settings.SESSION_ACTIVITY_INTERVAL)
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(front_desk)
        client.get(reverse("dashboard"))
        clock.shift(interval - datetime.timedelta(seconds=1))
        assert client.get(reverse("dashboard")).status_code == 200  # not recorded
        clock.shift(age - interval + datetime.timedelta(seconds=1))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_a_clock_set_back_still_records_activity(client, front_desk):
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(front_desk)
        client.get(reverse("dashboard"))
        clock.shift(-datetime.timedelta(hours=1))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("dashboard"))
        assert len(session_writes(queries)) == 1


@pytest.mark.django_db
def test_a_request_that_does_not_read_the_session_neither_reads_nor_writes_it(client, front_desk):
    client.force_login(front_desk)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("healthz"))
    assert [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]] == []


@pytest.mark.django_db
def test_a_visitor_gets_no_session(client):
    client.get(reverse("login"))
    assert Session.objects.count() == 0
