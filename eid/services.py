"""The eID card of a practitioner: read it, check a record's NISS, fill a new record.

The card is read on the machine that runs Django, through the PKCS#11 module named by the
``EID_PKCS11_MODULE`` setting (see ``eid``). Reading needs no PIN; the optional proof of
possession signs a random challenge with the PIN, which is never stored nor logged. Every read
is written to the audit log (the holder's NISS is not: the log masks NISS numbers anyway).

Refusals are ``oxygen.errors.Refused`` (see there): a card failure keeps the card's code
(``card.EidError.code``, its words as ``card_message``), ``PIN_ATTEMPTS_EXHAUSTED`` (with
``retry_time``), ``RECORD_EXISTS`` (with ``practitioner``), ``INVALID_RECORD`` (with ``field_errors``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.views.decorators.debug import sensitive_variables

from audit.models import EventKind
from audit.services import record_event
from practitioners.identifiers import parse_niss
from practitioners.models import Practitioner

from eid import card
from oxygen import throttle
from oxygen.errors import Refused

PIN_ATTEMPTS_EXHAUSTED, RECORD_EXISTS, INVALID_RECORD = "pin_attempts_exhausted", "record_exists", "invalid_record"


@dataclass(frozen=True)
class CardReading:
    """What the card said, and how it compares with a record (when one was given)."""

    holder: card.EidHolder
    proved: bool  # the card signed a challenge with the PIN
    difference: str | Promise | None = None  # why the card is not the record's holder
    record_niss_missing: bool = False

    @property
    def matches(self) -> bool:
        return self.difference is None and not self.record_niss_missing


def module_path() -> str:
    return str(settings.EID_PKCS11_MODULE)


@sensitive_variables("pin")
def read_card(
    *, pin: str | None = None, practitioner: Practitioner | None = None, actor=None, request=None
) -> CardReading:
    """Read the card (with ``pin``: prove possession too) and compare with ``practitioner``'s NISS.

    Raises ``Refused`` (after recording the failure in the audit log): the card's code, or
    ``PIN_ATTEMPTS_EXHAUSTED``.
    """
    proving = pin is not None
    try:
        if proving and actor is not None:
            _claim_pin_attempt(actor)
        holder = card.prove_possession(module_path(), pin) if proving else card.read_authentication_certificate(module_path())
    except card.EidError as error:
        _audit(actor, request, practitioner, "eID card read failed", {"error": error.code, "proof": proving})
        raise Refused(error.code, card_message=error.message) from error
    except Refused as refused:
        _audit(actor, request, practitioner, "eID card read failed", {"error": refused.code, "proof": proving})
        raise
    difference, missing = None, False
    if practitioner is not None:
        if practitioner.niss:
            difference = card.compare_niss(holder, practitioner.niss)
        else:
            missing = True
    reading = CardReading(holder, proved=proving, difference=difference, record_niss_missing=missing)
    _audit(actor, request, practitioner, "eID card read", {
        "proof": proving, "matches_record": reading.matches if practitioner is not None else None,
        "card_not_after": holder.not_after,
    })
    return reading


def _claim_pin_attempt(actor) -> None:
    """Counts the PIN attempt in the actor's limit; ``Refused(PIN_ATTEMPTS_EXHAUSTED)`` when it is used up."""
    attempt = throttle.claim_eid_pin(actor.pk)
    if not attempt.allowed:
        raise Refused(PIN_ATTEMPTS_EXHAUSTED, retry_time=attempt.retry_time)


def _audit(actor, request, practitioner, summary: str, details: dict) -> None:
    record_event(EventKind.EID_READ, actor=actor, request=request, practitioner=practitioner, summary=summary, details=details)


def holder_fields(holder: card.EidHolder) -> dict[str, object]:
    """The record fields the card gives: names, NISS, and the birth date and sex the NISS encodes."""
    fields: dict[str, object] = {"last_name": holder.last_name, "first_names": holder.first_names, "niss": holder.niss}
    try:
        niss = parse_niss(holder.niss)
    except ValidationError:
        return fields
    if niss.birth_date is not None:
        fields["birth_date"] = niss.birth_date
    if niss.sex is not None:
        fields["sex"] = niss.sex
    return fields


def holder_to_session(holder: card.EidHolder) -> dict[str, str]:
    """``holder_fields`` as JSON-safe strings (dates in ISO 8601), for the session."""
    return {name: value.isoformat() if isinstance(value, date) else str(value) for name, value in holder_fields(holder).items()}


def fields_from_session(data: dict[str, str]) -> dict[str, object]:
    """``holder_to_session`` back to form initial values (the birth date as a date)."""
    fields: dict[str, object] = dict(data)
    if "birth_date" in fields:
        try:
            fields["birth_date"] = date.fromisoformat(str(fields["birth_date"]))
        except ValueError:
            del fields["birth_date"]
    return fields


def record_with_niss(niss: str) -> Practitioner | None:
    return Practitioner.objects.filter(niss=niss).first() if niss else None


def create_record(holder: card.EidHolder) -> Practitioner:
    """A new record from the card (command line ``eid read --create``).

    Raises ``Refused(RECORD_EXISTS, practitioner=…)`` when a record has the card's NISS,
    ``Refused(INVALID_RECORD, field_errors=…)`` when the card's data do not make a valid record.
    """
    with transaction.atomic():
        existing = record_with_niss(holder.niss)
        if existing is not None:
            raise Refused(RECORD_EXISTS, practitioner=existing)
        practitioner = Practitioner(**holder_fields(holder))
        try:
            practitioner.full_clean()
        except ValidationError as error:
            raise Refused(INVALID_RECORD, field_errors=error.message_dict) from None
        practitioner.save()
    return practitioner
