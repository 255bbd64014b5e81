"""Read PKCS#12 keystores, keeping every entry (no Django).

Every cryptographic step is ``cryptography``'s (OpenSSL):

* ``pkcs12.load_pkcs12`` verifies the MAC (a wrong password is reported as such before any key
  is decrypted) and decrypts the certificates of both Java layouts (PBES2/AES, or the legacy
  PBE-SHA1-RC2-40), with their friendly names;
* it returns only the first private key, while an eHealth keystore holds several
  (``authentication`` plus encryption keys): every key bag is read from the plaintext
  SafeContents with ``asn1crypto`` (friendlyName, localKeyId) and decrypted by
  ``load_der_private_key``, paired with its certificate by friendly name (else by public key);
* a caller that needs only some keys (validation needs the authentication key) leaves the others
  encrypted, choosing by each key bag's plaintext friendlyName.

``asn1crypto`` only walks the plaintext structure. Before anything is derived, the work every
MAC, encrypted SafeContents and shrouded key bag asks for is added up and refused above the
limits of :mod:`ehealth_certs.keystore.budget`. Known limit: a key bag hidden inside an encrypted
SafeContents (neither Java nor OpenSSL write one) cannot be seen before decryption, and if it is
the first key OpenSSL meets, ``load_pkcs12`` decrypts it at whatever cost it asks (OpenSSL
decrypts no other key); such a file is then refused when no plaintext key bag is present, and its
hidden keys are not listed otherwise.

Keys and certificates are paired into entries by :mod:`ehealth_certs.keystore.pairing`.

Every failure, whatever the input bytes, is a :class:`~ehealth_certs.keystore.entry.Pkcs12Error`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from ehealth_certs.keystore.budget import Budget
from ehealth_certs.keystore.entry import (
    KeystoreEntry,
    NoMacError,
    NotPkcs12Error,
    Pkcs12Error,
    WrongPasswordError,
)
from ehealth_certs.keystore.pairing import KeyBag, decoded_name, pair_entries

MAX_BAGS = 100
"""An eHealth keystore holds about a dozen SafeBags; loading each RSA key costs milliseconds."""


@dataclass
class _Plaintext:
    """What the plaintext structure says, read before any derivation."""

    key_bags: list[KeyBag] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    """Plaintext bags that are neither keys nor certificates (CRLs, secrets): read_keystore skips them."""
    first_key_precedes_encryption: bool = False
    """OpenSSL meets the first key bag before any encrypted SafeContents: ``load_pkcs12``'s key is its key."""


def read_keystore(
    data: bytes, password: str, *, decrypt_key: Callable[[str], bool] | None = None
) -> list[KeystoreEntry]:
    """Every entry of the keystore: key entries in file order, then certificates alone.

    The MAC is always verified. With ``decrypt_key``, a pkcs8ShroudedKeyBag is decrypted only
    when ``decrypt_key(its friendlyName)`` is true; the others give entries with
    ``key_left_encrypted`` (and their certificate). A key bag without a friendlyName, or whose
    friendlyName no certificate shares, is always decrypted: pairing it needs its public key.
    """
    return _guarded(lambda: _read(data, password, decrypt_key))[0]


def read_every_entry(data: bytes, password: str) -> tuple[list[KeystoreEntry], list[str]]:
    """Every entry with every key decrypted (to write them again), and the kinds of plaintext bags
    that are neither keys nor certificates (CRLs, secrets), which :func:`read_keystore` skips."""
    return _guarded(lambda: _read(data, password, None))


# --------------------------------------------------------------------------- reading


_Read = tuple[list[KeystoreEntry], list[str]]


def _guarded(read: Callable[[], _Read]) -> _Read:
    try:
        return read()
    except Pkcs12Error:
        raise
    except Exception as exc:  # asn1crypto/cryptography raise many types on hostile input
        raise NotPkcs12Error("malformed PKCS#12 keystore") from exc


def _read(data: bytes, password: str, decrypt_key: Callable[[str], bool] | None) -> _Read:
    """The entries, and the kinds of plaintext bags that are neither keys nor certificates."""
    secret = _password_bytes(password)
    plaintext = _walk_plaintext(bytes(data))
    try:
        loaded = crypto_pkcs12.load_pkcs12(bytes(data), secret)
    except ValueError as exc:  # the structure is sound: the MAC, a decryption or the first key failed
        if str(exc).startswith("Invalid password"):  # cryptography's message for the first two
            raise WrongPasswordError("wrong password (MAC verification or decryption failed)") from exc
        raise NotPkcs12Error(f"the keystore's content cannot be loaded: {exc}") from exc
    if loaded.key is not None and not plaintext.key_bags:
        raise NotPkcs12Error("private keys inside encrypted content are not supported")
    certificates = [*([loaded.cert] if loaded.cert else []), *loaded.additional_certs]
    if len(plaintext.key_bags) + len(certificates) > MAX_BAGS:
        raise NotPkcs12Error(f"more than {MAX_BAGS} SafeBags")
    for certificate in certificates:
        _check_certificate(certificate.certificate)
    names = {decoded_name(c.friendly_name) for c in certificates} - {None}
    for index, key_bag in enumerate(plaintext.key_bags):
        name = key_bag.friendly_name
        if decrypt_key is None or name is None or name not in names or decrypt_key(name):
            reuse = index == 0 and plaintext.first_key_precedes_encryption and loaded.key is not None
            key_bag.key = loaded.key if reuse else _decrypt_key(key_bag.bag, secret)
    return pair_entries(plaintext.key_bags, certificates), plaintext.unsupported



