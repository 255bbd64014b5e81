"""Encryption at rest of stored keystores (Fernet, with key rotation).

``KEYSTORE_ENCRYPTION_KEY`` lists Fernet keys: the first encrypts, every one decrypts. To rotate,
put a new key first, run :func:`reencrypt` over the stored keystores, then drop the old key.
"""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class KeystoreDecryptionError(Exception):
    """No configured key opens the stored keystore (a key was dropped too early?)."""


def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.KEYSTORE_ENCRYPTION_KEY])


def encrypt(keystore: bytes) -> bytes:
    return _cipher().encrypt(bytes(keystore))


def decrypt(token: bytes) -> bytes:
    try:
        return _cipher().decrypt(bytes(token))
    except InvalidToken:
        raise KeystoreDecryptionError("no configured KEYSTORE_ENCRYPTION_KEY decrypts this keystore") from None


def reencrypt(token: bytes) -> bytes:
    """The same keystore encrypted with the first (current) key."""
    try:
        return _cipher().rotate(bytes(token))
    except InvalidToken:
        raise KeystoreDecryptionError("no configured KEYSTORE_ENCRYPTION_KEY decrypts this keystore") from None
