"""What every FHIR resource the registry produces must pass: its fhir.resources R4B model, no empty
element, and HL7 Belgium's identifier invariants (be-inv-SSIN, be-inv-NIHDI, be-inv-CBE)."""
from __future__ import annotations

import re

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from practitioners.fhir import codes

MODELS = {
    "Bundle": Bundle, "Practitioner": Practitioner, "PractitionerRole": PractitionerRole,
    "OperationOutcome": OperationOutcome, "CapabilityStatement": CapabilityStatement,
}

# The invariants' patterns, stricter for NIHDI than the IG's "11 or 8 (deprecated) digits": this
# registry stores 11-digit numbers only.
IDENTIFIER_PATTERNS = {
    codes.SSIN_SYSTEM: re.compile(r"\d{11}"),
    codes.NIHDI_SYSTEM: re.compile(r"\d{11}"),
    codes.CBE_SYSTEM: re.compile(r"[01]\d{9}"),
}


def parsed(resource: dict):
    """`resource` parsed by its R4B model, once it passed the checks below; a Bundle's resources too."""
    assert_nothing_empty(resource)
    assert_belgian_identifiers(resource)
    model = MODELS[resource["resourceType"]].model_validate(resource)
    for entry in resource.get("entry", []):
        parsed(entry["resource"])
    return model


def assert_nothing_empty(value, path: str = "$") -> None:
    """FHIR forbids empty strings, arrays and objects, and JSON nulls (the R4B models let empty arrays through)."""
    assert value not in (None, "", [], {}), f"empty element at {path}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert_nothing_empty(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_nothing_empty(item, f"{path}[{index}]")


def assert_belgian_identifiers(value) -> None:
    """Every identifier, at any depth, with the SSIN or NIHDI system has 11 digits, with the CBE system 10."""
    for identifier in identifiers_in(value):
        pattern = IDENTIFIER_PATTERNS.get(identifier.get("system"))
        if pattern is not None:
            assert pattern.fullmatch(identifier.get("value", "")), f"{identifier} breaks the be-inv rule of its system"


def identifiers_in(value) -> list[dict]:
    if isinstance(value, list):
        return [found for item in value for found in identifiers_in(item)]
    if not isinstance(value, dict):
        return []
    found = list(value.get("identifier", [])) if isinstance(value.get("identifier"), list) else []
    return found + [nested for key, item in value.items() if key != "identifier" for nested in identifiers_in(item)]
