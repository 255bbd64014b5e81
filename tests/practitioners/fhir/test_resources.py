"""practitioners/fhir/resources.py: a record as BePractitioner and its INAMI periods as BePractitionerRoles."""
import datetime

import pytest

from practitioners.fhir import codes, practitioner_resource, practitioner_role_resources
from practitioners.models import Profession
from tests.factories import add_period, make_practitioner
from tests.fhir_checks import parsed

pytestmark = pytest.mark.django_db

PHYSIO_INAMI = "53886171521"
DOCTOR_INAMI = "12345625004"
TODAY = datetime.date(2025, 6, 2)


@pytest.fixture
def record():
    """Two professions, three periods: an ended conventioned one, its open successor (same number, not
    conventioned) and a doctor's period."""
    practitioner = make_practitioner(
        salutation="dr", first_names="Jan Pieter", enterprise_number="0566988259", phone="+32 16 22 33 44",
        mobile="0470 12 34 56", practice_street="Bondgenotenlaan 1", practice_postcode="3000",
        practice_municipality="Leuven", correspondence_street="Naamsestraat 2", correspondence_postcode="3000",
        correspondence_municipality="Leuven",
    )  # fmt: skip
    add_period(practitioner, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2019, 12, 31), conventioned=True)
    add_period(practitioner, start_date=datetime.date(2020, 1, 1), conventioned=False)
    add_period(
        practitioner, profession=Profession.DOCTOR, inami_number=DOCTOR_INAMI, start_date=datetime.date(2022, 9, 1),
        conventioned=True,
    )  # fmt: skip
    return practitioner


def test_a_full_record_as_be_practitioner(record):
    resource = practitioner_resource(record)
    parsed(resource)
    assert resource["id"] == str(record.public_id)
    assert resource["meta"] == {"profile": [codes.BE_PRACTITIONER]}
    assert resource["identifier"] == [
        {"system": codes.SSIN_SYSTEM, "value": "85073003328"},
        {"system": codes.NIHDI_SYSTEM, "value": PHYSIO_INAMI, "period": {"start": "2015-01-01"}},
        {"system": codes.NIHDI_SYSTEM, "value": DOCTOR_INAMI, "period": {"start": "2022-09-01"}},
        {"system": codes.CBE_SYSTEM, "value": "0566988259"},
    ]
    assert resource["active"] is True
    assert resource["name"] == [{"use": "official", "family": "Peeters", "given": ["Jan", "Pieter"], "prefix": ["Dr"]}]
    assert resource["telecom"] == [
        {"system": "phone", "value": "+32 16 22 33 44", "use": "work"},
        {"system": "phone", "value": "0470 12 34 56", "use": "mobile"},
        {"system": "email", "value": "jan.peeters@example.be", "use": "work"},
    ]
    assert resource["address"] == [
        {"use": "work", "type": "physical", "line": ["Bondgenotenlaan 1"], "postalCode": "3000", "city": "Leuven", "country": "BE"},
        {"type": "postal", "line": ["Naamsestraat 2"], "postalCode": "3000", "city": "Leuven", "country": "BE"},
    ]
    assert resource["gender"] == "male"
    assert resource["birthDate"] == "1985-07-30"
    assert resource["communication"] == [
        {"coding": [{"system": "urn:ietf:bcp:47", "code": "nl-BE", "display": "Dutch (Belgium)"}]}
    ]
    assert "qualification" not in resource


def test_a_record_without_niss_kbo_birth_date_sex_contact_or_period_leaves_those_elements_out():
    record = make_practitioner(niss="", birth_date=None, sex="", email="", language="fr", salutation="mr")
    resource = practitioner_resource(record)
    parsed(resource)
    assert set(resource) == {"resourceType", "id", "meta", "active", "name", "communication"}
    assert resource["name"] == [{"use": "official", "family": "Peeters", "given": ["Jan"]}]
    assert resource["communication"][0]["coding"][0]["code"] == "fr-BE"
    assert practitioner_role_resources(record) == []


