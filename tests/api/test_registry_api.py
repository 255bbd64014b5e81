"""/api/v1/practitioners: the list (the page's filters, search, sorting, pages), a record, the INAMI number on a day."""
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practitioners.models import Profession
from tests.factories import add_period, make_practitioner, stored_certificate

pytestmark = pytest.mark.django_db

LIST = "/api/v1/practitioners"


def detail(record, suffix=""):
    return f"/api/v1/practitioners/{record.public_id}{suffix}"


@pytest.fixture
def physio(practitioner_record):
    """Jan Peeters: physiotherapist conventioned 2015-2025, not conventioned since; a podiatrist period since 2024."""
    add_period(practitioner_record, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2025, 12, 31))
    add_period(practitioner_record, start_date=datetime.date(2026, 1, 1), conventioned=False)
    add_period(
        practitioner_record, profession=Profession.PODIATRIST, inami_number="53886171521",
        start_date=datetime.date(2024, 5, 1), conventioned=True,
    )
    return practitioner_record


def test_the_inami_number_on_a_date_of_care(api, physio):
    answer = api.get(detail(physio, "/inami"), {"on": "2025-03-01", "profession": "physiotherapist"})
    assert answer.status_code == 200
    assert answer.json() == {
        "practitioner": str(physio.public_id), "on": "2025-03-01", "inami_number": "53886171521",
        "profession": "physiotherapist", "conventioned": True, "start_date": "2015-01-01", "end_date": "2025-12-31",
    }
    later = api.get(detail(physio, "/inami"), {"on": "2026-03-01", "profession": "physiotherapist"}).json()
    assert (later["conventioned"], later["start_date"], later["end_date"]) == (False, "2026-01-01", None)


def test_without_a_profession_the_most_recently_started_period_running_that_day(api, physio):
    assert api.get(detail(physio, "/inami"), {"on": "2024-06-01"}).json()["profession"] == "podiatrist"
    assert api.get(detail(physio, "/inami"), {"on": "2026-03-01"}).json()["start_date"] == "2026-01-01"


def test_the_day_defaults_to_today_and_agrees_with_the_record_page(api, physio, front_desk, client):
    answer = api.get(detail(physio, "/inami")).json()
    assert answer["on"] == timezone.localdate().isoformat()
    client.force_login(front_desk)
    page = client.get(physio.get_absolute_url()).content.decode()
    assert "5/38861/71/521" in page
    assert answer["inami_number"] == physio.current_inami_period().inami_number
    assert answer["conventioned"] == physio.current_inami_period().conventioned


def test_no_number_that_day_is_a_404_that_says_so(api, physio):
    answer = api.get(detail(physio, "/inami"), {"on": "2010-01-01"})
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "detail": "PEETERS Jan had no INAMI number on 01/01/2010."}
    answer = api.get(detail(physio, "/inami"), {"on": "2020-01-01", "profession": "doctor"})
    assert answer.status_code == 404
    assert answer.json()["detail"] == "PEETERS Jan had no INAMI number as doctor on 01/01/2020."


@pytest.mark.parametrize("value", ["2026-02-30", "01/03/2026", "yesterday", "2026-3-1x"])
def test_a_malformed_date_is_a_400_naming_the_parameter(api, physio, value):
    answer = api.get(detail(physio, "/inami"), {"on": value})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "bad_parameter"
    assert body["errors"] == [{"parameter": "on", "detail": "“on” must be a date written YYYY-MM-DD, e.g. 2026-03-01."}]


def test_an_unknown_profession_is_a_400_listing_the_professions(api, physio):
    body = api.get(detail(physio, "/inami"), {"profession": "wizard"}).json()
    assert body["code"] == "bad_parameter"
    assert body["detail"] == (
        "“profession” must be one of: physiotherapist, doctor, podiatrist, speech_therapist, nurse, midwife, dentist, "
        "dietitian, pharmacist."
    )


@pytest.mark.parametrize("suffix", ["", "/inami", "/certificate"])
def test_an_unknown_or_malformed_id_is_a_json_404(api, suffix):
    for address, detail in (
        (f"/api/v1/practitioners/4d2b1f7e-8b7e-4c36-9a55-2d1c61f0c7a1{suffix}", "No practitioner has this id."),
        (f"/api/v1/practitioners/42{suffix}", "Nothing has this address."),  # ids are UUIDs: no route matches
    ):
        answer = api.get(address)
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/json; charset=utf-8"
        assert answer.json() == {"code": "not_found", "detail": detail}


def test_an_unknown_address_under_the_api_is_a_json_404(api):
    answer = api.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_record(api, physio):
    body = api.get(detail(physio)).json()
    assert body["id"] == str(physio.public_id)
    assert (body["last_name"], body["niss"], body["birth_date"], body["sex"]) == ("Peeters", "85073003328", "1985-07-30", "M")
    assert body["enterprise_number"] is None and body["initials"] is None  # empty texts are null
    assert body["practice_address"] == {"street": None, "postcode": None, "municipality": None}
    assert [(p["profession"], p["start_date"]) for p in body["inami_periods"]] == [
        ("physiotherapist", "2026-01-01"), ("physiotherapist", "2015-01-01"), ("podiatrist", "2024-05-01"),
    ]
    assert body["inami_today"]["start_date"] == "2026-01-01"


