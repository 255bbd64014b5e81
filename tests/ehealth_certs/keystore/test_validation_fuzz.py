"""Hostile and damaged input: the reader raises only Pkcs12Error, validation never raises.

validate_keystore's last-resort catch (which logs) must never be reached either: that would
mean read_keystore or a check raised something unexpected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from hypothesis import given, settings
from hypothesis import strategies as st

from ehealth_certs.keystore import writer
from ehealth_certs.keystore.entry import Pkcs12Error
from ehealth_certs.keystore.reader import read_keystore
from ehealth_certs.keystore.trust import TrustSettings
from ehealth_certs.keystore.validation import ErrorCode, ValidationResult, validate_keystore
from ehealth_certs.keystore_text import validation_message
from tests import pki

FUZZ = settings(max_examples=200, deadline=None)
UNREADABLE = {ErrorCode.NOT_PKCS12, ErrorCode.WRONG_PASSWORD, ErrorCode.NO_MAC, ErrorCode.TOO_COSTLY}


class Keystores(tuple[bytes, ...]):
    def __repr__(self) -> str:  # keep Hypothesis' failure reports short
        return f"<{len(self)} keystores>"


@pytest.fixture(scope="module")
def small_keystore(production: pki.Pki, auth: pki.Issued) -> bytes:
    """One key entry and its chain: cheap to decrypt, so many examples stay fast."""
    return pki.python_keystore([pki.KeyEntry("authentication", auth.key, auth.cert, production.bundle)])


@pytest.fixture(scope="session")
def bases(java_keystores: dict[str, bytes], python_keystore: bytes) -> Keystores:
    return Keystores((python_keystore, java_keystores["modern"], java_keystores["legacy"]))


class UnexpectedErrors(logging.Handler):
    """Records validate_keystore's last-resort catch: hostile input must never reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module", autouse=True)
def unexpected_errors() -> Iterator[UnexpectedErrors]:
    handler = UnexpectedErrors()
    logger = logging.getLogger("ehealth_certs.keystore.validation")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    assert handler.records == [], [record.exc_info for record in handler.records]


def check_consistent(result: ValidationResult) -> None:
    assert result.valid == (result.error is None)
    assert result.error is None or isinstance(result.error, ErrorCode)
    assert result.valid or str(validation_message(result))


def read_or_pkcs12_error(data: bytes, password: str) -> None:
    try:
        read_keystore(data, password)
    except Pkcs12Error:
        pass


der_like = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=2048).map(lambda tail: b"\x30\x82" + tail),
    st.binary(max_size=64).map(lambda tail: b"\x30\x80\x02\x01\x03" + tail),
)


@FUZZ
@given(data=der_like, password=st.text(max_size=20))
def test_random_bytes(data: bytes, password: str, trust: TrustSettings) -> None:
    read_or_pkcs12_error(data, password)
    result = validate_keystore(data, password, trust=trust, now=pki.NOW)
    check_consistent(result)
    assert result.error in UNREADABLE


mutation = st.tuples(
    st.sampled_from(["flip", "truncate", "insert", "delete"]),
    st.integers(min_value=0),
    st.binary(min_size=1, max_size=8),
)


def mutate(data: bytes, operation: str, position: int, payload: bytes) -> bytes:
    if not data:
        return payload
    index = position % len(data)
    if operation == "flip":
        return data[:index] + bytes([data[index] ^ (payload[0] or 1)]) + data[index + 1 :]
    if operation == "truncate":
        return data[:index]
    if operation == "insert":
        return data[:index] + payload + data[index:]
    return data[:index] + data[index + len(payload) :]


@FUZZ
@given(base=st.integers(min_value=0, max_value=2), mutations=st.lists(mutation, min_size=1, max_size=3))
def test_damaged_keystores(base: int, mutations: list, bases: Keystores, trust: TrustSettings) -> None:
    data = bases[base]
    for operation, position, payload in mutations:
        data = mutate(data, operation, position, payload)

    result = validate_keystore(data, pki.PASSWORD, trust=trust, now=pki.NOW)
    check_consistent(result)
    if data == bases[base]:  # the mutations cancelled out
        assert result.valid
    else:
        assert result.error in UNREADABLE  # everything that matters is under the MAC


def with_new_mac(safe_der: bytes, password: str) -> bytes:
    """A keystore with this AuthenticatedSafe and a correct MAC: what someone who knows the
    password could craft, so the inner parsing and decryption are reached."""
    auth_safe = {"content_type": "data", "content": safe_der}
    return asn1_pkcs12.Pfx(
        {"version": "v3", "auth_safe": auth_safe, "mac_data": writer._mac_data(safe_der, password)}
    ).dump()


@FUZZ
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_damaged_content_under_a_valid_mac(mutations: list, small_keystore: bytes, trust: TrustSettings) -> None:
    safe_der = asn1_pkcs12.Pfx.load(small_keystore)["auth_safe"]["content"].native
    for operation, position, payload in mutations:
        safe_der = mutate(safe_der, operation, position, payload)
    data = with_new_mac(safe_der, pki.PASSWORD)

    check_consistent(validate_keystore(data, pki.PASSWORD, trust=trust, now=pki.NOW))


def test_remac_helper_keeps_a_valid_keystore_valid(small_keystore: bytes, trust: TrustSettings) -> None:
    safe_der = asn1_pkcs12.Pfx.load(small_keystore)["auth_safe"]["content"].native

    data = with_new_mac(safe_der, pki.PASSWORD)

    assert validate_keystore(data, pki.PASSWORD, trust=trust, now=pki.NOW).valid


@FUZZ
@given(password=st.text(max_size=30))
def test_any_password(password: str, python_keystore: bytes, trust: TrustSettings) -> None:
    result = validate_keystore(python_keystore, password, trust=trust, now=pki.NOW)

    check_consistent(result)
    assert result.valid == (password == pki.PASSWORD)
    assert result.valid or result.error == ErrorCode.WRONG_PASSWORD


@settings(max_examples=100, deadline=None)
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_change_password_of_damaged_content(mutations: list, small_keystore: bytes) -> None:
    safe_der = asn1_pkcs12.Pfx.load(small_keystore)["auth_safe"]["content"].native
    for operation, position, payload in mutations:
        safe_der = mutate(safe_der, operation, position, payload)

    try:
        changed = writer.change_password(with_new_mac(safe_der, pki.PASSWORD), pki.PASSWORD, "Other-passw0rd")
    except Pkcs12Error:
        return
    read_keystore(changed, "Other-passw0rd")
