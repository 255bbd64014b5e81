"""Read and re-encrypt PKCS#12 keystores, keeping every entry (no Django).

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
MAC, encrypted SafeContents and shrouded key bag asks for is added up and refused above
:data:`MAX_ITERATIONS` per derivation or :data:`MAX_TOTAL_ITERATIONS` in all. Known limit: a
key bag hidden inside an encrypted SafeContents (neither Java nor OpenSSL write one) cannot be
seen before decryption, and if it is the first key OpenSSL meets, ``load_pkcs12`` decrypts it at
whatever cost it asks (OpenSSL decrypts no other key); such a file is then refused when no
plaintext key bag is present, and its hidden keys are not listed otherwise.

The certificates' own attributes are not exposed by ``cryptography``: a certificate paired with a
key gets the key's localKeyId, and a named certificate without a key that is not named after its
subject (Java names chain certificates by their DN) is taken as a Java ``trustedCertEntry``.

Writing (:func:`change_password`, :func:`build_keystore`) uses the modern Java layout: keys
through ``private_bytes`` with ``BestAvailableEncryption`` (PBES2), certificates with PBES2
(PBKDF2-HMAC-SHA256 + AES-256-CBC from ``cryptography``), an HMAC-SHA256 MAC whose key comes from
RFC 7292 appendix B (:func:`_mac_key`, the only derivation written here: no library offers it).

Every failure, whatever the input bytes, is a :class:`Pkcs12Error`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

MAX_ITERATIONS = 1_000_000
"""Largest iteration count of one key derivation; real keystores use at most 100,000."""
MAX_TOTAL_ITERATIONS = 2_000_000
"""Key-derivation work allowed for one keystore: MAC + every encrypted bag (iterations x hash blocks)."""
MAX_BAGS = 100
"""An eHealth keystore holds about a dozen SafeBags; loading each RSA key costs milliseconds."""

WRITE_ITERATIONS = 10_000
"""Iteration count of the MAC and certificates of keystores written here (Java 17 default)."""

_ANY_EXTENDED_KEY_USAGE_OID = "2.5.29.37.0"

_PBE_KEY_LENGTHS = {  # PKCS#12 PBE (RFC 7292 appendix C): key length; the IV is one SHA-1 block
    "pkcs12_sha1_tripledes_3key": 24,
    "pkcs12_sha1_tripledes_2key": 16,
    "pkcs12_sha1_rc2_128": 16,
    "pkcs12_sha1_rc2_40": 5,
}
_PBES2_KEY_LENGTHS = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32, "tripledes_3key": 24}
_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")


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


@dataclass
class _KeyBag:
    """A key SafeBag as found in a plaintext SafeContents; ``key`` once decrypted."""

    bag: asn1_pkcs12.SafeBag
    friendly_name: str | None
    local_key_id: bytes | None
    key: PrivateKeyTypes | None = None


@dataclass
class _Plaintext:
    """What the plaintext structure says, read before any derivation."""

    key_bags: list[_KeyBag] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    """Plaintext bags that are neither keys nor certificates (CRLs, secrets): read_keystore skips them."""
    first_key_precedes_encryption: bool = False
    """OpenSSL meets the first key bag before any encrypted SafeContents: ``load_pkcs12``'s key is its key."""


# --------------------------------------------------------------------------- public API


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


def change_password(data: bytes, old_password: str, new_password: str) -> bytes:
    """Re-encrypt the keystore under ``new_password``, keeping every key, certificate, friendly
    name and localKeyId.

    The result uses the modern Java layout; it is reopened with the new password (and checked
    to refuse the old one) before being returned.
    """
    _check_writable_password(new_password)
    entries, unsupported = _guarded(lambda: _read(data, old_password, None))
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
    names = {_name(c.friendly_name) for c in certificates} - {None}
    for index, key_bag in enumerate(plaintext.key_bags):
        name = key_bag.friendly_name
        if decrypt_key is None or name is None or name not in names or decrypt_key(name):
            reuse = index == 0 and plaintext.first_key_precedes_encryption and loaded.key is not None
            key_bag.key = loaded.key if reuse else _decrypt_key(key_bag.bag, secret)
    return _pair_entries(plaintext.key_bags, certificates), plaintext.unsupported


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
    budget = _Budget()
    _spend_mac(mac_data, budget)
    plaintext = _Plaintext()
    seen_encryption = bags = 0
    for content_info in asn1_pkcs12.AuthenticatedSafe.load(auth_safe["content"].native, strict=True):
        content_type = content_info["content_type"].native
        if content_type == "encrypted_data":
            encrypted = content_info["content"]["encrypted_content_info"]
            _spend_encryption(encrypted["content_encryption_algorithm"], budget)
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
                _spend_encryption(bag["bag_value"]["encryption_algorithm"], budget)
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


