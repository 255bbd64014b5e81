"""Access to the Belgian eID card through its PKCS#11 module (PyKCS11).

No Django models or settings here: callers pass the module path (the Django setting
``EID_PKCS11_MODULE``). Django is only used for translatable messages.

Every call loads the module, works, then unloads it: a card inserted or removed between two
calls is seen, and the module is finalised again when nobody else in the process holds it.

Which error, when (every failure is an :class:`EidError`; no ``PyKCS11Error`` escapes):

``module_missing``
    The module file does not exist, or cannot be loaded and initialised as a PKCS#11 module.
``no_reader``
    The module reports no slot at all (the eID middleware has one slot per card reader).
``no_card``
    There are slots but none holds a usable token: no slot has ``CKF_TOKEN_PRESENT`` (empty
    readers), or every present token lacks ``CKF_TOKEN_INITIALIZED`` (SoftHSM's spare
    uninitialised slot) or stops answering (card pulled out: ``CKR_TOKEN_NOT_PRESENT``,
    ``CKR_DEVICE_REMOVED``, ``CKR_TOKEN_NOT_RECOGNIZED``).
``no_certificate``
    At least one card is present, but none holds a certificate labelled "Authentication"
    (exact label first, then case-insensitively). The first card (in slot order) that has one
    is used.
``wrong_pin`` / ``pin_locked``
    ``C_Login`` refused the PIN / the PIN is blocked (``CKR_PIN_LOCKED`` or the token flag
    ``CKF_USER_PIN_LOCKED``).
``signature_invalid``
    The card signed the challenge but the signature does not verify with its certificate.
``token_error``
    Any other PKCS#11 or certificate failure; ``detail`` holds the technical reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import PyKCS11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

AUTHENTICATION_LABEL = "Authentication"
CHALLENGE_SIZE = 32

Message = str | Promise


class EidError(Exception):
    """Base class of every eID failure; ``message`` is translatable, ``detail`` technical."""

    code: ClassVar[str] = "token_error"
    default_message: ClassVar[Message] = _("The eID card could not be used.")

    def __init__(self, message: Message | None = None, *, detail: str = "") -> None:
        self.message: Message = message if message is not None else self.default_message
        self.detail = detail
        super().__init__(self.message)


class TokenError(EidError):
    """A PKCS#11 or certificate failure that has no more specific class."""


class ModuleMissingError(EidError):
    code = "module_missing"
    default_message = _(
        "The eID software (PKCS#11 module) is not installed or cannot be loaded."
    )


class NoReaderError(EidError):
    code = "no_reader"
    default_message = _("No card reader was found. Connect a card reader.")


class NoCardError(EidError):
    code = "no_card"
    default_message = _("No eID card was found in the card reader. Insert the eID card.")


class NoCertificateError(EidError):
    code = "no_certificate"
    default_message = _("The card has no Authentication certificate. Is it a Belgian eID card?")


class WrongPinError(EidError):
    """The PIN was refused; ``attempts_left`` is set only when the token allows deriving it."""

    code = "wrong_pin"
    default_message = _("Wrong PIN.")

    def __init__(self, attempts_left: int | None = None, pin_count_low: bool = False) -> None:
        self.attempts_left = attempts_left
        self.pin_count_low = pin_count_low
        if attempts_left == 1:
            message = _("Wrong PIN. One attempt is left before the PIN is blocked.")
        elif pin_count_low:
            message = _("Wrong PIN. Few attempts are left before the PIN is blocked.")
        else:
            message = self.default_message
        super().__init__(message)


class PinLockedError(EidError):
    code = "pin_locked"
    default_message = _(
        "The PIN of this eID card is blocked. It can be unblocked at the municipality with the"
        " PUK code."
    )


class SignatureInvalidError(EidError):
    code = "signature_invalid"
    default_message = _(
        "The card's signature does not match its Authentication certificate."
    )


@dataclass(frozen=True)
class EidHolder:
    """The holder of an eID card, read from its Authentication certificate."""

    niss: str
    last_name: str
    first_names: str
    not_after: datetime
    certificate: x509.Certificate


def read_authentication_certificate(module_path: str) -> EidHolder:
    """Read the holder from the card's Authentication certificate (no PIN needed)."""
    with _open_card(module_path) as card:
        return card.holder