def _password_bytes(password: str) -> bytes:
    """UTF-8 (ASCII for Java); OpenSSL reads a password up to its first NUL, so none may hold one."""
    try:
        secret = password.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WrongPasswordError("the password cannot be encoded") from exc
    if b"\x00" in secret:
        raise WrongPasswordError("the password holds a NUL character")
    return secret


def _walk_plaintext(data: bytes) -> _Plaintext:
    """Key bags and the cost of every derivation, from the structure alone (nothing decrypted)."""
    pfx = asn1_pkcs12.Pfx.load(data, strict=True)
    if pfx["version"].native != "v3":
        raise NotPkcs12Error("not a PKCS#12 v3 keystore")
    auth_safe = pfx["auth_safe"]
    if auth_safe["content_type"].native != "data":
        raise NotPkcs12Error("unsupported AuthenticatedSafe content type")
    mac_data = pfx["mac_data"]
    if mac_data.native is None:
        raise NoMacError("the keystore has no MAC")
    budget = Budget()
    budget.spend_mac(mac_data)
    plaintext = _Plaintext()
    seen_encryption = bags = 0
    for content_info in asn1_pkcs12.AuthenticatedSafe.load(auth_safe["content"].native, strict=True):
        content_type = content_info["content_type"].native
        if content_type == "encrypted_data":
            encrypted = content_info["content"]["encrypted_content_info"]
            budget.spend_encryption(encrypted["content_encryption_algorithm"])
            seen_encryption += 1
            continue
        if content_type != "data":
            raise NotPkcs12Error(f"unsupported SafeContents wrapper: {content_type}")
        for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native, strict=True):
            bags += 1
            if bags > MAX_BAGS:
                raise NotPkcs12Error(f"more than {MAX_BAGS} SafeBags")
            bag_id = bag["bag_id"].native
            if bag_id == "pkcs8_shrouded_key_bag":
                budget.spend_encryption(bag["bag_value"]["encryption_algorithm"])
            elif bag_id == "safe_contents":  # OpenSSL would decrypt keys nested there, unbudgeted
                raise NotPkcs12Error("nested SafeContents are not supported")
            elif bag_id != "key_bag":
                if bag_id != "cert_bag":  # certificates come from the library
                    plaintext.unsupported.append(str(bag_id))
                continue
            if not plaintext.key_bags:
                plaintext.first_key_precedes_encryption = not seen_encryption
            plaintext.key_bags.append(_key_bag(bag))
    return plaintext


def _key_bag(bag: asn1_pkcs12.SafeBag) -> KeyBag:
    friendly_name = local_key_id = None
    if bag["bag_attributes"].native is not None:
        for attribute in bag["bag_attributes"]:
            values = attribute["values"]
            if not len(values):
                continue
            value = values[0].native
            if attribute["type"].native == "friendly_name" and friendly_name is None and isinstance(value, str):
                friendly_name = value
            if attribute["type"].native == "local_key_id" and local_key_id is None and isinstance(value, bytes):
                local_key_id = value
    return KeyBag(bag, friendly_name, local_key_id)



def _decrypt_key(bag: asn1_pkcs12.SafeBag, secret: bytes) -> PrivateKeyTypes:
    """A key bag's private key: ``cryptography`` decrypts the PKCS#8 EncryptedPrivateKeyInfo.

    OpenSSL's RSA check tests p and q for primality, the costliest step of a load (docs/benchmarks.md,
    benchmark 2). The consistency check below is what keeps an RSA key safe to hand to OpenSSL;
    primality adds nothing for a key that matches its certificate (validation checks the pair).
    """
    der = bag["bag_value"].untag().dump()
    password = secret if bag["bag_id"].native == "pkcs8_shrouded_key_bag" else None
    try:
        key = serialization.load_der_private_key(der, password=password, unsafe_skip_rsa_key_validation=True)
    except ValueError as exc:  # the MAC held, so the key bag's own encryption or content is wrong
        raise NotPkcs12Error("a private key cannot be decrypted or parsed") from exc
    if isinstance(key, rsa.RSAPrivateKey):
        _check_rsa_key(key.private_numbers())
    return key


def _check_rsa_key(numbers: rsa.RSAPrivateNumbers) -> None:
    """RSA_check_key's checks but primality: n = pq, e and d inverse modulo lcm(p-1, q-1), CRT values."""
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    p, q, d = numbers.p, numbers.q, numbers.d
    consistent = (
        n % 2 == 1
        and 3 <= e < n
        and e % 2 == 1
        and 1 < p < n
        and 1 < q < n
        and p * q == n
        and 0 < d < n
        and d * e % math.lcm(p - 1, q - 1) == 1
        and numbers.dmp1 == d % (p - 1)
        and numbers.dmq1 == d % (q - 1)
        and numbers.iqmp * q % p == 1
    )
    if not consistent:
        raise NotPkcs12Error("inconsistent RSA private key")


def _check_certificate(certificate: x509.Certificate) -> None:
    # cryptography parses some fields lazily: fail now rather than when a caller reads them
    with warnings.catch_warnings():
        # the Certificate Manager's placeholder (an unfinished request) names its country "Dummy"
        warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)
        certificate.subject, certificate.issuer, certificate.serial_number  # noqa: B018
    certificate.not_valid_before_utc, certificate.not_valid_after_utc  # noqa: B018
