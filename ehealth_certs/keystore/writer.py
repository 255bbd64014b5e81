"""Write PKCS#12 keystores: build one from entries, or re-encrypt one under a new password (no Django).

The modern Java layout: keys through ``private_bytes`` with ``BestAvailableEncryption`` (PBES2),
certificates with PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC from ``cryptography``), an HMAC-SHA256
MAC whose key comes from RFC 7292 appendix B (:func:`_mac_key`, the only derivation written here:
no library offers it). Every failure is a :class:`~ehealth_certs.keystore.entry.Pkcs12Error`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Sequence

from asn1crypto import algos, cms, core, keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ehealth_certs.keystore.entry import KeystoreEntry, Pkcs12Error, WrongPasswordError
from ehealth_certs.keystore.reader import read_every_entry, read_keystore

WRITE_ITERATIONS = 10_000
"""Iteration count of the MAC and certificates of keystores written here (Java 17 default)."""

_ANY_EXTENDED_KEY_USAGE_OID = "2.5.29.37.0"


def change_password(data: bytes, old_password: str, new_password: str) -> bytes:
    """Re-encrypt the keystore under ``new_password``, keeping every key, certificate, friendly
    name and localKeyId.

    The result uses the modern Java layout; it is reopened with the new password (and checked
    to refuse the old one) before being returned.
    """
    _check_writable_password(new_password)
    entries, unsupported = read_every_entry(data, old_password)
    if unsupported:
        kinds = ", ".join(sorted(set(unsupported)))
        raise Pkcs12Error(f"the keystore holds entries that cannot be re-encrypted: {kinds}")
    try:
        result = build_keystore(entries, new_password)
    except Pkcs12Error:
        raise
    except Exception as exc:  # attributes come from the input file and may be odd
        raise Pkcs12Error("the keystore could not be re-encrypted") from exc
    _check_rewritten(result, entries, old_password, new_password)
    return result


def build_keystore(entries: Iterable[KeystoreEntry], password: str) -> bytes:
    """Write entries as a modern-layout keystore (PBES2/AES-256, HMAC-SHA256 MAC).

    Each entry gets friendlyName (its alias, if any) and localKeyId (given, or for a key entry
    the SHA-1 of its certificate); ``trusted`` certificate entries get Java's trusted-key-usage
    attribute. Key and certificate are not checked against each other (tests use this to build
    a mismatched keystore).
    """
    _check_writable_password(password)
    key_bags: list[asn1_pkcs12.SafeBag] = []
    cert_bags: list[asn1_pkcs12.SafeBag] = []
    for entry in entries:
        if entry.private_key is None and entry.certificate is None:
            raise Pkcs12Error("an entry needs a private key or a certificate")
        local_key_id = entry.local_key_id
        if local_key_id is None and entry.private_key is not None and entry.certificate is not None:
            local_key_id = hashlib.sha1(_cert_der(entry.certificate)).digest()
        attributes = _attributes(entry.alias, local_key_id, entry.trusted and entry.private_key is None)
        if entry.private_key is not None:
            key_bags.append(_safe_bag("pkcs8_shrouded_key_bag", _shroud(entry.private_key, password), attributes))
        if entry.certificate is not None:
            value = {"cert_id": "x509", "cert_value": asn1_x509.Certificate.load(_cert_der(entry.certificate))}
            cert_bags.append(_safe_bag("cert_bag", value, attributes))
    return _encode_pfx(key_bags, cert_bags, password)


# --------------------------------------------------------------------------- encoding


def _check_writable_password(password: str) -> None:
    if not password or not password.isascii() or "\x00" in password:
        raise Pkcs12Error("a keystore password must be non-empty ASCII (Java refuses anything else)")


def _cert_der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _attributes(alias: str | None, local_key_id: bytes | None, trusted: bool) -> asn1_pkcs12.Attributes | None:
    attributes = []
    if alias is not None:
        attributes.append({"type": "friendly_name", "values": [alias]})
    if local_key_id is not None:
        attributes.append({"type": "local_key_id", "values": [local_key_id]})
    if trusted:
        attributes.append({"type": "trusted_key_usage", "values": [_ANY_EXTENDED_KEY_USAGE_OID]})
    return asn1_pkcs12.Attributes(attributes) if attributes else None


def _safe_bag(bag_id: str, value: object, attributes: asn1_pkcs12.Attributes | None) -> asn1_pkcs12.SafeBag:
    safe_bag = {"bag_id": bag_id, "bag_value": value}
    if attributes is not None:
        safe_bag["bag_attributes"] = attributes
    return asn1_pkcs12.SafeBag(safe_bag)


def _shroud(private_key: PrivateKeyTypes, password: str) -> keys.EncryptedPrivateKeyInfo:
    """PKCS#8 EncryptedPrivateKeyInfo by ``cryptography`` (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC)."""
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode("ascii")),
    )
    return keys.EncryptedPrivateKeyInfo.load(der)


