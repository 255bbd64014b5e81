"""A registry record as FHIR R4 resources: one BePractitioner and one BePractitionerRole per INAMI period.

Plain dicts ready for JSON, without the FHIR library (a test dependency only): the API and the export
command serialise them as they are. FHIR forbids empty strings, arrays and objects, so every
element is left out when the record has nothing to put in it. Reads the practitioner's periods
through ``inami_periods.all()``: prefetch them when mapping many records (bundles.py does).
"""
from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from ..models import InamiPeriod, Practitioner
from . import codes


def practitioner_resource(practitioner: Practitioner) -> dict:
    """The record as a BePractitioner; its professions are in its PractitionerRoles, as the profiles want."""
    resource = {
        "resourceType": "Practitioner",
        "id": str(practitioner.public_id),
        "meta": {"profile": [codes.BE_PRACTITIONER]},
        "identifier": _identifiers(practitioner),
        "active": practitioner.is_active,
        "name": [_name(practitioner)],
        "telecom": _telecom(practitioner),
        "address": _addresses(practitioner),
        "gender": codes.GENDERS.get(practitioner.sex),
        "birthDate": practitioner.birth_date.isoformat() if practitioner.birth_date else None,
        "communication": [_language(practitioner)],
    }
    return _without_empty(resource)


def practitioner_role_resources(practitioner: Practitioner, day: datetime.date | None = None) -> list[dict]:
    """One BePractitionerRole per INAMI period, oldest first; `active` when the period runs on `day` (today)."""
    day = day or timezone.localdate()
    periods = sorted(practitioner.inami_periods.all(), key=lambda period: (period.start_date, period.pk))
    return [_role(practitioner, period, day) for period in periods]


def role_id(practitioner: Practitioner, period: InamiPeriod) -> str:
    """Stable and opaque: the same period always gets the same id, which reveals no database key."""
    return str(uuid.uuid5(practitioner.public_id, str(period.pk)))


def _role(practitioner: Practitioner, period: InamiPeriod, day: datetime.date) -> dict:
    code, display = codes.HCPARTY_CODES[period.profession]
    resource = {
        "resourceType": "PractitionerRole",
        "id": role_id(practitioner, period),
        "meta": {"profile": [codes.BE_PRACTITIONER_ROLE]},
        "extension": [{"url": codes.CONVENTIONED_EXTENSION, "valueBoolean": period.conventioned}],
        "identifier": [{"system": codes.NIHDI_SYSTEM, "value": period.inami_number}],
        "active": period.covers(day),
        "period": _period(period.start_date, period.end_date),
        "practitioner": {"reference": f"Practitioner/{practitioner.public_id}"},
        "code": [{"coding": [{"system": codes.CD_HCPARTY_SYSTEM, "code": code, "display": display}]}],
    }
    return _without_empty(resource)


def _identifiers(practitioner: Practitioner) -> list[dict]:
    """NISS, then each INAMI number once (spanning its periods), then the enterprise number."""
    identifiers = []
    if practitioner.niss:
        identifiers.append({"system": codes.SSIN_SYSTEM, "value": practitioner.niss})
    spans: dict[str, list[InamiPeriod]] = {}
    for period in sorted(practitioner.inami_periods.all(), key=lambda period: (period.start_date, period.pk)):
        spans.setdefault(period.inami_number, []).append(period)
    for number, periods in spans.items():
        open_ended = any(period.end_date is None for period in periods)
        end = None if open_ended else max(period.end_date for period in periods)
        identifier = {"system": codes.NIHDI_SYSTEM, "value": number, "period": _period(periods[0].start_date, end)}
        identifiers.append(identifier)
    if practitioner.enterprise_number:
        identifiers.append({"system": codes.CBE_SYSTEM, "value": practitioner.enterprise_number})
    return identifiers


def _name(practitioner: Practitioner) -> dict:
    return {
        "use": "official",
        "family": practitioner.last_name,
        "given": practitioner.first_names.split(),
        "prefix": [codes.NAME_PREFIXES.get(practitioner.salutation)],
    }


def _telecom(practitioner: Practitioner) -> list[dict]:
    points = [
        ("phone", practitioner.phone, "work"),
        ("phone", practitioner.mobile, "mobile"),
        ("email", practitioner.email, "work"),
    ]
    return [{"system": system, "value": value, "use": use} for system, value, use in points if value]


def _addresses(practitioner: Practitioner) -> list[dict]:
    """The practice address (where patients come: physical, work), then the correspondence address (postal)."""
    practice = _address(practitioner.practice_street, practitioner.practice_postcode, practitioner.practice_municipality)
    correspondence = _address(
        practitioner.correspondence_street, practitioner.correspondence_postcode, practitioner.correspondence_municipality
    )
    addresses = []
    if practice:
        addresses.append({"use": "work", "type": "physical", **practice})
    if correspondence:
        addresses.append({"type": "postal", **correspondence})
    return addresses


def _address(street: str, postcode: str, municipality: str) -> dict:
    """Belgian by construction: the record's postcodes have four digits (ISO 3166 code, as BeAddress advises).

    Empty parts are dropped with every other empty element (`_without_empty`)."""
    if not (street or postcode or municipality):
        return {}
    return {"line": [street], "postalCode": postcode, "city": municipality, "country": "BE"}


def _language(practitioner: Practitioner) -> dict:
    tag, display = codes.LANGUAGE_TAGS[practitioner.language]
    return {"coding": [{"system": codes.BCP47_SYSTEM, "code": tag, "display": display}]}


def _period(start: datetime.date, end: datetime.date | None) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat() if end else None}


def _without_empty(value):
    """`value` without None, empty strings, arrays and objects, at every depth (FHIR allows none of them)."""
    if isinstance(value, dict):
        cleaned = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned = [_without_empty(item) for item in value]
        return [item for item in cleaned if item not in (None, "", [], {})]
    return value
