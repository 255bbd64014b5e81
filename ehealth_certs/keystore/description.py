"""A keystore's entries as pages and the command line show them, and which one is the
authentication key (no Django)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ehealth_certs.keystore.dates import iso
from ehealth_certs.keystore.entry import KeystoreEntry

AUTHENTICATION_ALIAS = "authentication"


@dataclass(frozen=True)
class EntryInfo:
    """One keystore entry, for display. ``serial`` is lowercase hexadecimal."""

    alias: str | None
    kind: str  # "authentication" | "encryption" | "ca"
    has_private_key: bool
    subject: str | None
    issuer: str | None
    serial: str | None
    not_before: datetime | None
    not_after: datetime | None
    key_type: str | None  # "RSA" | "EC" | None
    key_size: int | None
    local_key_id: str | None  # hexadecimal

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "kind": self.kind,
            "has_private_key": self.has_private_key,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
        }


def is_authentication(entry: KeystoreEntry) -> bool:
    return entry.has_private_key and is_authentication_alias(entry.alias or "")


def is_authentication_alias(alias: str) -> bool:
    return alias.casefold() == AUTHENTICATION_ALIAS


def describe_entries(entries: Sequence[KeystoreEntry]) -> list[EntryInfo]:
    """Key entries, then each distinct CA certificate once.

    Java writes a key entry's chain certificates once per key entry; they are listed once,
    under the alias of a trusted entry when there is one. Certificates of key entries (the
    authentication certificate is in the encryption entries' chains) are not listed again.
    """
    key_entries = [entry for entry in entries if entry.has_private_key]
    key_certificates = {entry.certificate for entry in key_entries}
    ca_entries: dict[x509.Certificate, KeystoreEntry] = {}
    for entry in entries:
        certificate = entry.certificate
        if entry.has_private_key or certificate is None or certificate in key_certificates:
            continue
        if certificate not in ca_entries or (entry.trusted and not ca_entries[certificate].trusted):
            ca_entries[certificate] = entry
    return [_entry_info(entry) for entry in [*key_entries, *ca_entries.values()]]


def public_key_description(certificate: x509.Certificate) -> tuple[str | None, int | None]:
    """The type ("RSA", "EC" or None) and size of a certificate's public key."""
    try:
        return _describe_key(certificate.public_key())
    except Exception:  # unsupported public key algorithm
        return None, None


def _entry_info(entry: KeystoreEntry) -> EntryInfo:
    certificate = entry.certificate
    if not entry.has_private_key:
        kind = "ca"
    else:
        kind = "authentication" if is_authentication(entry) else "encryption"
    key_type, key_size = _key_description(entry)
    return EntryInfo(
        alias=entry.alias,
        kind=kind,
        has_private_key=entry.has_private_key,
        subject=certificate.subject.rfc4514_string() if certificate else None,
        issuer=certificate.issuer.rfc4514_string() if certificate else None,
        serial=format(certificate.serial_number, "x") if certificate else None,
        not_before=certificate.not_valid_before_utc if certificate else None,
        not_after=certificate.not_valid_after_utc if certificate else None,
        key_type=key_type,
        key_size=key_size,
        local_key_id=entry.local_key_id.hex() if entry.local_key_id is not None else None,
    )


def _key_description(entry: KeystoreEntry) -> tuple[str | None, int | None]:
    """The private key's type and size, or the certificate's (entries whose key validation left encrypted)."""
    if entry.private_key is None:
        return public_key_description(entry.certificate) if entry.certificate else (None, None)
    return _describe_key(entry.private_key)


def _describe_key(key: object) -> tuple[str | None, int | None]:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "EC", key.key_size
    return None, None
