"""Access to the Belgian eID card through its PKCS#11 module (PyKCS11).

No Django models or settings here: callers pass the module path (the Django setting
``EID_PKCS11_MODULE``). Django is only used for translatable messages.

Every call loads the module, works, then unloads it: a card inserted or removed between two
calls is seen, and the module is finalised again when nobody else in the process holds it.

Every failure is an :class:`eid.errors.EidError` (which error when: see that module); no
``PyKCS11Error`` escapes. The challenge's mechanism and signature check are in `eid.signing`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import PyKCS11
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .errors import (
    EidError,
    Message,
    ModuleMissingError,
    NoCardError,
    NoCertificateError,
    NoReaderError,
    PinLockedError,
    TokenError,
    WrongPinError,
)
from .signing import signing_key, signing_method, verify

AUTHENTICATION_LABEL = "Authentication"
CHALLENGE_SIZE = 32


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
        public_key = signing_key(card.holder.certificate)
        mechanism, prepare = signing_method(public_key, card.mechanisms())
        with _logged_in(card, pin):
            key = _authentication_key(card)
            signature = bytes(
                card.session.sign(key, prepare(challenge), PyKCS11.Mechanism(mechanism, None))
            )
    verify(public_key, signature, challenge)
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


# --- PIN and private key ----------------------------------------------------------------------


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