def test_a_number_whose_periods_all_ended_ends_with_the_last_one():
    record = make_practitioner(sex="F", niss="03021500440", birth_date=datetime.date(2003, 2, 15))
    add_period(record, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31))
    add_period(record, start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2023, 6, 30))
    resource = practitioner_resource(record)
    parsed(resource)
    assert resource["gender"] == "female"
    nihdi = [identifier for identifier in resource["identifier"] if identifier["system"] == codes.NIHDI_SYSTEM]
    assert nihdi == [{"system": codes.NIHDI_SYSTEM, "value": PHYSIO_INAMI, "period": {"start": "2020-01-01", "end": "2023-06-30"}}]


def test_an_inactive_record_is_not_active():
    resource = practitioner_resource(make_practitioner(is_active=False))
    parsed(resource)
    assert resource["active"] is False


@pytest.mark.parametrize("salutation, prefix", [("prof", ["Prof."]), ("dr", ["Dr"]), ("mrs", None), ("", None)])
def test_only_titles_become_name_prefixes(salutation, prefix):
    resource = practitioner_resource(make_practitioner(salutation=salutation))
    assert resource["name"][0].get("prefix") == prefix


def test_each_period_is_a_be_practitioner_role(record):
    roles = practitioner_role_resources(record, TODAY)
    for role in roles:
        parsed(role)
    assert [role["period"] for role in roles] == [
        {"start": "2015-01-01", "end": "2019-12-31"},
        {"start": "2020-01-01"},
        {"start": "2022-09-01"},
    ]
    assert [role["active"] for role in roles] == [False, True, True]
    assert [role["extension"] for role in roles] == [
        [{"url": codes.CONVENTIONED_EXTENSION, "valueBoolean": conventioned}] for conventioned in (True, False, True)
    ]
    assert [role["code"] for role in roles] == [
        [{"coding": [{"system": codes.CD_HCPARTY_SYSTEM, "code": code, "display": display}]}]
        for code, display in [("persphysiotherapist", "physiotherapist")] * 2 + [("persphysician", "physician")]
    ]
    assert [role["identifier"] for role in roles] == [
        [{"system": codes.NIHDI_SYSTEM, "value": number}] for number in (PHYSIO_INAMI, PHYSIO_INAMI, DOCTOR_INAMI)
    ]
    assert {role["practitioner"]["reference"] for role in roles} == {f"Practitioner/{record.public_id}"}
    assert {role["meta"]["profile"][0] for role in roles} == {codes.BE_PRACTITIONER_ROLE}


def test_a_period_is_active_on_the_days_it_covers(record):
    ended = practitioner_role_resources(record, datetime.date(2019, 12, 31))[0]
    assert ended["active"] is True
    assert practitioner_role_resources(record, datetime.date(2020, 1, 1))[0]["active"] is False


def test_role_ids_are_stable_distinct_and_reveal_no_database_key(record):
    ids = [role["id"] for role in practitioner_role_resources(record, TODAY)]
    assert ids == [role["id"] for role in practitioner_role_resources(record, TODAY)]
    assert len(set(ids)) == 3
    other = make_practitioner(niss="03021500440", sex="F", birth_date=datetime.date(2003, 2, 15))
    add_period(other)
    assert practitioner_role_resources(other, TODAY)[0]["id"] not in ids
    pks = {str(pk) for pk in record.inami_periods.values_list("pk", flat=True)}
    assert not pks.intersection(ids)


def test_an_address_keeps_only_the_parts_the_record_has():
    resource = practitioner_resource(make_practitioner(practice_municipality="Leuven", correspondence_postcode="3000"))
    parsed(resource)
    assert resource["address"] == [
        {"use": "work", "type": "physical", "city": "Leuven", "country": "BE"},
        {"type": "postal", "postalCode": "3000", "country": "BE"},
    ]
