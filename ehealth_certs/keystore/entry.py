"""What a PKCS#12 keystore holds, as the reader returns it and the writer takes it, and the errors
of both (no Django)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class Pkcs12Error(Exception):
    """The keystore cannot be read or written."""


class NotPkcs12Error(Pkcs12Error):
    """The bytes are not a (supported, sane) PKCS#12 keystore."""


class NoMacError(NotPkcs12Error):
    """The keystore has no MAC: its integrity cannot be checked (eHealth keystores always have one)."""


class TooCostlyError(NotPkcs12Error):
    """The keystore asks for more key-derivation work than any real keystore (refused before deriving)."""


class WrongPasswordError(Pkcs12Error):
    """The password does not open the keystore."""


@dataclass(frozen=True)
class KeystoreEntry:
    """A private key with its certificate, or a certificate alone.

    ``trusted`` marks a certificate-only entry that Java lists as a ``trustedCertEntry``; other
    certificate-only entries are chain certificates, which Java writes once per key entry.
    """

    alias: str | None
    local_key_id: bytes | None
    certificate: x509.Certificate | None
    private_key: PrivateKeyTypes | None = None
    trusted: bool = False
    key_left_encrypted: bool = False
    """A key entry whose private key was not decrypted (``read_keystore``'s ``decrypt_key`` declined it)."""

    @property
    def has_private_key(self) -> bool:
        return self.private_key is not None or self.key_left_encrypted


def public_key_der(public_key: object) -> bytes:
    """SubjectPublicKeyInfo DER of a public key, to compare keys."""
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