def prove_possession(module_path: str, pin: str) -> EidHolder:
    """Return the holder once the card proved it holds the Authentication private key.

    Logs in with ``pin``, signs a random challenge with the Authentication key and verifies the
    signature with the certificate's public key. The PIN is never logged nor kept.
    """
    if not pin:
        raise WrongPinError()
    challenge = secrets.token_bytes(CHALLENGE_SIZE)
    with _open_card(module_path) as card:
        public_key = _signing_key(card.holder.certificate)
        mechanism, prepare = _signing_method(public_key, card.mechanisms())
        with _logged_in(card, pin):
            key = _authentication_key(card)
            signature = bytes(
                card.session.sign(key, prepare(challenge), PyKCS11.Mechanism(mechanism, None))
            )
    _verify(public_key, signature, challenge)
    return card.holder


def compare_niss(holder: EidHolder, niss: str) -> Message | None:
    """Return why the card does not belong to the person with ``niss``, or None if it does."""
    expected = _digits(niss)
    if holder.niss == expected:
        return None
    return format_lazy(
        _("The eID card belongs to national number {card}, not to {record}."),
        card=holder.niss,
        record=expected or "-",
    )


# --- Card discovery -------------------------------------------------------------------------

_CARD_GONE = frozenset(
    {PyKCS11.CKR_TOKEN_NOT_PRESENT, PyKCS11.CKR_DEVICE_REMOVED, PyKCS11.CKR_TOKEN_NOT_RECOGNIZED}
)
_PIN_REFUSED = frozenset(
    {PyKCS11.CKR_PIN_INCORRECT, PyKCS11.CKR_PIN_INVALID, PyKCS11.CKR_PIN_LEN_RANGE}
)


@dataclass(frozen=True)
class _Card:
    lib: PyKCS11.PyKCS11Lib
    slot: int
    session: PyKCS11.Session
    holder: EidHolder
    certificate_id: bytes

    def token_flags(self) -> int:
        return int(self.lib.getTokenInfo(self.slot).flags)

    def mechanisms(self) -> set[str]:
        return set(self.lib.getMechanismList(self.slot))


@contextlib.contextmanager
def _open_card(module_path: str) -> Iterator[_Card]:
    """Yield the first card with an Authentication certificate, with a read-only session."""
    with _loaded_module(module_path) as lib, _translated_token_errors():
        for slot in _card_slots(lib):
            session = lib.openSession(slot)
            try:
                found = _authentication_certificate(session)
                if found is not None:
                    certificate, certificate_id = found
                    yield _Card(lib, slot, session, _holder(certificate), certificate_id)
                    return
            finally:
                with contextlib.suppress(PyKCS11.PyKCS11Error):
                    session.closeSession()
        raise NoCertificateError()


@contextlib.contextmanager
def _loaded_module(module_path: str) -> Iterator[PyKCS11.PyKCS11Lib]:
    if not os.path.isfile(module_path):
        raise ModuleMissingError(detail=f"{module_path}: no such file")
    lib = PyKCS11.PyKCS11Lib()
    try:
        lib.load(module_path)
    except PyKCS11.PyKCS11Error as exc:
        raise ModuleMissingError(detail=f"{module_path}: {exc}") from exc
    try:
        yield lib
    finally:
        lib.unload()


@contextlib.contextmanager
def _translated_token_errors() -> Iterator[None]:
    """Turn any PyKCS11Error raised inside the block into an EidError."""
    try:
        yield
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in _CARD_GONE:
            raise NoCardError(detail=str(exc)) from exc
        if exc.value == PyKCS11.CKR_PIN_LOCKED:
            raise PinLockedError(detail=str(exc)) from exc
        raise TokenError(detail=str(exc)) from exc


def _card_slots(lib: PyKCS11.PyKCS11Lib) -> list[int]:
    """The slots holding an initialised token; see the module docstring for the errors."""
    if not lib.getSlotList():
        raise NoReaderError()
    slots = [slot for slot in lib.getSlotList(tokenPresent=True) if _is_initialised(lib, slot)]
    if not slots:
        raise NoCardError()
    return slots


def _is_initialised(lib: PyKCS11.PyKCS11Lib, slot: int) -> bool:
    try:
        flags = lib.getTokenInfo(slot).flags
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in _CARD_GONE:
            return False
        raise
    return bool(flags & PyKCS11.CKF_TOKEN_INITIALIZED)


