"""The challenge the card signs: the PKCS#11 mechanism to ask for, and checking its signature.

Per key type (RSA, EC), the first mechanism the card offers that yields a SHA-256 signature of
the challenge; the signature is verified with the certificate's public key by `cryptography`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

import PyKCS11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.utils.translation import gettext_lazy as _

from .errors import SignatureInvalidError, TokenError

_SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")

Prepare = Callable[[bytes], bytes]


def _unchanged(challenge: bytes) -> bytes:
    return challenge


def _sha256(challenge: bytes) -> bytes:
    return hashlib.sha256(challenge).digest()


def _sha256_digest_info(challenge: bytes) -> bytes:
    return _SHA256_DIGEST_INFO_PREFIX + _sha256(challenge)


# Per key type, in order of preference: the mechanism and what to hand the token so that the
# result is a SHA-256 signature of the challenge (PKCS#1 v1.5 for RSA, ECDSA for EC keys).
_RSA_METHODS: tuple[tuple[int, Prepare], ...] = (
    (PyKCS11.CKM_SHA256_RSA_PKCS, _unchanged),
    (PyKCS11.CKM_RSA_PKCS, _sha256_digest_info),
)
_EC_METHODS: tuple[tuple[int, Prepare], ...] = (
    (PyKCS11.CKM_ECDSA_SHA256, _unchanged),
    (PyKCS11.CKM_ECDSA, _sha256),
)


SigningKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def signing_key(certificate: x509.Certificate) -> SigningKey:
    public_key = certificate.public_key()
    if not isinstance(public_key, SigningKey):
        raise TokenError(_("The Authentication key type is not supported."))
    return public_key


def signing_method(public_key: SigningKey, supported: set[str]) -> tuple[int, Prepare]:
    methods = _RSA_METHODS if isinstance(public_key, rsa.RSAPublicKey) else _EC_METHODS
    for mechanism, prepare in methods:
        if PyKCS11.CKM[mechanism] in supported:
            return mechanism, prepare
    raise TokenError(
        _("The card offers no supported signature mechanism."), detail=", ".join(sorted(supported))
    )


def verify(public_key: SigningKey, signature: bytes, challenge: bytes) -> None:
    """Check a SHA-256 signature of the challenge made by a :func:`signing_method`."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(_ecdsa_der(signature), challenge, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise SignatureInvalidError() from exc


def _ecdsa_der(raw_signature: bytes) -> bytes:
    """PKCS#11 returns ECDSA signatures as r || s; cryptography wants DER."""
    half = len(raw_signature) // 2
    r = int.from_bytes(raw_signature[:half], "big")
    s = int.from_bytes(raw_signature[half:], "big")
    return encode_dss_signature(r, s)
