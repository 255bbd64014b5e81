"""practitioners/fhir/bundles.py: the registry as a collection Bundle, search results as a searchset."""
import datetime
import io
import json

import pytest

from practitioners.fhir import (
    collection_bundle,
    practitioner_resource,
    practitioner_role_resources,
    searchset_bundle,
    write_collection_bundle,
)
from practitioners.models import Practitioner, Profession
from tests.factories import add_period, make_practitioner
from tests.fhir_checks import parsed

pytestmark = pytest.mark.django_db

BASE = "https://oxygen.test/fhir"
MOMENT = datetime.datetime(2025, 6, 2, 8, 0, tzinfo=datetime.UTC)


def make_records(count: int) -> list[Practitioner]:
    """`count` records without NISS (unique when present), each with two periods."""
    records = []
    for index in range(count):
        record = make_practitioner(last_name=f"Name{index:03d}", niss="", birth_date=None)
        add_period(record, end_date=datetime.date(2019, 12, 31))
        add_period(record, profession=Profession.DOCTOR, inami_number="12345625004", start_date=datetime.date(2020, 1, 1))
        records.append(record)
    return records


def test_the_collection_holds_each_practitioner_then_its_roles():
    first, second = make_records(2)
    bundle = collection_bundle(base_url=BASE, timestamp=MOMENT)
    parsed(bundle)
    assert bundle["type"] == "collection" and bundle["timestamp"] == "2025-06-02T08:00:00+00:00"
    assert "total" not in bundle
    expected = []
    for record in (first, second):
        expected += [practitioner_resource(record), *practitioner_role_resources(record)]
    assert [entry["resource"] for entry in bundle["entry"]] == expected
    assert [entry["fullUrl"] for entry in bundle["entry"]] == [
        f"{BASE}/{resource['resourceType']}/{resource['id']}" for resource in expected
    ]


def test_every_reference_resolves_inside_the_collection():
    make_records(3)
    bundle = collection_bundle(base_url=BASE + "/", timestamp=MOMENT)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    references = [entry["resource"]["practitioner"]["reference"] for entry in bundle["entry"] if "practitioner" in entry["resource"]]
    assert len(references) == 6
    assert all(f"{BASE}/{reference}" in full_urls for reference in references)


def test_an_empty_registry_is_a_bundle_without_entries():
    bundle = collection_bundle(base_url=BASE, timestamp=MOMENT)
    parsed(bundle)
    assert "entry" not in bundle


def test_a_queryset_limits_the_collection():
    first, second = make_records(2)
    bundle = collection_bundle(Practitioner.objects.filter(pk=second.pk), base_url=BASE)
    assert {entry["resource"].get("practitioner", {}).get("reference") for entry in bundle["entry"][1:]} == {
        f"Practitioner/{second.public_id}"
    }
    assert bundle["entry"][0]["resource"]["id"] == str(second.public_id)


@pytest.mark.parametrize("size", [1, 20])
def test_the_collection_reads_records_and_periods_in_two_queries(size, django_assert_num_queries):
    make_records(size)
    with django_assert_num_queries(2):
        collection_bundle(base_url=BASE)


def test_a_large_registry_is_read_a_chunk_at_a_time(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr("practitioners.fhir.bundles.CHUNK_SIZE", 5)
    make_records(12)
    with django_assert_num_queries(1 + 3):  # the records, then the periods of each chunk of 5
        bundle = collection_bundle(base_url=BASE)
    assert len(bundle["entry"]) == 12 * 3


def test_the_written_bundle_is_the_collection_one_entry_a_line_in_utf8():
    make_records(2)
    make_practitioner(last_name="Dubois", first_names="Françoise", niss="03021500440", sex="F", birth_date=datetime.date(2003, 2, 15))
    out = io.StringIO()
    count = write_collection_bundle(out, base_url=BASE, timestamp=MOMENT)
    text = out.getvalue()
    assert count == 3
    assert json.loads(text) == collection_bundle(base_url=BASE, timestamp=MOMENT)
    assert "Françoise" in text
    lines = text.splitlines()
    assert len(lines) == 1 + 7 + 1  # the head, 3 practitioners and 4 roles, the closing brackets
    assert all(json.loads(line.rstrip(","))["fullUrl"].startswith(BASE) for line in lines[1:-1])


def test_an_empty_registry_is_written_as_a_bundle_without_entries():
    out = io.StringIO()
    assert write_collection_bundle(out, base_url=BASE, timestamp=MOMENT) == 0
    assert json.loads(out.getvalue()) == collection_bundle(base_url=BASE, timestamp=MOMENT)


def test_a_searchset_of_roles():
    (record,) = make_records(1)
    roles = practitioner_role_resources(record)
    url = f"{BASE}/PractitionerRole?practitioner={record.public_id}"
    bundle = searchset_bundle(roles, len(roles), base_url=BASE, self_url=url, timestamp=MOMENT)
    parsed(bundle)
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    assert bundle["link"] == [{"relation": "self", "url": url}]
    assert [entry["search"] for entry in bundle["entry"]] == [{"mode": "match"}] * 2
    assert [entry["resource"] for entry in bundle["entry"]] == roles
    assert bundle["entry"][0]["fullUrl"] == f"{BASE}/PractitionerRole/{roles[0]['id']}"


def test_an_empty_searchset_has_a_total_and_no_entries():
    bundle = searchset_bundle([], 0, base_url=BASE)
    parsed(bundle)
    assert bundle["total"] == 0
    assert "entry" not in bundle and "link" not in bundle
