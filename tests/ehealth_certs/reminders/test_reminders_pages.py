"""The main screen's certificate notices and the administrators' certificates overview."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ehealth_certs.models import CertificateState, DeliveryState, Reminder
from tests.factories import make_certificate, make_practitioner

pytestmark = pytest.mark.django_db

OVERVIEW = "/certificates/"


def days(n: int):
    return timezone.now() + timedelta(days=n)


def local_date(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def notice(page: str, element_id: str) -> str | None:
    match = re.search(rf'<div[^>]*id="{element_id}".*?</div>', page, re.S)
    return " ".join(match.group(0).split()) if match else None


# --------------------------------------------------------------------------- the main screen


def test_practitioner_in_the_window_is_told_to_renew_with_a_link_to_their_records_certificate_tab(client, practitioner_user, practitioner_record):
    certificate = make_certificate(practitioner_record, days(40), now=timezone.now())
    client.force_login(practitioner_user)
    text = notice(client.get("/").content.decode(), "own-certificate-notice")
    assert f"Your eHealth certificate expires on {local_date(certificate.not_after)}: renew it now." in text
    assert f'href="{practitioner_record.get_absolute_url()}?tab=provider"' in text
    record = client.get(f"{practitioner_record.get_absolute_url()}?tab=provider").content.decode()
    assert 'class="tab-pane fade show active" id="provider"' in record and 'id="renewal-panel"' in record


def test_practitioner_with_an_expired_certificate_is_told_so(client, practitioner_user, practitioner_record):
    certificate = make_certificate(practitioner_record, days(-2), now=timezone.now())
    client.force_login(practitioner_user)
    text = notice(client.get("/").content.decode(), "own-certificate-notice")
    assert f"Your eHealth certificate expired on {local_date(certificate.not_after)}" in text


@pytest.mark.parametrize("state", [None, CertificateState.ACTIVE, CertificateState.SUPERSEDED])
def test_no_notice_for_a_valid_certificate_none_or_an_old_one(client, practitioner_user, practitioner_record, state):
    if state == CertificateState.ACTIVE:
        make_certificate(practitioner_record, days(200), now=timezone.now())
    elif state:
        make_certificate(practitioner_record, days(20), state=state, now=timezone.now())
    client.force_login(practitioner_user)
    page = client.get("/").content.decode()
    assert notice(page, "own-certificate-notice") is None and notice(page, "certificates-notice") is None


def test_administrators_see_how_many_expire_and_have_expired(client, administrator, practitioner_record, other_record):
    third = make_practitioner(niss="", last_name="Third", email="", birth_date=None, sex="")
    fourth = make_practitioner(niss="", last_name="Fourth", email="", birth_date=None, sex="")
    gone = make_practitioner(niss="", last_name="Gone", email="", birth_date=None, sex="", is_active=False)
    make_certificate(practitioner_record, days(10), now=timezone.now())
    make_certificate(other_record, days(80), now=timezone.now())
    make_certificate(third, days(-1), now=timezone.now())
    make_certificate(fourth, days(300), now=timezone.now())
    make_certificate(gone, days(5), now=timezone.now())  # inactive record: not counted
    client.force_login(administrator)
    text = notice(client.get("/").content.decode(), "certificates-notice")
    assert "2 certificates expire within 3 months, 1 has expired." in text
    assert f'href="{OVERVIEW}"' in text


@pytest.mark.parametrize(
    ("language", "expiring_days", "expired_days", "expected", "never"),
    [
        ("fr", [], [-1], "1 certificat a expiré.", "0 certificat"),
        ("fr", [10], [], "1 certificat expire dans moins de 3 mois.", "0 "),
        ("fr", [10, 20], [-1], "2 certificats expirent dans moins de 3 mois, 1 a expiré.", "1 ont"),
        ("nl", [], [-1, -2], "2 certificaten zijn verlopen.", "0 certifica"),
        ("nl", [10], [-1], "1 certificaat verloopt binnen 3 maanden, 1 is verlopen.", "1 zijn"),
    ],
)
def test_the_administrators_notice_agrees_with_its_counts_and_leaves_out_zero(
    client, administrator, language, expiring_days, expired_days, expected, never
):
    for index, offset in enumerate([*expiring_days, *expired_days]):
        record = make_practitioner(niss="", last_name=f"Record{index}", email="", birth_date=None, sex="")
        make_certificate(record, days(offset), now=timezone.now())
    client.force_login(administrator)
    client.cookies["django_language"] = language
    text = notice(client.get("/").content.decode(), "certificates-notice")
    assert expected in text and never not in text


def test_front_desk_sees_no_administrator_notice(client, front_desk, practitioner_record):
    make_certificate(practitioner_record, days(10), now=timezone.now())
    client.force_login(front_desk)
    assert notice(client.get("/").content.decode(), "certificates-notice") is None


# --------------------------------------------------------------------------- the overview


@pytest.mark.parametrize("who", ["front_desk", "practitioner_user"])
def test_overview_is_for_administrators_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(OVERVIEW).status_code == 403


def test_overview_asks_anonymous_users_to_log_in(client):
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_overview_lists_records_by_expiry_colour_coded_with_the_reminder_log(client, administrator, practitioner_record, other_record):
    assert reverse("ehealth_certs:overview") == OVERVIEW
    valid = make_practitioner(niss="", last_name="Valid", email="", birth_date=None, sex="")
    make_practitioner(niss="", last_name="Nocert", email="", birth_date=None, sex="")
    make_practitioner(niss="", last_name="Inactive", email="", birth_date=None, sex="", is_active=False)
    expiring = make_certificate(practitioner_record, days(20), now=timezone.now())
    make_certificate(other_record, days(-3), now=timezone.now())
    make_certificate(valid, days(500), now=timezone.now())
    Reminder.objects.create(certificate=expiring, threshold="30d", recipient_email="jan.peeters@example.be",
                            state=DeliveryState.FAILED, attempts=2, last_error="SMTPDataError: 451 try later")  # fmt: skip
    Reminder.objects.create(certificate=expiring, threshold="window", recipient_email="jan.peeters@example.be",
                            state=DeliveryState.SENT, attempts=1, sent_at=timezone.now())  # fmt: skip

    client.force_login(administrator)
    page = client.get(OVERVIEW).content.decode()

    table = re.search(r'<table[^>]*id="certificates-overview".*?</table>', page, re.S).group(0)
    rows = re.findall(r'<tr class="([^"]+)" data-status="([^"]+)">\s*<td><a[^>]*>([^<]+)</a>', table)
    assert rows == [
        ("table-danger", "expired", "DUBOIS Marie"),
        ("table-warning", "expiring", "PEETERS Jan"),
        ("table-success", "valid", "VALID Jan"),
        ("table-secondary", "none", "NOCERT Jan"),
    ]
    assert local_date(expiring.not_after) in table
    log = re.search(r'<table[^>]*id="reminder-log".*?</table>', page, re.S).group(0)
    assert 'data-state="failed" class="table-danger"' in log and "SMTPDataError: 451 try later" in log
    assert 'data-state="sent"' in log and "renewal window opens" in log and "30 days before expiry" in log


def test_overview_runs_a_constant_number_of_queries(client, administrator):
    client.force_login(administrator)

    def add(count: int, offset: int):
        for i in range(count):
            record = make_practitioner(niss="", last_name=f"N{offset + i}", email=f"n{offset + i}@example.be", birth_date=None, sex="")
            certificate = make_certificate(record, days(10 + i), now=timezone.now())
            Reminder.objects.create(certificate=certificate, threshold="30d", recipient_email=record.email)

    add(2, 0)
    client.get(OVERVIEW)  # the session's first request after the login records its activity (one write)
    with CaptureQueriesContext(connection) as few:
        assert client.get(OVERVIEW).status_code == 200
    add(15, 100)
    with CaptureQueriesContext(connection) as many:
        assert client.get(OVERVIEW).status_code == 200
    assert len(many) == len(few)


def test_the_reminder_log_page_links_keep_the_filter(client, administrator):
    for i in range(26):  # one page of the log holds 25
        record = make_practitioner(niss="", last_name=f"P{i:03d}", email=f"p{i}@example.be", birth_date=None, sex="")
        certificate = make_certificate(record, days(40), now=timezone.now())
        Reminder.objects.create(certificate=certificate, threshold="30d", recipient_email=record.email)
    client.force_login(administrator)

    page = client.get(OVERVIEW, {"show": "expiring", "log_page": "1"}).content.decode()

    [following] = re.findall(r'<a class="page-link" href="([^"]*)">Next</a>', page)
    query = parse_qs(urlsplit(following.replace("&amp;", "&")).query)
    assert query["show"] == ["expiring"] and query["log_page"] == ["2"] and query.get("page", ["1"]) == ["1"]


def test_overview_pages_are_bounded(client, administrator):
    for i in range(55):
        make_practitioner(niss="", last_name=f"P{i:03d}", email="", birth_date=None, sex="")
    client.force_login(administrator)
    first = client.get(OVERVIEW).content.decode()
    second = client.get(OVERVIEW + "?page=2").content.decode()
    row = '<tr class="table-secondary" data-status="none">'
    assert first.count(row) == 50 and second.count(row) == 5
    assert client.get(OVERVIEW + "?page=abc&log_page=-1").status_code == 200