def test_the_list_rows_agree_with_the_list_page(api, physio, other_record, front_desk, client):
    stored_certificate(physio, days_left=30)
    body = api.get(LIST).json()
    assert (body["count"], body["page"], body["pages"], body["page_size"]) == (2, 1, 1, 25)
    rows = {row["last_name"]: row for row in body["results"]}
    assert list(rows) == ["Dubois", "Peeters"]  # the list page's order: by name
    assert rows["Peeters"]["inami_today"]["inami_number"] == "53886171521"
    assert rows["Peeters"]["conventioned_today"] is True  # the podiatry period is conventioned
    assert rows["Peeters"]["certificate"]["status"] == "expiring"
    assert rows["Dubois"]["inami_today"] is None and rows["Dubois"]["certificate"] == {"status": "none", "valid_until": None}
    client.force_login(front_desk)
    page = client.get("/practitioners/").content.decode()
    assert 'data-status="expiring"' in page and 'data-status="none"' in page


def test_the_list_filters_search_and_sorts_as_the_page(api, physio, other_record):
    other_record.is_active = False
    other_record.save()

    def names(**query):
        answer = api.get(LIST, query)
        assert answer.status_code == 200, answer.json()
        return [row["last_name"] for row in answer.json()["results"]]

    assert names() == ["Peeters"]
    assert names(status="all") == ["Dubois", "Peeters"]
    assert names(status="inactive") == ["Dubois"]
    assert names(status="all", q="dubo") == ["Dubois"]
    assert names(status="all", q="38861") == ["Peeters"]
    assert names(status="all", profession="podiatrist") == ["Peeters"]
    assert names(status="all", conventioned="no") == ["Dubois"]
    assert names(status="all", certificate="none") == ["Dubois", "Peeters"]
    assert names(status="all", certificate="valid") == []
    assert names(status="all", ordering="-name") == ["Peeters", "Dubois"]


def test_the_list_pages(api):
    for number in range(5):
        make_practitioner(last_name=f"Name{number}", niss="", email="")
    first = api.get(LIST, {"page_size": 2}).json()
    third = api.get(LIST, {"page_size": 2, "page": 3}).json()
    assert (first["count"], first["pages"], len(first["results"])) == (5, 3, 2)
    assert [row["last_name"] for row in third["results"]] == ["Name4"]


@pytest.mark.parametrize(
    "query, parameter",
    [({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page_size": "201"}, "page_size"), ({"page_size": "0"}, "page_size"),
     ({"status": "gone"}, "status"), ({"ordering": "salary"}, "ordering"), ({"certificate": "shiny"}, "certificate"),
     ({"conventioned": "maybe"}, "conventioned")],
)
def test_bad_list_parameters_are_400s_naming_them(api, query, parameter):
    answer = api.get(LIST, query)
    assert answer.status_code == 400
    assert [error["parameter"] for error in answer.json()["errors"]] == [parameter]


def test_a_page_past_the_end_is_a_404(api, practitioner_record):
    """A well-formed page number that names no page: not found, as the list page answers it."""
    answer = api.get(LIST, {"page": "2"})
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "detail": "There is no page 2: the list has 1."}


def _queries(api, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(LIST, query).status_code == 200
    return len(queries)


def test_a_page_costs_the_same_queries_whatever_its_size(api):
    record = make_practitioner(last_name="First", niss="", email="")
    add_period(record)
    stored_certificate(record, days_left=400)
    _queries(api, {})  # the token's last use is written once a minute: not on the next calls
    one_row = _queries(api, {"page_size": 1})
    for number in range(30):
        other = make_practitioner(last_name=f"Name{number:02}", niss="", email="")
        add_period(other, inami_number="53886171521")
        stored_certificate(other, days_left=number + 1)
    assert _queries(api, {"page_size": 31}) == one_row
    assert _queries(api, {"page_size": 31, "q": "name", "certificate": "expiring"}) == one_row


def test_a_filter_another_app_registers_filters_the_api_too(api, practitioner_record, other_record, monkeypatch):
    """The list's extension point (practitioners.list_extensions) reaches the API: its values are
    checked by the registry's filter form, a bad one is a 400 that says why."""
    from practitioners import list_extensions

    only_dubois = list_extensions.Filter(
        name="family", label="Family", choices=[("dubois", "Dubois")],
        apply=lambda queryset, value: queryset.filter(last_name__iexact=value),
    )
    monkeypatch.setattr(list_extensions, "_filters", [*list_extensions.filters(), only_dubois])
    assert [row["last_name"] for row in api.get(LIST, {"family": "dubois"}).json()["results"]] == ["Dubois"]
    refused = api.get(LIST, {"family": "martin"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "bad_parameter" and "martin" in refused.json()["detail"]
