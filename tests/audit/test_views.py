"""The audit log page: administrators only, newest first, filters, pages, dd/mm/yyyy HH:MM."""
import datetime
import zoneinfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent, EventKind
from audit.services import record_event

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
URL = reverse("audit:list")


def event_at(kind, when, **fields):
    event = record_event(kind, **fields)
    AuditEvent.objects.filter(pk=event.pk).update(occurred_at=when)
    return event


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["front_desk", "practitioner_user"])
def test_other_roles_get_403(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403


def test_the_link_is_in_the_menu_for_administrators_only(client, administrator, front_desk):
    client.force_login(front_desk)
    assert URL not in client.get(reverse("dashboard")).content.decode()
    client.force_login(administrator)
    assert URL in client.get(reverse("dashboard")).content.decode()


def test_events_are_listed_newest_first_with_local_time(client, administrator, practitioner_record):
    event_at(EventKind.LOGIN, datetime.datetime(2026, 1, 5, 8, 30, tzinfo=datetime.UTC), actor=administrator)
    event_at(
        EventKind.CERTIFICATE_IMPORT, datetime.datetime(2026, 7, 1, 13, 5, tzinfo=datetime.UTC),
        actor=administrator, practitioner=practitioner_record, summary="Imported keystore <b>x</b>",
        details={"serial": "0A1B"},
    )
    client.force_login(administrator)
    page = client.get(URL).content.decode()
    assert page.index("01/07/2026 15:05") < page.index("05/01/2026 09:30")  # Brussels summer / winter time
    assert "Certificate imported" in page and practitioner_record.get_absolute_url() in page
    assert "Imported keystore &lt;b&gt;x&lt;/b&gt;" in page and "0A1B" in page


def test_failed_logins_show_the_typed_name(client, administrator):
    record_event(EventKind.LOGIN_FAILED, username_attempted="m.janssens")
    client.force_login(administrator)
    assert "typed: m.janssens" in client.get(URL).content.decode()


def test_filter_by_kind_user_and_dates(client, administrator, front_desk):
    when = lambda d: datetime.datetime(2026, 3, d, 12, 0, tzinfo=BRUSSELS)  # noqa: E731
    event_at(EventKind.LOGIN, when(1), actor=front_desk, summary="first")
    event_at(EventKind.LOGIN, when(10), actor=administrator, summary="second")
    event_at(EventKind.LOGIN_FAILED, when(10), username_attempted="accueil", summary="third")
    event_at(EventKind.EID_READ, when(20), actor=front_desk, summary="fourth")
    client.force_login(administrator)

    def shown(**query):
        response = client.get(URL, query)
        assert response.status_code == 200
        return [event.summary for event in response.context["events"] if event.summary]

    assert shown(kind="login") == ["second", "first"]
    assert shown(user="accueil") == ["fourth", "third", "first"]
    assert shown(since="05/03/2026", until="15/03/2026") == ["third", "second"]
    assert shown(kind="eid_read", user="accu", since="20/03/2026") == ["fourth"]


def test_the_user_filter_finds_a_programs_api_calls_by_its_token_name(client, administrator):
    record_event(EventKind.API_CALL, summary="GET /api/v1/practitioners → 200", details={"client": "Facturation", "status": 200})
    record_event(EventKind.API_CALL, summary="GET /fhir/metadata → 200", details={"client": "Agenda", "status": 200})
    client.force_login(administrator)
    events = client.get(URL, {"user": "factu"}).context["events"]
    assert [event.summary for event in events] == ["GET /api/v1/practitioners → 200"]


@pytest.mark.parametrize("query", [{"since": "31/02/2026"}, {"until": "yesterday"}, {"kind": "nonsense"}])
def test_bad_filters_show_a_message_not_an_error(client, administrator, query):
    record_event(EventKind.LOGIN, summary="visible")
    client.force_login(administrator)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert list(response.context["events"]) == []
    assert "Please correct the filters" in response.content.decode()


def test_the_log_is_paginated(client, administrator):
    client.force_login(administrator)  # itself a logged event
    AuditEvent.objects.bulk_create(AuditEvent(kind=EventKind.LOGIN, summary=f"event {n}") for n in range(59))
    first = client.get(URL)
    assert len(first.context["events"]) == 50 and first.context["paginator"].count == 60
    second = client.get(URL, {"page": 2})
    assert len(second.context["events"]) == 10
    assert client.get(URL, {"page": 99}).status_code == 404


def test_the_admin_shows_events_read_only(client, administrator):
    event = record_event(EventKind.LOGIN, actor=administrator)
    client.force_login(administrator)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    change = client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"summary": "edited"})
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.summary == ""
