"""The PKCS#12 key derivation function (RFC 7292 appendix B.2), in C when possible (no Django).

Neither ``hashlib`` nor ``cryptography`` exposes this KDF, and in Python its loop of one hash call
per iteration is the slowest part of reading a keystore (10,000 SHA-256 iterations for the MAC of
a current Java keystore, 100,000 SHA-1 iterations per key for the legacy layout). :func:`derive`
therefore calls ``PKCS12_key_gen_uni`` of the system's libcrypto (the library Python's own ``ssl``
and ``hashlib`` modules link; ``libssl3`` in the Debian-based Docker image) through ``ctypes``,
and falls back to :func:`derive_python` when that library cannot be loaded, does not reproduce a
known answer at load time, or reports a failure.

Callers bound the work (iteration count, output length) before calling: this module checks only
that its arguments are sane for C.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
from collections.abc import Callable

HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})
MAX_LENGTH = 1024
"""Longest output asked for (keys, IVs and MAC keys are at most 64 bytes)."""


# Known answer checked when libcrypto is loaded: derive_python("sha1", BMP "password" + NUL,
# salt 0x01..0x08, purpose 1, 3 iterations, 24 bytes), as `openssl kdf ... PKCS12KDF` gives it.
_CHECK = ("sha1", "password".encode("utf-16-be") + b"\x00\x00", bytes(range(1, 9)), 1, 3, 24)
_CHECK_ANSWER = bytes.fromhex("34c5be6c8b8004c5ae248d8cab59c3a7389477ec69f8c4d5")


def derive(hash_name: str, secret: bytes, salt: bytes, purpose: int, iterations: int, length: int) -> bytes:
    """``length`` bytes of key material for ``purpose`` (1 key, 2 IV, 3 MAC).

    ``secret`` is the password as Java and OpenSSL encode it for this KDF (BMPString with a
    trailing NUL), or no bytes at all.
    """
    _check_arguments(hash_name, secret, salt, purpose, iterations, length)
    key_gen = _libcrypto_key_gen()
    if key_gen is not None:
        out = ctypes.create_string_buffer(length)
        if key_gen(hash_name, secret, salt, purpose, iterations, length, out):
            return out.raw
    return derive_python(hash_name, secret, salt, purpose, iterations, length)


def uses_libcrypto() -> bool:
    """Whether :func:`derive` runs in C here (else every derivation takes the Python fallback)."""
    return _libcrypto_key_gen() is not None


def derive_python(hash_name: str, secret: bytes, salt: bytes, purpose: int, iterations: int, length: int) -> bytes:
    """RFC 7292 appendix B.2 in Python: the fallback, and the reference the C path is tested against."""
    _check_arguments(hash_name, secret, salt, purpose, iterations, length)
    new_hash = getattr(hashlib, hash_name)
    u, v = new_hash().digest_size, new_hash().block_size
    block_count = -(-length // u)

    def stretch(data: bytes) -> bytes:  # copies of data filling a multiple of v bytes
        target = v * -(-len(data) // v)
        return (data * (target // len(data) + 1))[:target] if data else b""

    i_bytes = bytearray(stretch(salt) + stretch(secret))
    diversifier = bytes([purpose]) * v
    output = b""
    for block in range(block_count):
        a = new_hash(diversifier + i_bytes).digest()
        for _ in range(iterations - 1):
            a = new_hash(a).digest()
        output += a
        if block + 1 < block_count:
            b = int.from_bytes((a * (-(-v // u)))[:v], "big")
            for start in range(0, len(i_bytes), v):
                chunk = (int.from_bytes(i_bytes[start : start + v], "big") + b + 1) % (1 << (8 * v))
                i_bytes[start : start + v] = chunk.to_bytes(v, "big")
    return output[:length]


def _check_arguments(hash_name: str, secret: bytes, salt: bytes, purpose: int, iterations: int, length: int) -> None:
    if hash_name not in HASHES:
        raise ValueError(f"unsupported hash for the PKCS#12 KDF: {hash_name}")
    if not isinstance(secret, bytes) or not isinstance(salt, bytes) or max(len(secret), len(salt)) > 2**20:
        raise ValueError("the password and salt must be bytes (at most 1 MiB)")
    if purpose not in (1, 2, 3) or not 1 <= length <= MAX_LENGTH:
        raise ValueError("purpose must be 1, 2 or 3, and length between 1 and 1024")
    if not isinstance(iterations, int) or not 1 <= iterations < 2**31:
        raise ValueError("the iteration count must be a positive C int")


@functools.cache
def _libcrypto_key_gen() -> Callable[..., bool] | None:
    """libcrypto's KDF as a function returning success, or None when it is unusable here."""
    try:
        name = ctypes.util.find_library("crypto")
        if name is None:
            return None
        library = ctypes.CDLL(name)
        key_gen = library.PKCS12_key_gen_uni
        get_digest = library.EVP_get_digestbyname
    except (OSError, AttributeError):  # no libcrypto, or one without these functions
        return None
    key_gen.argtypes = [
        ctypes.c_char_p, ctypes.c_int,  # password (BMPString + NUL), length
        ctypes.c_char_p, ctypes.c_int,  # salt, length
        ctypes.c_int, ctypes.c_int, ctypes.c_int,  # purpose, iterations, output length
        ctypes.c_char_p, ctypes.c_void_p,  # output buffer, const EVP_MD *
    ]  # fmt: skip
    key_gen.restype = ctypes.c_int
    get_digest.argtypes = [ctypes.c_char_p]
    get_digest.restype = ctypes.c_void_p
    digests = {name: get_digest(name.encode("ascii")) for name in HASHES}

    def call(hash_name: str, secret: bytes, salt: bytes, purpose: int, iterations: int, length: int, out) -> bool:
        digest = digests[hash_name]
        if not digest:  # this libcrypto does not offer the hash
            return False
        return key_gen(secret, len(secret), salt, len(salt), purpose, iterations, length, out, digest) == 1

    hash_name, secret, salt, purpose, iterations, length = _CHECK
    out = ctypes.create_string_buffer(length)
    if not call(hash_name, secret, salt, purpose, iterations, length, out) or out.raw != _CHECK_ANSWER:
        return None
    return call
