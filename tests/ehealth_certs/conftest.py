"""Session-wide test PKI and keystores (the factories live in tests/pki.py)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from ehealth_certs.keystore.trust import TrustSettings
from tests import pki
from tests.ocsp_responder import ocsp_responder, silent_responder  # noqa: F401 (fixtures)


@pytest.fixture(scope="session")
def production() -> pki.Pki:
    return pki.production_pki()


@pytest.fixture(scope="session")
def acceptance() -> pki.Pki:
    return pki.acceptance_pki()


@pytest.fixture(scope="session")
def trust(production: pki.Pki, acceptance: pki.Pki) -> TrustSettings:
    """A production installation with both bundles configured."""
    return TrustSettings("production", production_cas=production.bundle, acceptance_cas=acceptance.bundle)


@pytest.fixture(scope="session")
def auth(production: pki.Pki) -> pki.Issued:
    """The practitioner's production authentication certificate (SSIN 85073003328)."""
    return pki.person_certificate(production)


@pytest.fixture(scope="session")
def encryption(auth: pki.Issued) -> list[pki.Issued]:
    return [
        pki.encryption_certificate(auth, key_index=pki.ENCRYPTION_KEY),
        pki.encryption_certificate(auth, key_index=pki.ENCRYPTION_KEY + 1),
    ]


@pytest.fixture(scope="session")
def store_entries(production: pki.Pki, auth: pki.Issued, encryption: list[pki.Issued]) -> list[pki.StoreEntry]:
    """authentication, two encryption keys, two trusted CA entries."""
    return pki.ehealth_entries(production, auth, encryption)


@pytest.fixture(scope="session")
def encryption_first_entries(
    production: pki.Pki, auth: pki.Issued, encryption: list[pki.Issued]
) -> list[pki.StoreEntry]:
    return pki.ehealth_entries(production, auth, encryption, auth_first=False)


@pytest.fixture(scope="session")
def java_keystores(
    store_entries: list[pki.StoreEntry], encryption_first_entries: list[pki.StoreEntry]
) -> dict[str, bytes]:
    """Keystores written by keytool: ``modern`` and ``legacy`` (authentication first) and
    ``legacy-encryption-first`` (the first key is not authentication). Built in parallel: each
    takes five JVM starts."""
    recipes: dict[str, tuple[list[pki.StoreEntry], pki.Layout]] = {
        "modern": (store_entries, "modern"),
        "legacy": (store_entries, "legacy"),
        "legacy-encryption-first": (encryption_first_entries, "legacy"),
    }
    with ThreadPoolExecutor(max_workers=len(recipes)) as executor:
        futures = {
            name: executor.submit(pki.keytool_keystore, entries, layout=layout)
            for name, (entries, layout) in recipes.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="session")
def python_keystore(store_entries: list[pki.StoreEntry]) -> bytes:
    """The same content written by ehealth_certs.keystore.writer.build_keystore (fast)."""
    return pki.python_keystore(store_entries)


@pytest.fixture(scope="session")
def not_keystores(python_keystore: bytes, auth: pki.Issued, encryption: list[pki.Issued]) -> dict[str, bytes]:
    """Files a user might pick instead of the keystore, by label (see pki.NOT_KEYSTORES)."""
    files = _NotKeystores(lambda: pki.jks_keystore(auth.cert))
    files.update({
        "empty": b"",
        "truncated": python_keystore[: len(python_keystore) // 2],
        "one byte short": python_keystore[:-1],
        "trailing garbage": python_keystore + b"\x00",
        "pdf": pki.pdf_bytes(),
        "pem certificate": pki.pem_certificate(auth.cert),
        "der certificate": pki.der_certificate(auth.cert),
        "etk": pki.etk_blob(auth, encryption[0]),
        "random": bytes(range(256)) * 8,
        "huge length": b"\x30\x88\xff\xff\xff\xff\xff\xff\xff\xff\x02\x01\x03",
        "text": b"hello, world",
    })
    assert set(files) | {"jks"} == set(pki.NOT_KEYSTORES)
    return files


class _NotKeystores(dict):
    """The JKS file is written by keytool (a JVM start) the first time a test reads it: the tests
    that do are marked slow (pki.not_keystore_params), the others start no process."""

    def __init__(self, write_jks: Callable[[], bytes]) -> None:
        super().__init__()
        self._write_jks = write_jks

    def __missing__(self, label: str) -> bytes:
        if label != "jks":
            raise KeyError(label)
        self["jks"] = self._write_jks()
        return self["jks"]


@pytest.fixture(scope="session")
def render() -> Callable[[object], str]:
    """Render a lazy message; configures minimal settings when pytest-django is disabled."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    return str


@pytest.fixture
def transactions_open_during_validation(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Filled with ``connection.in_atomic_block`` each time the import service validates a keystore."""
    from django.db import connection

    from ehealth_certs.lifecycle import keystore_import

    seen: list[bool] = []
    validate = keystore_import.validate_keystore

    def observed(*arguments, **options):
        seen.append(connection.in_atomic_block)
        return validate(*arguments, **options)

    monkeypatch.setattr(keystore_import, "validate_keystore", observed)
    return seen
