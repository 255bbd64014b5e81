"""Read and re-encrypt PKCS#12 keystores, keeping every SafeBag (no Django).

``cryptography``'s PKCS#12 loader keeps only the first private key, while an eHealth keystore
holds several (``authentication`` plus encryption keys), so this module walks the
AuthenticatedSafe itself with ``asn1crypto``:

* the MAC is checked first (PKCS#12 KDF, RFC 7292 appendix B), so a wrong password is reported
  as such before anything is decrypted;
* encrypted SafeContents and pkcs8ShroudedKeyBags are decrypted with PBES2 (PBKDF2 + AES/3DES)
  or the PKCS#12 PBE schemes (SHA-1 + 3DES or RC2; RC2 is implemented here because
  ``cryptography`` only offers 128-bit RC2 keys, not the RC2-40 legacy Java files use);
* key and certificate bags are paired into :class:`KeystoreEntry` objects by localKeyId;
* a caller that needs only some private keys (validation needs the authentication key) can leave
  the others encrypted, choosing by each key bag's plaintext friendlyName: every derivation of
  the legacy layout costs 50,000 to 100,000 hash iterations.

The PKCS#12 KDF runs in C through libcrypto when it can (:mod:`ehealth_certs.pkcs12_kdf`).

Passwords follow Java: BMPString with a trailing NUL for the PKCS#12 KDF, UTF-8 for PBKDF2.
Every failure, whatever the input bytes, is a :class:`Pkcs12Error`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ehealth_certs import pkcs12_kdf

MAX_ITERATIONS = 10_000_000
"""Larger iteration counts are refused: a hostile file must not burn CPU for minutes."""
MAX_TOTAL_ITERATIONS = 2 * MAX_ITERATIONS
"""Key-derivation work allowed for one keystore (sum of iterations x hash blocks)."""
MAX_BAGS = 100
"""An eHealth keystore holds about a dozen SafeBags; loading each RSA key costs milliseconds."""

WRITE_ITERATIONS = 10_000
"""Iteration count of keystores written here (Java 17 default)."""

_TRUSTED_KEY_USAGE_OID = "2.16.840.1.113894.746875.1.1"  # Java: a trustedCertEntry
_ANY_EXTENDED_KEY_USAGE_OID = "2.5.29.37.0"

_KEY_ID, _IV_ID, _MAC_ID = 1, 2, 3  # PKCS#12 KDF purposes (RFC 7292 B.3)


class Pkcs12Error(Exception):
    """The keystore cannot be read or written."""


class NotPkcs12Error(Pkcs12Error):
    """The bytes are not a (supported, sane) PKCS#12 keystore."""


class WrongPasswordError(Pkcs12Error):
    """The password does not open the keystore."""


