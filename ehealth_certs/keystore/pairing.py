"""Pair a keystore's key bags with its certificates, as Java would list its entries (no Django).

A key bag takes the certificate sharing its friendlyName, else (for a decrypted key) the one
holding its public key, and gives it its localKeyId: ``cryptography`` does not expose the
certificates' own attributes. A named certificate left without a key is a chain certificate when
named after its subject (Java names them by their DN), a Java ``trustedCertEntry`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from ehealth_certs.keystore.entry import KeystoreEntry, public_key_der


@dataclass
class KeyBag:
    """A key SafeBag as found in a plaintext SafeContents; ``key`` once decrypted."""

    bag: asn1_pkcs12.SafeBag
    friendly_name: str | None
    local_key_id: bytes | None
    key: PrivateKeyTypes | None = None


def decoded_name(value: bytes | None) -> str | None:
    return value.decode("utf-8", "replace") if value is not None else None


def pair_entries(
    key_bags: Sequence[KeyBag], certificates: Sequence[crypto_pkcs12.PKCS12Certificate]
) -> list[KeystoreEntry]:
    """Key entries in key-bag order, then the certificates no key took."""
    unpaired = list(range(len(certificates)))
    paired: list[tuple[KeyBag, int | None]] = []
    for key_bag in key_bags:
        index = _matching_certificate(key_bag, certificates, unpaired)
        if index is not None:
            unpaired.remove(index)
        paired.append((key_bag, index))
    entries = [
        KeystoreEntry(
            alias=key_bag.friendly_name or (decoded_name(certificates[index].friendly_name) if index is not None else None),
            local_key_id=key_bag.local_key_id,
            certificate=certificates[index].certificate if index is not None else None,
            private_key=key_bag.key,
            key_left_encrypted=key_bag.key is None,
        )
        for key_bag, index in paired
    ]
    for index in unpaired:
        alias, certificate = decoded_name(certificates[index].friendly_name), certificates[index].certificate
        entries.append(KeystoreEntry(alias, None, certificate, trusted=_is_trusted_alias(alias, certificate)))
    return entries


def _matching_certificate(
    key_bag: KeyBag, certificates: Sequence[crypto_pkcs12.PKCS12Certificate], candidates: list[int]
) -> int | None:
    if key_bag.friendly_name is not None:
        for index in candidates:
            if decoded_name(certificates[index].friendly_name) == key_bag.friendly_name:
                return index
    if key_bag.key is not None:  # a key left encrypted is paired by its friendly name only
        for index in candidates:
            if _same_public_key(key_bag.key, certificates[index].certificate):
                return index
    return None


def _is_trusted_alias(alias: str | None, certificate: x509.Certificate) -> bool:
    """Java names a chain certificate by its subject DN, a trusted entry by the alias it was given."""
    if alias is None:
        return False
    try:
        return x509.Name.from_rfc4514_string(alias).rfc4514_string() != certificate.subject.rfc4514_string()
    except ValueError:
        return True


def _same_public_key(private_key: object, certificate: x509.Certificate) -> bool:
    try:
        return public_key_der(private_key.public_key()) == public_key_der(certificate.public_key())  # type: ignore[attr-defined]
    except Exception:  # unsupported key types simply do not match
        return False

