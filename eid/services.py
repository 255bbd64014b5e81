"""The eID card of a practitioner: read it, check a record's NISS, fill a new record.

The card is read on the machine that runs Django, through the PKCS#11 module named by the
``EID_PKCS11_MODULE`` setting (see ``eid``). Reading needs no PIN; the optional proof of
possession signs a random challenge with the PIN, which is never stored nor logged. Every read
is written to the audit log (the holder's NISS is not: the log masks NISS numbers anyway).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from audit.models import EventKind
from audit.services import record_event
from practitioners.identifiers import parse_niss
from practitioners.models import Practitioner

from eid import card
from oxygen import throttle


class PinAttemptsExhausted(card.EidError):
    code = "pin_attempts_exhausted"


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

    Raises ``card.EidError`` (after recording the failure in the audit log).
    """
    proving = pin is not None
    try:
        if proving and actor is not None:
            _claim_pin_attempt(actor)
        holder = card.prove_possession(module_path(), pin) if proving else card.read_authentication_certificate(module_path())
    except card.EidError as error:
        _audit(actor, request, practitioner, "eID card read failed", {"error": error.code, "proof": proving})
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
    """Counts the PIN attempt in the actor's limit; raises PinAttemptsExhausted when it is used up."""
    attempt = throttle.claim_eid_pin(actor.pk)
    if not attempt.allowed:
        raise PinAttemptsExhausted(
            _("Too many PIN checks from your account in a short time. For the card's safety, try again after %(time)s.")
            % {"time": attempt.retry_time}
        )


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


class RecordExists(Exception):
    def __init__(self, practitioner: Practitioner) -> None:
        super().__init__(str(practitioner))
        self.practitioner = practitioner


def create_record(holder: card.EidHolder) -> Practitioner:
    """A new record from the card (command line ``eid read --create``).

    Raises ``RecordExists`` when a record has the card's NISS, ``ValidationError`` when the card's
    data do not make a valid record.
    """
    with transaction.atomic():
        existing = record_with_niss(holder.niss)
        if existing is not None:
            raise RecordExists(existing)
        practitioner = Practitioner(**holder_fields(holder))
        practitioner.full_clean()
        practitioner.save()
    return practitioner