@dataclass(frozen=True)
class KeystoreEntry:
    """A private key with its certificate, or a certificate alone.

    ``trusted`` marks a certificate-only entry that Java lists as a ``trustedCertEntry`` (it
    carries Oracle's trusted-key-usage attribute); other certificate-only entries are chain
    certificates, which Java writes once per key entry.
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


@dataclass(frozen=True)
class _Bag:
    """A key or certificate SafeBag; ``der`` is the exact plaintext (PKCS#8 or X.509).

    A pkcs8ShroudedKeyBag not decrypted yet has ``shrouded`` set, and no ``der`` nor ``value``.
    """

    der: bytes
    value: PrivateKeyTypes | x509.Certificate | None
    attributes: asn1_pkcs12.Attributes | None
    shrouded: keys.EncryptedPrivateKeyInfo | None = None

    @property
    def is_key(self) -> bool:
        return not isinstance(self.value, x509.Certificate)

    def _attribute(self, name: str) -> object:
        for attribute in self.attributes or ():
            if attribute["type"].native == name and len(attribute["values"]):
                return attribute["values"][0].native
        return None

    @property
    def trusted(self) -> bool:
        return self._attribute("trusted_key_usage") is not None

    @property
    def friendly_name(self) -> str | None:
        value = self._attribute("friendly_name")
        return value if isinstance(value, str) else None

    @property
    def local_key_id(self) -> bytes | None:
        value = self._attribute("local_key_id")
        return value if isinstance(value, bytes) else None


@dataclass
class _Contents:
    bags: list[_Bag] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    certificates: dict[bytes, x509.Certificate] = field(default_factory=dict)  # by DER: Java repeats chains


@dataclass
class _Budget:
    """Key-derivation work left for one keystore."""

    remaining: int = MAX_TOTAL_ITERATIONS

    def spend(self, iterations: int, blocks: int = 1) -> None:
        if not 1 <= iterations <= MAX_ITERATIONS:
            raise NotPkcs12Error(f"unreasonable iteration count: {iterations}")
        self.remaining -= iterations * blocks
        if self.remaining < 0:
            raise NotPkcs12Error("the keystore asks for too much key-derivation work")


# --------------------------------------------------------------------------- public API


def read_keystore(
    data: bytes, password: str, *, decrypt_key: Callable[[str], bool] | None = None
) -> list[KeystoreEntry]:
    """Every entry of the keystore, in file order (order of each entry's first bag).

    The MAC is always verified. With ``decrypt_key``, a pkcs8ShroudedKeyBag is decrypted only
    when ``decrypt_key(its friendlyName)`` is true; the others give entries with
    ``key_left_encrypted`` (and their certificate). A key bag without a friendlyName, or whose
    localKeyId no certificate bag shares, is always decrypted: pairing it may need its public key.
    """
    return _pair_entries(_read_contents(data, password, decrypt_key).bags)


def change_password(data: bytes, old_password: str, new_password: str) -> bytes:
    """Re-encrypt the keystore under ``new_password``, keeping every key, certificate and attribute.

    The result uses the modern Java layout; it is reopened with the new password (and checked
    to refuse the old one) before being returned.
    """
    _check_writable_password(new_password)
    contents = _read_contents(data, old_password)
    if contents.unsupported:
        kinds = ", ".join(sorted(set(contents.unsupported)))
        raise Pkcs12Error(f"the keystore holds entries that cannot be re-encrypted: {kinds}")
    try:
        result = _encode_pfx(contents.bags, new_password)
    except Exception as exc:  # attributes come from the input file and may be odd
        raise Pkcs12Error("the keystore could not be re-encrypted") from exc
    _check_rewritten(result, contents.bags, old_password, new_password)
    return result


def build_keystore(entries: Iterable[KeystoreEntry], password: str) -> bytes:
    """Write entries as a modern-layout keystore (PBES2/AES-256, HMAC-SHA256 MAC).

    Each entry gets friendlyName (its alias, if any) and localKeyId (given, or for a key entry
    the SHA-1 of its certificate); ``trusted`` certificate entries get Java's trusted-key-usage
    attribute. Key and certificate are not checked against each other (tests use this to build
    a mismatched keystore).
    """
    _check_writable_password(password)
    bags: list[_Bag] = []
    for entry in entries:
        bags.extend(_entry_bags(entry))
    return _encode_pfx(bags, password)


# --------------------------------------------------------------------------- reading


def _read_contents(data: bytes, password: str, decrypt_key: Callable[[str], bool] | None = None) -> _Contents:
    try:
        return _decode(data, password, decrypt_key)
    except Pkcs12Error:
        raise
    except Exception as exc:  # asn1crypto/cryptography raise many types on hostile input
        raise NotPkcs12Error("malformed PKCS#12 keystore") from exc


def _decode(data: bytes, password: str, decrypt_key: Callable[[str], bool] | None) -> _Contents:
    pfx = asn1_pkcs12.Pfx.load(bytes(data), strict=True)
    if pfx["version"].native != "v3":
        raise NotPkcs12Error("not a PKCS#12 v3 keystore")
    auth_safe = pfx["auth_safe"]
    if auth_safe["content_type"].native != "data":
        raise NotPkcs12Error("unsupported AuthenticatedSafe content type")
    safe_der = auth_safe["content"].native
    budget = _Budget()
    mac_data = pfx["mac_data"]
    if mac_data.native is not None:
        _verify_mac(mac_data, safe_der, password, budget)
    contents = _Contents()
    for content_info in asn1_pkcs12.AuthenticatedSafe.load(safe_der, strict=True):
        safe_contents_der = _open_content_info(content_info, password, budget)
        _decode_safe_contents(safe_contents_der, contents)
    _decrypt_keys(contents, password, budget, decrypt_key)
    return contents


def _verify_mac(mac_data: asn1_pkcs12.MacData, safe_der: bytes, password: str, budget: _Budget) -> None:
    hash_name = mac_data["mac"]["digest_algorithm"]["algorithm"].native
    if hash_name not in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        raise NotPkcs12Error(f"unsupported MAC algorithm: {hash_name}")
    expected = mac_data["mac"]["digest"].native
    salt = mac_data["mac_salt"].native
    iterations = mac_data["iterations"].native
    for secret in _pkcs12_password_candidates(password):
        key = _pkcs12_kdf(hash_name, secret, salt, _MAC_ID, iterations, hashlib.new(hash_name).digest_size, budget)
        if hmac.compare_digest(hmac.new(key, safe_der, hash_name).digest(), expected):
            return
    raise WrongPasswordError("wrong password (MAC verification failed)")


def _pkcs12_password_candidates(password: str) -> list[bytes]:
    """Java/OpenSSL encoding; an empty password is also tried as no bytes at all (OpenSSL quirk)."""
    candidates = [_bmp_password(password)]
    if not password:
        candidates.append(b"")
    return candidates


def _bmp_password(password: str) -> bytes:
    try:
        return password.encode("utf-16-be") + b"\x00\x00"
    except UnicodeEncodeError as exc:
        raise WrongPasswordError("the password cannot be encoded") from exc


def _utf8_password(password: str) -> bytes:
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WrongPasswordError("the password cannot be encoded") from exc


def _open_content_info(content_info: cms.ContentInfo, password: str, budget: _Budget) -> bytes:
    content_type = content_info["content_type"].native
    if content_type == "data":
        return content_info["content"].native
    if content_type == "encrypted_data":
        encrypted = content_info["content"]["encrypted_content_info"]
        if encrypted["content_type"].native != "data":
            raise NotPkcs12Error("unsupported encrypted content type")
        return _decrypt(
            encrypted["content_encryption_algorithm"], encrypted["encrypted_content"].native, password, budget
        )
    raise NotPkcs12Error(f"unsupported SafeContents wrapper: {content_type}")


def _decode_safe_contents(der: bytes, contents: _Contents) -> None:
    for bag in asn1_pkcs12.SafeContents.load(der, strict=True):
        if len(contents.bags) + len(contents.unsupported) >= MAX_BAGS:
            raise NotPkcs12Error(f"more than {MAX_BAGS} SafeBags")
        bag_id = bag["bag_id"].native
        attributes = bag["bag_attributes"] if bag["bag_attributes"].native is not None else None
        if bag_id == "pkcs8_shrouded_key_bag":
            contents.bags.append(_Bag(b"", None, attributes, shrouded=bag["bag_value"]))
        elif bag_id == "key_bag":
            pkcs8 = bag["bag_value"].dump()
            contents.bags.append(_Bag(pkcs8, _load_private_key(pkcs8), attributes))
        elif bag_id == "cert_bag" and bag["bag_value"]["cert_id"].native == "x509":
            cert_der = bytes(bag["bag_value"]["cert_value"])  # as stored: re-encoding it costs up to 5 ms
            if cert_der not in contents.certificates:
                contents.certificates[cert_der] = _load_certificate(cert_der)
            contents.bags.append(_Bag(cert_der, contents.certificates[cert_der], attributes))
        else:
            contents.unsupported.append(str(bag_id))


def _decrypt_keys(
    contents: _Contents, password: str, budget: _Budget, decrypt_key: Callable[[str], bool] | None
) -> None:
    """Decrypt the shrouded key bags, or those ``decrypt_key`` asks for (see :func:`read_keystore`)."""
    certificate_ids = {bag.local_key_id for bag in contents.bags if not bag.is_key} - {None}
    for index, bag in enumerate(contents.bags):
        if bag.shrouded is None:
            continue
        name = bag.friendly_name
        if decrypt_key is None or name is None or bag.local_key_id not in certificate_ids or decrypt_key(name):
            info = bag.shrouded
            pkcs8 = _decrypt(info["encryption_algorithm"], info["encrypted_data"].native, password, budget)
            contents.bags[index] = _Bag(pkcs8, _load_private_key(pkcs8), bag.attributes)


def _load_certificate(der: bytes) -> x509.Certificate:
    certificate = x509.load_der_x509_certificate(der)
    # cryptography parses some fields lazily: fail now rather than when a caller reads them
    certificate.subject, certificate.issuer, certificate.serial_number  # noqa: B018
    certificate.not_valid_before_utc, certificate.not_valid_after_utc  # noqa: B018
    return certificate


def _load_private_key(pkcs8: bytes) -> PrivateKeyTypes:
    keys.PrivateKeyInfo.load(pkcs8, strict=True)  # a wrong key decrypts to garbage: fail here
    # OpenSSL's own RSA check tests p and q for primality: about 50 ms per 2048-bit key, two thirds
    # of a keystore's validation. The consistency check below is what keeps an RSA key safe to hand
    # to OpenSSL; primality adds nothing for a key that matches its certificate, since a CA-signed
    # modulus has no factorisation other than its two primes (validation checks the pair).
    key = serialization.load_der_private_key(pkcs8, password=None, unsafe_skip_rsa_key_validation=True)
    if isinstance(key, rsa.RSAPrivateKey):
        _check_rsa_key(key.private_numbers())
    return key


def _check_rsa_key(numbers: rsa.RSAPrivateNumbers) -> None:
    """RSA_check_key's checks but primality: n = pq, e and d inverse modulo lcm(p-1, q-1), CRT values.

    ValueError when they do not hold (reported as a malformed keystore).
    """
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
        raise ValueError("inconsistent RSA private key")


# --------------------------------------------------------------------------- pairing


def _pair_entries(bags: Sequence[_Bag]) -> list[KeystoreEntry]:
    cert_indexes = [i for i, bag in enumerate(bags) if not bag.is_key]
    paired: dict[int, int] = {}  # cert bag index -> key bag index
    for key_index, key_bag in enumerate(bags):
        if key_bag.is_key:
            cert_index = _matching_certificate(key_bag, bags, [i for i in cert_indexes if i not in paired])
            if cert_index is not None:
                paired[cert_index] = key_index
    positioned: list[tuple[int, KeystoreEntry]] = []
    for key_index, key_bag in enumerate(bags):
        if key_bag.is_key:
            cert_index = next((c for c, k in paired.items() if k == key_index), None)
            cert_bag = bags[cert_index] if cert_index is not None else None
            position = min(key_index, cert_index if cert_index is not None else key_index)
            positioned.append((position, _entry(key_bag, cert_bag)))
    for cert_index in cert_indexes:
        if cert_index not in paired:
            positioned.append((cert_index, _entry(None, bags[cert_index])))
    return [entry for _, entry in sorted(positioned, key=lambda item: item[0])]


def _matching_certificate(key_bag: _Bag, bags: Sequence[_Bag], candidates: list[int]) -> int | None:
    matchers: list[Callable[[_Bag], bool]] = []
    if key_bag.local_key_id is not None:
        matchers.append(lambda cert: cert.local_key_id == key_bag.local_key_id)
    if key_bag.friendly_name is not None:
        matchers.append(lambda cert: cert.friendly_name == key_bag.friendly_name)
    if key_bag.value is not None:  # a key left encrypted is paired by its attributes only
        matchers.append(lambda cert: _same_public_key(key_bag.value, cert.value))
    for matches in matchers:
        for index in candidates:
            if matches(bags[index]):
                return index
    return None


def _same_public_key(private_key: object, certificate: object) -> bool:
    try:
        return public_key_der(private_key.public_key()) == public_key_der(certificate.public_key())  # type: ignore[attr-defined]
    except Exception:  # unsupported key types simply do not match
        return False


def public_key_der(public_key: object) -> bytes:
    """SubjectPublicKeyInfo DER of a public key, to compare keys."""
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _entry(key_bag: _Bag | None, cert_bag: _Bag | None) -> KeystoreEntry:
    named = [bag for bag in (key_bag, cert_bag) if bag is not None]
    return KeystoreEntry(
        alias=next((bag.friendly_name for bag in named if bag.friendly_name is not None), None),
        local_key_id=next((bag.local_key_id for bag in named if bag.local_key_id is not None), None),
        certificate=cert_bag.value if cert_bag is not None else None,  # type: ignore[arg-type]
        private_key=key_bag.value if key_bag is not None else None,  # type: ignore[arg-type]
        trusted=key_bag is None and cert_bag is not None and cert_bag.trusted,
        key_left_encrypted=key_bag is not None and key_bag.value is None,
    )


# --------------------------------------------------------------------------- decryption


def _decrypt(algorithm: algos.EncryptionAlgorithm, ciphertext: bytes, password: str, budget: _Budget) -> bytes:
    name = algorithm["algorithm"].native
    if name == "pbes2":
        decrypt, key, iv = _pbes2_cipher(algorithm["parameters"], password, budget)
    elif name in _PKCS12_PBE:
        key_length, decrypt = _PKCS12_PBE[name]
        params = algorithm["parameters"]
        salt, iterations = params["salt"].native, params["iterations"].native
        secret = _bmp_password(password)
        key = _pkcs12_kdf("sha1", secret, salt, _KEY_ID, iterations, key_length, budget)
        iv = _pkcs12_kdf("sha1", secret, salt, _IV_ID, iterations, 8, budget)
    else:
        raise NotPkcs12Error(f"unsupported encryption algorithm: {name}")
    block_size = len(iv)
    if not ciphertext or len(ciphertext) % block_size:
        raise NotPkcs12Error("encrypted content is not a whole number of blocks")
    return _unpad(decrypt(key, iv, ciphertext), block_size)


_PBES2_CIPHERS: dict[str, tuple[int, int]] = {  # name -> (key length, IV length)
    "aes128_cbc": (16, 16),
    "aes192_cbc": (24, 16),
    "aes256_cbc": (32, 16),
    "tripledes_3key": (24, 8),
}


def _pbes2_cipher(
    params: algos.Pbes2Params, password: str, budget: _Budget
) -> tuple[Callable[[bytes, bytes, bytes], bytes], bytes, bytes]:
    kdf, scheme = params["key_derivation_func"], params["encryption_scheme"]
    if kdf["algorithm"].native != "pbkdf2":
        raise NotPkcs12Error("unsupported PBES2 key derivation")
    cipher_name = scheme["algorithm"].native
    if cipher_name not in _PBES2_CIPHERS:
        raise NotPkcs12Error(f"unsupported PBES2 cipher: {cipher_name}")
    key_length, iv_length = _PBES2_CIPHERS[cipher_name]
    iv = scheme["parameters"].native
    kdf_params = kdf["parameters"]
    salt = kdf_params["salt"].native
    iterations = kdf_params["iteration_count"].native
    prf = kdf_params["prf"]["algorithm"].native
    if kdf_params["key_length"].native not in (None, key_length):
        raise NotPkcs12Error("PBES2 key length does not match the cipher")
    if not isinstance(iv, bytes) or len(iv) != iv_length or not isinstance(salt, bytes):
        raise NotPkcs12Error("malformed PBES2 parameters")
    if prf not in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        raise NotPkcs12Error(f"unsupported PBKDF2 PRF: {prf}")
    budget.spend(iterations, -(-key_length // hashlib.new(prf).digest_size))
    key = hashlib.pbkdf2_hmac(prf, _utf8_password(password), salt, iterations, key_length)
    decrypt = _aes_cbc_decrypt if cipher_name.startswith("aes") else _tripledes_cbc_decrypt
    return decrypt, key, iv


def _unpad(padded: bytes, block_size: int) -> bytes:
    pad = padded[-1]
    if not 1 <= pad <= block_size or padded[-pad:] != bytes([pad]) * pad:
        raise WrongPasswordError("decryption failed: wrong password")
    return padded[:-pad]


def _cbc(algorithm: algorithms.BlockCipherAlgorithm, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(algorithm, modes.CBC(iv))
    context = cipher.encryptor() if encrypt else cipher.decryptor()
    return context.update(data) + context.finalize()


def _aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    return _cbc(algorithms.AES(key), iv, data, encrypt=False)


def _tripledes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    return _cbc(TripleDES(key), iv, data, encrypt=False)


def _pkcs12_kdf(
    hash_name: str, secret: bytes, salt: bytes, purpose: int, iterations: int, length: int, budget: _Budget
) -> bytes:
    """RFC 7292 appendix B.2 key derivation, its work checked against the budget first."""
    if not isinstance(salt, bytes) or not isinstance(iterations, int):
        raise NotPkcs12Error("malformed key-derivation parameters")
    budget.spend(iterations, -(-length // hashlib.new(hash_name).digest_size))
    return pkcs12_kdf.derive(hash_name, secret, salt, purpose, iterations, length)


# RC2 (RFC 2268), decryption only: legacy Java encrypts certificates with PBE-SHA1-RC2-40.
_RC2_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)


def _rc2_expand_key(key: bytes, effective_bits: int) -> list[int]:
    expanded = bytearray(key) + bytearray(128 - len(key))
    for i in range(len(key), 128):
        expanded[i] = _RC2_PITABLE[(expanded[i - 1] + expanded[i - len(key)]) & 0xFF]
    t8 = (effective_bits + 7) // 8
    expanded[128 - t8] = _RC2_PITABLE[expanded[128 - t8] & (0xFF >> (8 * t8 - effective_bits))]
    for i in range(127 - t8, -1, -1):
        expanded[i] = _RC2_PITABLE[expanded[i + 1] ^ expanded[i + t8]]
    return [expanded[2 * i] | expanded[2 * i + 1] << 8 for i in range(64)]


def _rc2_decrypt_words(k: list[int], r0: int, r1: int, r2: int, r3: int) -> tuple[int, int, int, int]:
    """One block as four 16-bit words, unrolled (16 mixing rounds and 2 mashings, in reverse)."""
    j = 63
    for rounds in (5, 6, 5):
        for _ in range(rounds):
            r3 = ((r3 >> 5) | (r3 << 11)) & 0xFFFF
            r3 = (r3 - k[j] - (r2 & r1) - (~r2 & r0)) & 0xFFFF
            r2 = ((r2 >> 3) | (r2 << 13)) & 0xFFFF
            r2 = (r2 - k[j - 1] - (r1 & r0) - (~r1 & r3)) & 0xFFFF
            r1 = ((r1 >> 2) | (r1 << 14)) & 0xFFFF
            r1 = (r1 - k[j - 2] - (r0 & r3) - (~r0 & r2)) & 0xFFFF
            r0 = ((r0 >> 1) | (r0 << 15)) & 0xFFFF
            r0 = (r0 - k[j - 3] - (r3 & r2) - (~r3 & r1)) & 0xFFFF
            j -= 4
        if j > 0:  # r-mashing after the 5th and 11th mixing rounds
            r3 = (r3 - k[r2 & 63]) & 0xFFFF
            r2 = (r2 - k[r1 & 63]) & 0xFFFF
            r1 = (r1 - k[r0 & 63]) & 0xFFFF
            r0 = (r0 - k[r3 & 63]) & 0xFFFF
    return r0, r1, r2, r3


def _rc2_cbc_decrypt(key: bytes, iv: bytes, data: bytes, effective_bits: int) -> bytes:
    expanded = _rc2_expand_key(key, effective_bits)
    count = len(data) // 2  # RC2 works on little-endian 16-bit words
    words = struct.unpack(f"<{count}H", data)
    previous = struct.unpack("<4H", iv)
    output: list[int] = []
    for start in range(0, count, 4):
        block = words[start : start + 4]
        r0, r1, r2, r3 = _rc2_decrypt_words(expanded, *block)
        output += (r0 ^ previous[0], r1 ^ previous[1], r2 ^ previous[2], r3 ^ previous[3])
        previous = block
    return struct.pack(f"<{count}H", *output)


_PKCS12_PBE: dict[str, tuple[int, Callable[[bytes, bytes, bytes], bytes]]] = {  # name -> (key length, decrypt)
    "pkcs12_sha1_tripledes_3key": (24, _tripledes_cbc_decrypt),
    "pkcs12_sha1_tripledes_2key": (16, _tripledes_cbc_decrypt),
    "pkcs12_sha1_rc2_128": (16, lambda key, iv, data: _rc2_cbc_decrypt(key, iv, data, 128)),
    "pkcs12_sha1_rc2_40": (5, lambda key, iv, data: _rc2_cbc_decrypt(key, iv, data, 40)),
}


# --------------------------------------------------------------------------- writing


def _check_writable_password(password: str) -> None:
    if not password or not password.isascii():
        raise Pkcs12Error("a keystore password must be non-empty ASCII (Java refuses anything else)")


def _entry_bags(entry: KeystoreEntry) -> list[_Bag]:
    certificate, private_key = entry.certificate, entry.private_key
    if private_key is None:
        if certificate is None:
            raise Pkcs12Error("an entry needs a private key or a certificate")
        attributes = _attributes(entry.alias, entry.local_key_id, entry.trusted)
        return [_Bag(_cert_der(certificate), certificate, attributes)]
    local_key_id = entry.local_key_id
    if local_key_id is None and certificate is not None:
        local_key_id = hashlib.sha1(_cert_der(certificate)).digest()
    attributes = _attributes(entry.alias, local_key_id, trusted=False)
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    bags = [_Bag(pkcs8, private_key, attributes)]
    if certificate is not None:
        bags.append(_Bag(_cert_der(certificate), certificate, attributes))
    return bags


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


def _encode_pfx(bags: Sequence[_Bag], password: str) -> bytes:
    """Java 17 layout: shrouded keys, then certificates in a PBES2-encrypted SafeContents."""
    key_bags = [_safe_bag("pkcs8_shrouded_key_bag", _shroud(bag.der, password), bag) for bag in bags if bag.is_key]
    cert_bags = [
        _safe_bag("cert_bag", {"cert_id": "x509", "cert_value": asn1_x509.Certificate.load(bag.der)}, bag)
        for bag in bags
        if not bag.is_key
    ]
    content_infos = []
    if key_bags:
        content_infos.append(_data_content_info(asn1_pkcs12.SafeContents(key_bags).dump()))
    if cert_bags:
        encrypted = _pbes2_encrypt(asn1_pkcs12.SafeContents(cert_bags).dump(), password)
        content_infos.append(
            cms.ContentInfo(
                {
                    "content_type": "encrypted_data",
                    "content": cms.EncryptedData(
                        {
                            "version": "v0",
                            "encrypted_content_info": {
                                "content_type": "data",
                                "content_encryption_algorithm": encrypted[0],
                                "encrypted_content": encrypted[1],
                            },
                        }
                    ),
                }
            )
        )
    safe_der = asn1_pkcs12.AuthenticatedSafe(content_infos).dump()
    return asn1_pkcs12.Pfx(
        {"version": "v3", "auth_safe": _data_content_info(safe_der), "mac_data": _mac_data(safe_der, password)}
    ).dump()


def _safe_bag(bag_id: str, value: object, bag: _Bag) -> asn1_pkcs12.SafeBag:
    safe_bag = {"bag_id": bag_id, "bag_value": value}
    if bag.attributes is not None:
        safe_bag["bag_attributes"] = bag.attributes
    return asn1_pkcs12.SafeBag(safe_bag)


def _data_content_info(der: bytes) -> cms.ContentInfo:
    return cms.ContentInfo({"content_type": "data", "content": core.OctetString(der)})


def _shroud(pkcs8: bytes, password: str) -> keys.EncryptedPrivateKeyInfo:
    algorithm, ciphertext = _pbes2_encrypt(pkcs8, password)
    return keys.EncryptedPrivateKeyInfo({"encryption_algorithm": algorithm, "encrypted_data": ciphertext})


def _pbes2_encrypt(plaintext: bytes, password: str) -> tuple[algos.EncryptionAlgorithm, bytes]:
    salt, iv = os.urandom(20), os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", password.encode("ascii"), salt, WRITE_ITERATIONS, 32)
    pad = 16 - len(plaintext) % 16
    ciphertext = _cbc(algorithms.AES(key), iv, plaintext + bytes([pad]) * pad, encrypt=True)
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


def _mac_data(safe_der: bytes, password: str) -> asn1_pkcs12.MacData:
    salt = os.urandom(20)
    key = _pkcs12_kdf("sha256", _bmp_password(password), salt, _MAC_ID, WRITE_ITERATIONS, 32, _Budget())
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


def _check_rewritten(result: bytes, original: Sequence[_Bag], old_password: str, new_password: str) -> None:
    reopened = _read_contents(result, new_password).bags

    def signature(bags: Iterable[_Bag]) -> list[tuple[bool, bytes, bytes]]:
        return sorted((bag.is_key, bag.der, bag.attributes.dump() if bag.attributes else b"") for bag in bags)

    if signature(reopened) != signature(original):
        raise Pkcs12Error("the re-encrypted keystore does not hold the same entries")
    if old_password != new_password:
        try:
            _read_contents(result, old_password)
        except WrongPasswordError:
            return
        raise Pkcs12Error("the re-encrypted keystore still opens with the old password")
