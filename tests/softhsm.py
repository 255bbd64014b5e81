"""SoftHSM2 tokens that look like a Belgian eID card, for tests.

The fixtures are the eID tests' (tests/eid/conftest.py)::

    def test_something(softhsm_token):
        holder = read_authentication_certificate(softhsm_token.module_path)

``softhsm_token`` is a token labelled "BELPIC" (PIN 1234) holding an "Authentication" and a
"Signature" RSA 2048 key pair + certificate (CKA_ID 02 and 03, like the card) for
:data:`DEFAULT_IDENTITY`, issued by a test "Citizen CA". ``softhsm_factory.create(...)`` makes
other tokens (EC keys, missing certificates, no initialised token, fewer mechanisms).

Each token has its own ``softhsm2.conf`` and token directory. SoftHSM reads ``SOFTHSM2_CONF`` in
``C_Initialize``: the fixtures set it (monkeypatch) to the last created token, which works in
process because ``eid.card`` loads and finalises the module on every call. Code that
keeps the module loaded (a long-lived ``PyKCS11Lib``) pins the first configuration: run it in
a subprocess with ``env=token.env()`` (which also sets ``EID_PKCS11_MODULE``), e.g.
``subprocess.run([sys.executable, "manage.py", "eid", "read"], env=token.env())``.

Objects are imported with PyKCS11 in a subprocess (this file run as a script), for the same
reason. SoftHSM2 must be installed (Debian package ``softhsm2``); when it is missing, the
fixtures fail (never skip) with the command to run.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import PyKCS11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SOFTHSM_UTIL = "softhsm2-util"
TOKEN_LABEL = "BELPIC"
USER_PIN = "1234"
SO_PIN = "123456"
EID_LABELS = ("Authentication", "Signature")

KeyType = Literal["rsa", "ec"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class EidIdentity:
    niss: str = "85073003328"
    last_name: str = "Peeters"
    first_names: str = "Jan Marie"
    not_after: datetime = datetime(2031, 7, 30, 23, 59, 59, tzinfo=UTC)

    @property
    def common_name(self) -> str:
        return f"{self.first_names.split()[0]} {self.last_name}"


DEFAULT_IDENTITY = EidIdentity()


@dataclass(frozen=True)
class SoftHsmToken:
    """A SoftHSM configuration (and its token, unless created uninitialised)."""

    directory: Path
    conf_path: Path
    identity: EidIdentity
    certificates: dict[str, x509.Certificate]  # by label; empty when not initialised
    ca_certificate: x509.Certificate
    module_path: str = SOFTHSM_MODULE
    pin: str = USER_PIN
    so_pin: str = SO_PIN

    @property
    def authentication_certificate(self) -> x509.Certificate:
        return self.certificates["Authentication"]

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should see this token."""
        return {
            **os.environ,
            "SOFTHSM2_CONF": str(self.conf_path),
            "EID_PKCS11_MODULE": self.module_path,
        }


def require_softhsm() -> None:
    """Fail the test (never skip) when SoftHSM2 is not installed."""
    if not Path(SOFTHSM_MODULE).is_file() or shutil.which(SOFTHSM_UTIL) is None:
        pytest.fail(
            f"SoftHSM2 is not installed ({SOFTHSM_MODULE} or {SOFTHSM_UTIL} missing). "
            "Install it with: apt-get install -y softhsm2",
            pytrace=False,
        )


def create_token(
    directory: Path,
    *,
    identity: EidIdentity = DEFAULT_IDENTITY,
    key_type: KeyType = "rsa",
    labels: Sequence[str] = EID_LABELS,
    initialise: bool = True,
    only_mechanisms: Sequence[str] | None = None,
) -> SoftHsmToken:
    """Create a SoftHSM configuration in ``directory`` with an eID-like token.

    ``labels`` are the key pair + certificate labels to import (CKA_ID 02, 03, ...);
    ``initialise=False`` leaves only SoftHSM's uninitialised slot (no card);
    ``only_mechanisms`` (e.g. ``["CKM_RSA_PKCS"]``) restricts the token's mechanisms to those
    (SoftHSM 2.6.1 ignores the "-CKM_..." exclusion syntax, so only allow-lists are offered).
    """
    require_softhsm()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf_path = directory / "softhsm2.conf"
    conf_path.write_text(_conf_text(tokens, only_mechanisms))
    ca_key, ca_certificate = _citizen_ca()
    certificates = {
        label: _holder_certificate(
            identity, label, _private_key(key_type, index), ca_key, ca_certificate
        )
        for index, label in enumerate(labels)
        if initialise
    }
    token = SoftHsmToken(directory, conf_path, identity, certificates, ca_certificate)
    if initialise:
        _run_util(token, "--init-token", "--free", "--label", TOKEN_LABEL,
                  "--pin", USER_PIN, "--so-pin", SO_PIN)
        objects = [
            _object_spec(label, _key_id(index), certificates[label], _private_key(key_type, index))
            for index, label in enumerate(labels)
        ]
        _import_objects(token, objects)
    return token