def _authentication_certificate(
    session: PyKCS11.Session,
) -> tuple[x509.Certificate, bytes] | None:
    """The certificate labelled "Authentication" (exact match first) and its CKA_ID."""
    handles = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE)])
    labelled = [(_label(session, handle), handle) for handle in handles]
    exact = [handle for label, handle in labelled if label == AUTHENTICATION_LABEL]
    loose = [
        handle
        for label, handle in labelled
        if label.casefold() == AUTHENTICATION_LABEL.casefold()
    ]
    chosen = (exact or loose or [None])[0]
    if chosen is None:
        return None
    value, certificate_id = session.getAttributeValue(
        chosen, [PyKCS11.CKA_VALUE, PyKCS11.CKA_ID], allAsBinary=True
    )
    try:
        certificate = x509.load_der_x509_certificate(bytes(value))
    except ValueError as exc:
        raise TokenError(
            _("The Authentication certificate on the card cannot be read."), detail=str(exc)
        ) from exc
    return certificate, bytes(certificate_id or b"")


def _label(session: PyKCS11.Session, handle: PyKCS11.CK_OBJECT_HANDLE) -> str:
    (label,) = session.getAttributeValue(handle, [PyKCS11.CKA_LABEL])
    return str(label or "")


def _holder(certificate: x509.Certificate) -> EidHolder:
    subject = certificate.subject
    niss = _digits(_name_attribute(subject, NameOID.SERIAL_NUMBER))
    if not niss:
        raise TokenError(_("The Authentication certificate has no national number."))
    return EidHolder(
        niss=niss,
        last_name=_name_attribute(subject, NameOID.SURNAME),
        first_names=_name_attribute(subject, NameOID.GIVEN_NAME),
        not_after=certificate.not_valid_after_utc,
        certificate=certificate,
    )


def _name_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    attributes = name.get_attributes_for_oid(oid)
    return str(attributes[0].value).strip() if attributes else ""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- PIN and signature ----------------------------------------------------------------------


@contextlib.contextmanager
def _logged_in(card: _Card, pin: str) -> Iterator[None]:
    if card.token_flags() & PyKCS11.CKF_USER_PIN_LOCKED:
        raise PinLockedError()
    try:
        card.session.login(pin)
    except PyKCS11.PyKCS11Error as exc:
        if exc.value in _PIN_REFUSED:
            raise _wrong_pin_error(card.token_flags()) from exc
        raise
    try:
        yield
    finally:
        with contextlib.suppress(PyKCS11.PyKCS11Error):
            card.session.logout()


def _wrong_pin_error(token_flags: int) -> EidError:
    """The error for a refused PIN, from the token flags read after the failed login."""
    if token_flags & PyKCS11.CKF_USER_PIN_LOCKED:
        return PinLockedError()
    if token_flags & PyKCS11.CKF_USER_PIN_FINAL_TRY:
        return WrongPinError(attempts_left=1, pin_count_low=True)
    return WrongPinError(pin_count_low=bool(token_flags & PyKCS11.CKF_USER_PIN_COUNT_LOW))


def _authentication_key(card: _Card) -> PyKCS11.CK_OBJECT_HANDLE:
    """The private key with the certificate's CKA_ID, else the one labelled Authentication."""
    private_key = (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY)
    templates = [[private_key, (PyKCS11.CKA_LABEL, AUTHENTICATION_LABEL)]]
    if card.certificate_id:
        templates.insert(0, [private_key, (PyKCS11.CKA_ID, card.certificate_id)])
    for template in templates:
        keys = card.session.findObjects(template)
        if keys:
            return keys[0]
    raise TokenError(_("The card has no private key for its Authentication certificate."))


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


def _signing_key(certificate: x509.Certificate) -> SigningKey:
    public_key = certificate.public_key()
    if not isinstance(public_key, SigningKey):
        raise TokenError(_("The Authentication key type is not supported."))
    return public_key


def _signing_method(public_key: SigningKey, supported: set[str]) -> tuple[int, Prepare]:
    methods = _RSA_METHODS if isinstance(public_key, rsa.RSAPublicKey) else _EC_METHODS
    for mechanism, prepare in methods:
        if PyKCS11.CKM[mechanism] in supported:
            return mechanism, prepare
    raise TokenError(
        _("The card offers no supported signature mechanism."), detail=", ".join(sorted(supported))
    )


def _verify(public_key: SigningKey, signature: bytes, challenge: bytes) -> None:
    """Check a SHA-256 signature of the challenge made by a :func:`_signing_method`."""
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