def _encode_pfx(
    key_bags: Sequence[asn1_pkcs12.SafeBag], cert_bags: Sequence[asn1_pkcs12.SafeBag], password: str
) -> bytes:
    """Java 17 layout: shrouded keys, then certificates in a PBES2-encrypted SafeContents."""
    content_infos = []
    if key_bags:
        content_infos.append(_data_content_info(asn1_pkcs12.SafeContents(key_bags).dump()))
    if cert_bags:
        algorithm, ciphertext = _pbes2_encrypt(asn1_pkcs12.SafeContents(cert_bags).dump(), password)
        encrypted_data = cms.EncryptedData(
            {
                "version": "v0",
                "encrypted_content_info": {
                    "content_type": "data",
                    "content_encryption_algorithm": algorithm,
                    "encrypted_content": ciphertext,
                },
            }
        )
        content_infos.append(cms.ContentInfo({"content_type": "encrypted_data", "content": encrypted_data}))
    safe_der = asn1_pkcs12.AuthenticatedSafe(content_infos).dump()
    return asn1_pkcs12.Pfx(
        {"version": "v3", "auth_safe": _data_content_info(safe_der), "mac_data": _mac_data(safe_der, password)}
    ).dump()


def _data_content_info(der: bytes) -> cms.ContentInfo:
    return cms.ContentInfo({"content_type": "data", "content": core.OctetString(der)})


def _pbes2_encrypt(plaintext: bytes, password: str) -> tuple[algos.EncryptionAlgorithm, bytes]:
    """PBES2 (RFC 8018) from ``cryptography``'s PBKDF2-HMAC-SHA256, AES-256-CBC and PKCS#7 padding."""
    salt, iv = os.urandom(20), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, WRITE_ITERATIONS).derive(password.encode("ascii"))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    algorithm = algos.EncryptionAlgorithm(
        {
            "algorithm": "pbes2",
            "parameters": {
                "key_derivation_func": {
                    "algorithm": "pbkdf2",
                    "parameters": {
                        "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                        "iteration_count": WRITE_ITERATIONS,
                        "key_length": 32,
                        "prf": {"algorithm": "sha256", "parameters": core.Null()},
                    },
                },
                "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
            },
        }
    )
    return algorithm, ciphertext


def _mac_key(password: str, salt: bytes, iterations: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-256 and ID 3 (MAC key), for a 32-byte key: one hash block.

    The password is a BMPString with a trailing NUL; salt and password are each repeated to a
    multiple of the hash's 64-byte input block.
    """
    block = 64

    def stretch(value: bytes) -> bytes:
        length = block * -(-len(value) // block)
        return (value * -(-length // len(value)))[:length] if value else b""

    secret = password.encode("utf-16-be") + b"\x00\x00"
    digest = hashlib.sha256(bytes([3]) * block + stretch(salt) + stretch(secret)).digest()
    for _ in range(iterations - 1):
        digest = hashlib.sha256(digest).digest()
    return digest


def _mac_data(safe_der: bytes, password: str) -> asn1_pkcs12.MacData:
    salt = os.urandom(20)
    key = _mac_key(password, salt, WRITE_ITERATIONS)
    return asn1_pkcs12.MacData(
        {
            "mac": {
                "digest_algorithm": {"algorithm": "sha256", "parameters": core.Null()},
                "digest": hmac.new(key, safe_der, "sha256").digest(),
            },
            "mac_salt": salt,
            "iterations": WRITE_ITERATIONS,
        }
    )


def _entry_signature(entries: Iterable[KeystoreEntry]) -> list[tuple[object, ...]]:
    def key_der(key: PrivateKeyTypes | None) -> bytes:
        if key is None:
            return b""
        return key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    return sorted(
        (
            entry.alias or "",
            entry.local_key_id or b"",
            _cert_der(entry.certificate) if entry.certificate is not None else b"",
            key_der(entry.private_key),
            entry.trusted,
        )
        for entry in entries
    )


def _check_rewritten(result: bytes, original: Sequence[KeystoreEntry], old_password: str, new_password: str) -> None:
    if _entry_signature(read_keystore(result, new_password)) != _entry_signature(original):
        raise Pkcs12Error("the re-encrypted keystore does not hold the same entries")
    if old_password != new_password:
        try:
            read_keystore(result, old_password)
        except WrongPasswordError:
            return
        raise Pkcs12Error("the re-encrypted keystore still opens with the old password")
