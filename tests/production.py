"""The project run with production settings in a child process (``manage.py check --deploy``,
probes), on its own SQLite file and cache under a test's tmp_path."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings

from tests.pki import production_pki

BASE_DIR = Path(settings.BASE_DIR)


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """The environment of a production run; None in `overrides` removes a variable."""
    bundle = tmp_path / "ehealth-production-cas.pem"
    bundle.write_bytes(production_pki().bundle_pem())
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SECURE_SSL_REDIRECT"}}
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.be",
        KEYSTORE_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        CACHE_URL=f"filecache://{tmp_path / 'cache'}",
        TRUSTED_PROXY_COUNT="1",
        EHEALTH_CA_BUNDLE_PRODUCTION=str(bundle),
        DJANGO_SETTINGS_MODULE="oxygen.settings",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