class SoftHsmFactory:
    """Creates tokens under a test's tmp_path and makes the last created one active."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self._directory = directory
        self._monkeypatch = monkeypatch
        self._count = 0

    def create(self, **options: Any) -> SoftHsmToken:
        """:func:`create_token` with ``options``, then :meth:`activate` it."""
        self._count += 1
        token = create_token(self._directory / f"softhsm-{self._count}", **options)
        self.activate(token)
        return token

    def activate(self, token: SoftHsmToken) -> None:
        """Point SOFTHSM2_CONF of this process at ``token`` (for the rest of the test)."""
        self._monkeypatch.setenv("SOFTHSM2_CONF", str(token.conf_path))


@pytest.fixture
def softhsm_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SoftHsmFactory:
    require_softhsm()
    return SoftHsmFactory(tmp_path, monkeypatch)


@pytest.fixture
def softhsm_token(softhsm_factory: SoftHsmFactory) -> SoftHsmToken:
    """The default eID-like token (RSA, Authentication + Signature), active."""
    return softhsm_factory.create()


# --- Test PKI (keys are cached: RSA generation is the slow part) ---------------------------


@functools.cache
def _private_key(key_type: KeyType, index: int) -> PrivateKey:
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP384R1())  # the curve of recent eID cards
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _citizen_ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Citizen CA"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "202501"),
    ])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _holder_certificate(
    identity: EidIdentity,
    label: str,
    key: PrivateKey,
    ca_key: rsa.RSAPrivateKey,
    ca_certificate: x509.Certificate,
) -> x509.Certificate:
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{identity.common_name} ({label})"),
        x509.NameAttribute(NameOID.SURNAME, identity.last_name),
        x509.NameAttribute(NameOID.GIVEN_NAME, identity.first_names),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, identity.niss),
    ])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(identity.not_after - timedelta(days=3650))
        .not_valid_after(identity.not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )


# --- SoftHSM configuration and import ------------------------------------------------------


def _conf_text(tokens: Path, only_mechanisms: Sequence[str] | None) -> str:
    mechanisms = "ALL" if only_mechanisms is None else ",".join(only_mechanisms)
    return (
        f"directories.tokendir = {tokens}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
        "slots.removable = false\n"
        f"slots.mechanisms = {mechanisms}\n"
    )


def _key_id(index: int) -> bytes:
    return bytes([index + 2])  # the eID card: 02 Authentication, 03 Signature


def _run_util(token: SoftHsmToken, *arguments: str) -> None:
    subprocess.run(
        [SOFTHSM_UTIL, *arguments], env=token.env(), check=True, capture_output=True, text=True
    )


def _object_spec(label: str, key_id: bytes, certificate: x509.Certificate, key: PrivateKey) -> dict:
    return {
        "label": label,
        "id": key_id.hex(),
        "certificate": certificate.public_bytes(serialization.Encoding.DER).hex(),
        "key": key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).hex(),
    }


def _import_objects(token: SoftHsmToken, objects: list[dict]) -> None:
    """Import certificates and private keys with PyKCS11 in a fresh process (see module doc)."""
    request = {"module": token.module_path, "pin": token.pin, "objects": objects}
    result = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(request),
        env=token.env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"SoftHSM import failed:\n{result.stderr}")


def _import_main() -> None:
    """Subprocess entry point: read the import request on stdin, create the objects."""
    request = json.load(sys.stdin)
    lib = PyKCS11.PyKCS11Lib().load(request["module"])
    slot = next(
        slot
        for slot in lib.getSlotList(tokenPresent=True)
        if lib.getTokenInfo(slot).flags & PyKCS11.CKF_TOKEN_INITIALIZED
    )
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(request["pin"])
    for spec in request["objects"]:
        label, key_id = spec["label"], bytes.fromhex(spec["id"])
        certificate = x509.load_der_x509_certificate(bytes.fromhex(spec["certificate"]))
        key = serialization.load_der_private_key(bytes.fromhex(spec["key"]), password=None)
        assert isinstance(key, PrivateKey)
        session.createObject(_certificate_template(label, key_id, certificate))
        session.createObject(_private_key_template(label, key_id, key))
    session.logout()
    session.closeSession()
    lib.unload()


def _certificate_template(label: str, key_id: bytes, certificate: x509.Certificate) -> list:
    return [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
        (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509),
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_PRIVATE, PyKCS11.CK_FALSE),
        (PyKCS11.CKA_LABEL, label),
        (PyKCS11.CKA_ID, key_id),
        (PyKCS11.CKA_SUBJECT, certificate.subject.public_bytes()),
        (PyKCS11.CKA_ISSUER, certificate.issuer.public_bytes()),
        (PyKCS11.CKA_VALUE, certificate.public_bytes(serialization.Encoding.DER)),
    ]


# CKA_EC_PARAMS: the DER-encoded OID of the named curve.
_EC_PARAMS = {"secp384r1": bytes.fromhex("06052b81040022")}


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _private_key_template(label: str, key_id: bytes, key: PrivateKey) -> list:
    common = [
        (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
        (PyKCS11.CKA_TOKEN, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_PRIVATE, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_SENSITIVE, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_SIGN, PyKCS11.CK_TRUE),
        (PyKCS11.CKA_LABEL, label),
        (PyKCS11.CKA_ID, key_id),
    ]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return common + [
            (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
            (PyKCS11.CKA_EC_PARAMS, _EC_PARAMS[key.curve.name]),
            (PyKCS11.CKA_VALUE, _int_bytes(key.private_numbers().private_value)),
        ]
    numbers = key.private_numbers()
    return common + [
        (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
        (PyKCS11.CKA_MODULUS, _int_bytes(numbers.public_numbers.n)),
        (PyKCS11.CKA_PUBLIC_EXPONENT, _int_bytes(numbers.public_numbers.e)),
        (PyKCS11.CKA_PRIVATE_EXPONENT, _int_bytes(numbers.d)),
        (PyKCS11.CKA_PRIME_1, _int_bytes(numbers.p)),
        (PyKCS11.CKA_PRIME_2, _int_bytes(numbers.q)),
        (PyKCS11.CKA_EXPONENT_1, _int_bytes(numbers.dmp1)),
        (PyKCS11.CKA_EXPONENT_2, _int_bytes(numbers.dmq1)),
        (PyKCS11.CKA_COEFFICIENT, _int_bytes(numbers.iqmp)),
    ]


if __name__ == "__main__":
    _import_main()
