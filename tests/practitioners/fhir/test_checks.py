"""The checks themselves refuse what they are there to refuse (a checker that passes everything proves nothing)."""
import pytest
from pydantic import ValidationError

from practitioners.fhir import codes
from tests.fhir_checks import parsed


def practitioner(**fields) -> dict:
    return {"resourceType": "Practitioner", "id": "x", "name": [{"family": "Peeters"}], **fields}


@pytest.mark.parametrize(
    "system, value",
    [
        (codes.SSIN_SYSTEM, "85.07.30-033.28"),
        (codes.SSIN_SYSTEM, "8507300332"),
        (codes.NIHDI_SYSTEM, "5/38861/71/521"),
        (codes.NIHDI_SYSTEM, "53886171"),
        (codes.CBE_SYSTEM, "2566988259"),
    ],
)
def test_an_identifier_breaking_a_be_inv_rule_is_refused(system, value):
    with pytest.raises(AssertionError, match="be-inv"):
        parsed(practitioner(identifier=[{"system": system, "value": value}]))


def test_a_be_inv_rule_is_checked_inside_a_bundle_too():
    role = {"resourceType": "PractitionerRole", "id": "r", "identifier": [{"system": codes.NIHDI_SYSTEM, "value": "1"}]}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "http://x/PractitionerRole/r", "resource": role}]}
    with pytest.raises(AssertionError, match="be-inv"):
        parsed(bundle)


@pytest.mark.parametrize("empty", [[], {}, "", None])
def test_an_empty_element_is_refused(empty):
    with pytest.raises(AssertionError, match=r"empty element at \$\.telecom"):
        parsed(practitioner(telecom=empty))


def test_what_r4b_refuses_is_refused():
    with pytest.raises(ValidationError):
        parsed(practitioner(nickname="Jan"))
