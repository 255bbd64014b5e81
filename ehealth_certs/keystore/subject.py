"""eHealth certificate subjects: identifiers (``SSIN=...``, ``NIHII-HOSPITAL=...``), the holder's
name and organisation identifiers (no Django)."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.x509.oid import NameOID

_IDENTIFIER = re.compile(r"([A-Z_-]+)=([0-9]+)")
_ORGANISATION_IDENTIFIER = re.compile(r"CBE|EHP|NIHII-[A-Z_-]+")
_PLATFORM_UNIT = "eHealth-platform Belgium"


def parse_identifier_pairs(name: x509.Name) -> list[tuple[str, str]]:
    """Every ``NAME=digits`` found in the RDN values, e.g. ``("SSIN", "85073003328")``."""
    return [
        (match[1], match[2])
        for attribute in name
        if isinstance(attribute.value, str)
        for match in _IDENTIFIER.finditer(attribute.value)
    ]


def parse_identifiers(name: x509.Name) -> dict[str, str]:
    """Identifiers of a subject, first occurrence of each name: ``{"SSIN": "85073003328"}``."""
    identifiers: dict[str, str] = {}
    for key, value in parse_identifier_pairs(name):
        identifiers.setdefault(key, value)
    return identifiers


def organisation_identifier(pairs: list[tuple[str, str]]) -> str | None:
    """The first identifier of an organisation (CBE, EHP, NIHII-...), e.g. ``"EHP 1990001916"``."""
    return next((f"{name} {value}" for name, value in pairs if _ORGANISATION_IDENTIFIER.fullmatch(name)), None)


def holder_name(subject: x509.Name) -> str | None:
    """The person's name in an eHealth subject: the organisational unit that is neither the
    platform's nor an identifier (``OU=Marie Dubois``)."""
    for attribute in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = attribute.value
        if isinstance(value, str) and value.strip() and value != _PLATFORM_UNIT and not _IDENTIFIER.search(value):
            return value.strip()
    return None


def digits(value: str | None) -> str:
    return "".join(character for character in value or "" if character.isdigit())
