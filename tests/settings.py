"""The test suite's settings: the project's, with DEBUG on and a keystore key made for this run.

DEBUG is off by default and no keystore key is derived outside the demo, so the environment is
set before the project's settings are read; the commands the tests run in subprocesses inherit it.
"""
import os

from cryptography.fernet import Fernet

os.environ.setdefault("DEBUG", "True")
os.environ.setdefault("KEYSTORE_ENCRYPTION_KEY", Fernet.generate_key().decode())

from oxygen.settings import *  # noqa: E402,F403

# Tests make users by the hundred and no test is about the hash: a fast hasher instead of Django's
# PBKDF2, slow on purpose. Production settings are tested in child processes with oxygen.settings
# (tests/production.py); PBKDF2 stays listed so that a test whose user logs in to such a process
# (the smoke stack) can hash that user's password the way production reads it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