def _key_bag(bag: asn1_pkcs12.SafeBag) -> _KeyBag:
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
    return _KeyBag(bag, friendly_name, local_key_id)


@dataclass
class _Budget:
    """Key-derivation work left for one keystore."""

    remaining: int = MAX_TOTAL_ITERATIONS

    def spend(self, iterations: object, blocks: int = 1) -> None:
        if not isinstance(iterations, int) or iterations < 1:
            raise NotPkcs12Error(f"malformed iteration count: {iterations!r}")
        if iterations > MAX_ITERATIONS:
            raise TooCostlyError(f"unreasonable iteration count: {iterations} (at most {MAX_ITERATIONS})")
        self.remaining -= iterations * blocks
        if self.remaining < 0:
            raise TooCostlyError(f"the keystore asks for more than {MAX_TOTAL_ITERATIONS} iterations in all")


def _hash_blocks(hash_name: str, length: int) -> int:
    if hash_name not in _HASHES:
        raise NotPkcs12Error(f"unsupported hash: {hash_name}")
    return -(-length // hashlib.new(hash_name).digest_size)


def _spend_mac(mac_data: asn1_pkcs12.MacData, budget: _Budget) -> None:
    hash_name = mac_data["mac"]["digest_algorithm"]["algorithm"].native
    budget.spend(mac_data["iterations"].native, _hash_blocks(hash_name, 1))


def _spend_encryption(algorithm: algos.EncryptionAlgorithm, budget: _Budget) -> None:
    """The derivations one encrypted item costs: PKCS#12 PBE (key, then IV) or PBES2 (PBKDF2)."""
    name = algorithm["algorithm"].native
    if name in _PBE_KEY_LENGTHS:
        iterations = algorithm["parameters"]["iterations"].native
        budget.spend(iterations, _hash_blocks("sha1", _PBE_KEY_LENGTHS[name]))
        budget.spend(iterations, _hash_blocks("sha1", 8))
        return
    if name != "pbes2":
        raise NotPkcs12Error(f"unsupported encryption algorithm: {name}")
    params = algorithm["parameters"]
    kdf, cipher_name = params["key_derivation_func"], params["encryption_scheme"]["algorithm"].native
    if kdf["algorithm"].native != "pbkdf2" or cipher_name not in _PBES2_KEY_LENGTHS:
        raise NotPkcs12Error(f"unsupported PBES2 scheme: {kdf['algorithm'].native}/{cipher_name}")
    kdf_params = kdf["parameters"]
    prf = kdf_params["prf"]["algorithm"].native
    budget.spend(kdf_params["iteration_count"].native, _hash_blocks(prf, _PBES2_KEY_LENGTHS[cipher_name]))


def _decrypt_key(bag: asn1_pkcs12.SafeBag, secret: bytes) -> PrivateKeyTypes:
    """A key bag's private key: ``cryptography`` decrypts the PKCS#8 EncryptedPrivateKeyInfo.

    OpenSSL's RSA check tests p and q for primality: about 50 ms per 2048-bit key. The
    consistency check below is what keeps an RSA key safe to hand to OpenSSL; primality adds
    nothing for a key that matches its certificate (validation checks the pair).
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


def _name(friendly_name: bytes | None) -> str | None:
    return friendly_name.decode("utf-8", "replace") if friendly_name is not None else None


# --------------------------------------------------------------------------- pairing


def _pair_entries(
    key_bags: Sequence[_KeyBag], certificates: Sequence[crypto_pkcs12.PKCS12Certificate]
) -> list[KeystoreEntry]:
    unpaired = list(range(len(certificates)))
    paired: list[tuple[_KeyBag, int | None]] = []
    for key_bag in key_bags:
        index = _matching_certificate(key_bag, certificates, unpaired)
        if index is not None:
            unpaired.remove(index)
        paired.append((key_bag, index))
    entries = [
        KeystoreEntry(
            alias=key_bag.friendly_name or (_name(certificates[index].friendly_name) if index is not None else None),
            local_key_id=key_bag.local_key_id,
            certificate=certificates[index].certificate if index is not None else None,
            private_key=key_bag.key,
            key_left_encrypted=key_bag.key is None,
        )
        for key_bag, index in paired
    ]
    for index in unpaired:
        alias, certificate = _name(certificates[index].friendly_name), certificates[index].certificate
        entries.append(KeystoreEntry(alias, None, certificate, trusted=_is_trusted_alias(alias, certificate)))
    return entries


def _matching_certificate(
    key_bag: _KeyBag, certificates: Sequence[crypto_pkcs12.PKCS12Certificate], candidates: list[int]
) -> int | None:
    if key_bag.friendly_name is not None:
        for index in candidates:
            if _name(certificates[index].friendly_name) == key_bag.friendly_name:
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


def public_key_der(public_key: object) -> bytes:
    """SubjectPublicKeyInfo DER of a public key, to compare keys."""
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --------------------------------------------------------------------------- writing


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
