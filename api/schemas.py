"""What the API answers, field by field: these models are the OpenAPI schema and validate each answer.

Empty texts of the registry are ``null`` here: a program should not have to tell "" from absent.
Identifiers are digits only (NISS 11, INAMI 11, enterprise number 10), as stored; ``id`` is the
record's public id, the one in the pages' addresses.

Plain pydantic models, not ninja's ``Schema``: the endpoints hand them dicts, and ninja's wrapper
for reading model attributes cost a list of 100 rows about 3 ms (docs/benchmarks.md, benchmark 5).
"""
from __future__ import annotations

import datetime
import uuid
from typing import Literal

from pydantic import BaseModel as Schema
from pydantic import Field

from ehealth_certs.models import EncryptionKeyStatus, Environment, RevocationCheck
from ehealth_certs.selectors import STATUS_CHOICES
from practitioners.models import Profession, Sex


def codes_of(choices) -> type:
    """A Literal of the codes of ``choices`` (pairs, or a TextChoices' values), taken from where they
    are defined, so that the schema cannot drift from them."""
    return Literal[tuple(code if isinstance(code, str) else code[0] for code in choices)]


CertificateStatusCode = codes_of(STATUS_CHOICES)


class InamiPeriodOut(Schema):
    """An INAMI number held for one profession over a period (an open end: still running)."""

    inami_number: str = Field(description="11 digits")
    profession: Profession
    conventioned: bool
    start_date: datetime.date
    end_date: datetime.date | None = None


class CertificateSummary(Schema):
    status: CertificateStatusCode = Field(description="The active certificate's status, as the registry list shows it")
    valid_until: datetime.datetime | None = None


class PractitionerRow(Schema):
    id: uuid.UUID
    last_name: str
    first_names: str
    birth_date: datetime.date | None = None
    niss: str | None = None
    is_active: bool
    inami_today: InamiPeriodOut | None = Field(None, description="The INAMI period running today (the most recently started)")
    conventioned_today: bool = Field(description="Conventioned in any period running today")
    certificate: CertificateSummary


class PractitionerPage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    results: list[PractitionerRow]


class Address(Schema):
    street: str | None = None
    postcode: str | None = None
    municipality: str | None = None


class PractitionerDetail(Schema):
    id: uuid.UUID
    last_name: str
    first_names: str
    initials: str | None = None
    birth_date: datetime.date | None = None
    sex: codes_of(Sex.values) | None = None
    language: str
    salutation: str | None = None
    category: str | None = None
    specialisation: str | None = None
    contact_type: str
    niss: str | None = None
    enterprise_number: str | None = None
    approval_number: str | None = None
    correspondence_address: Address
    practice_address: Address
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    treatment_types: list[str] = Field(description="Codes of the treatment-record types")
    is_active: bool
    inami_periods: list[InamiPeriodOut]
    inami_today: InamiPeriodOut | None = None
    conventioned_today: bool


class InamiAnswer(InamiPeriodOut):
    practitioner: uuid.UUID
    on: datetime.date


class RevocationOut(Schema):
    revocation_date: datetime.date
    reason: str | None = Field(None, description="The practice's reason code, or the certification authority's")
    by_certification_authority: bool


class ActiveCertificate(Schema):
    id: uuid.UUID
    environment: codes_of(Environment.values)
    subject: str
    serial_number: str = Field(description="Lowercase hexadecimal")
    fingerprint_sha256: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    renewal_window_starts: datetime.datetime = Field(description="From when the certificate is due for renewal")
    encryption_key: codes_of(EncryptionKeyStatus.values) = Field(
        description="The keystore's encryption (ETK) key, as found at import"
    )
    revocation_check: codes_of(RevocationCheck.values) = Field(
        description="The certification authority's OCSP answer at the last check"
    )
    revocation_checked_at: datetime.datetime | None = None


class CertificateStatusOut(Schema):
    practitioner: uuid.UUID
    status: CertificateStatusCode
    usable: bool = Field(description="An active certificate valid at this moment: eHealth services can be used with it")
    in_renewal_window: bool
    certificate: ActiveCertificate | None = None
    revoked: RevocationOut | None = Field(
        None, description="Without an active certificate: the revocation of the last one, if it was revoked"
    )


class ErrorOut(Schema):
    code: str
    detail: str
