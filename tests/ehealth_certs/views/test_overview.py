"""The administrators' certificates overview: menu entry, filters, CSV export and print view."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ehealth_certs.models import CertificateState
from tests.factories import make_certificate, make_practitioner

pytestmark = pytest.mark.django_db


def days(n: int):
    return timezone.now() + timedelta(days=n)


@pytest.fixture
def situation():
    """One record per situation, named after it."""
    now = timezone.now()
    records = {name: make_practitioner(niss="", last_name=name, email=f"{name}@example.be", birth_date=None, sex="")
               for name in ("Valid", "Expiring", "Expired", "Revoked", "Without", "=Formula")}  # fmt: skip
    make_certificate(records["Valid"], days(300), now=now)
    make_certificate(records["Expiring"], days(20), now=now)
    make_certificate(records["Expired"], days(-3), now=now)
    make_certificate(records["Revoked"], days(200), state=CertificateState.REVOKED, now=now)
    make_certificate(records["=Formula"], days(30), now=now)
    gone = make_practitioner(niss="", last_name="Gone", birth_date=None, sex="", is_active=False)
    make_certificate(gone, days(5), now=now)
    return records


def names(response) -> list[str]:
    return [record.last_name for record in response.context["records"]]


def test_administrators_reach_the_overview_from_the_menu(client, administrator, front_desk):
    client.force_login(administrator)
    menu = client.get(reverse("dashboard")).content.decode().split('id="main-nav"')[1].split("</ul>")[0]
    assert f'href="{reverse("ehealth_certs:overview")}">eHealth certificates</a>' in menu
    client.force_login(front_desk)
    assert reverse("ehealth_certs:overview") not in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("all", ["Expired", "Expiring", "=Formula", "Valid", "Revoked", "Without"]),
        ("expiring", ["Expiring", "=Formula"]),
        ("expired", ["Expired"]),
        ("revoked", ["Revoked"]),
        ("none", ["Revoked", "Without"]),
        ("nonsense", ["Expired", "Expiring", "=Formula", "Valid", "Revoked", "Without"]),
    ],
)
def test_filters_show_each_situation(client, administrator, situation, show, expected):
    client.force_login(administrator)

    for url in ("ehealth_certs:overview", "ehealth_certs:overview_print"):
        response = client.get(reverse(url), {"show": show})
        assert response.status_code == 200
        assert names(response) == expected, url


def test_the_filter_links_mark_the_chosen_one_and_keep_it_for_export_and_print(client, administrator, situation):
    client.force_login(administrator)

    page = client.get(reverse("ehealth_certs:overview"), {"show": "revoked"}).content.decode()

    assert '<a class="nav-link active" href="?show=revoked" aria-current="page">Revoked</a>' in page
    assert '<a class="nav-link" href="?show=expired">Expired</a>' in page
    assert f'href="{reverse("ehealth_certs:overview_export")}?show=revoked"' in page
    assert f'href="{reverse("ehealth_certs:overview_print")}?show=revoked"' in page
    assert "revoked on " + timezone.localdate().strftime("%d/%m/%Y") in page
    assert '<div class="table-responsive">\n<table class="table table-sm align-middle table-stacked" id="certificates-overview">' in page


def test_csv_export_of_the_filtered_situation_in_the_user_s_language(client, administrator, situation):
    client.force_login(administrator)

    response = client.get(reverse("ehealth_certs:overview_export"), {"show": "expiring"}, headers={"accept-language": "fr"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ehealth-certificates-expiring-' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["Prestataire", "NISS", "E-mail", "Certificat", "Valable jusqu'au", "Révoqué le"]
    expiring = (days(20), days(30))
    assert rows[1:] == [
        ["EXPIRING Jan", "", "Expiring@example.be", "Expire bientôt", timezone.localtime(expiring[0]).strftime("%d/%m/%Y"), ""],
        ["'=FORMULA Jan", "", "'=Formula@example.be", "Expire bientôt", timezone.localtime(expiring[1]).strftime("%d/%m/%Y"), ""],
    ]


def test_csv_export_of_revoked_certificates_says_when(client, administrator, situation):
    client.force_login(administrator)
    text = client.get(reverse("ehealth_certs:overview_export"), {"show": "revoked"}).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[1][0] == "REVOKED Jan" and rows[1][3] == "No certificate" and rows[1][5] == timezone.localdate().strftime("%d/%m/%Y")


def test_print_view_lists_every_row_for_paper(client, administrator, situation):
    client.force_login(administrator)

    page = client.get(reverse("ehealth_certs:overview_print"), {"show": "expired"}).content.decode()

    assert "css/print.css" in page and "js/print.js" in page
    assert "eHealth certificates: Expired" in page
    assert "1 active record, " in page
    assert 'class="btn btn-primary d-print-none" type="button" data-action="print" hidden>Print</button>' in page
