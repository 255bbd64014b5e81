"""The failures of the eID card, each with a code and a translatable message.

Which error, when (every failure of `eid.card` is an :class:`EidError`; no ``PyKCS11Error``
escapes):

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

from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
