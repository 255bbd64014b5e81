"""Encryption at rest (Fernet with rotation) and the key settings."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings

from ehealth_certs.lifecycle import storage

KEYSTORE = b"0\x82\x1f\x00 pretend keystore bytes"


def test_encrypted_bytes_differ_from_the_keystore_and_decrypt_back():
    token = storage.encrypt(KEYSTORE)

    assert KEYSTORE not in token
    assert storage.decrypt(token) == KEYSTORE


def test_rotation_new_key_first_old_keys_still_decrypt(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KEYSTORE_ENCRYPTION_KEY = [old]
    token = storage.encrypt(KEYSTORE)

    settings.KEYSTORE_ENCRYPTION_KEY = [new, old]
    assert storage.decrypt(token) == KEYSTORE
    rotated = storage.reencrypt(token)
    assert Fernet(new).decrypt(rotated) == KEYSTORE

    settings.KEYSTORE_ENCRYPTION_KEY = [new]
    assert storage.decrypt(rotated) == KEYSTORE
    with pytest.raises(storage.KeystoreDecryptionError):
        storage.decrypt(token)


def settings_error(**env: str) -> str:
    """Import the settings in a fresh process with this environment; the error output ('' when fine)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("KEYSTORE_", "EHEALTH_"))}
    environment.update(
        DEBUG="false", SECRET_KEY="s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz", ALLOWED_HOSTS="oxygen.example",
        CACHE_URL="redis://127.0.0.1:6379/1",
        **env,
    )  # fmt: skip
    completed = subprocess.run(
        [sys.executable, "-c", "import oxygen.settings"],
        cwd=Path(django_settings.BASE_DIR), env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return completed.stderr


@pytest.mark.slow
def test_production_settings_require_an_encryption_key():
    error = settings_error()
    assert "ImproperlyConfigured" in error and "KEYSTORE_ENCRYPTION_KEY must be set" in error


@pytest.mark.slow
def test_production_settings_refuse_a_malformed_key_without_echoing_it():
    error = settings_error(KEYSTORE_ENCRYPTION_KEY=f"{Fernet.generate_key().decode()},not-a-key-xyz")
    assert "key number 2 is not a Fernet key" in error and "not-a-key-xyz" not in error


@pytest.mark.slow
def test_production_settings_accept_a_key_list_and_check_the_environment():
    key = Fernet.generate_key().decode()
    assert settings_error(KEYSTORE_ENCRYPTION_KEY=key) == ""
    assert "EHEALTH_ENVIRONMENT must be" in settings_error(KEYSTORE_ENCRYPTION_KEY=key, EHEALTH_ENVIRONMENT="test")
