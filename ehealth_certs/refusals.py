"""The words for the certificate life-cycle services' refusal codes (``oxygen.errors.Refused``).

The services say no with a code and facts; the pages and commands that show the refusal take its
words from here (the same words for a page and for the command line).
"""
from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from oxygen import throttle
from oxygen.errors import Refused

from ehealth_certs.lifecycle import keystore_import, password_change

THROTTLED_MESSAGE = _(
    "Too many wrong passwords for this keystore. For your security, try again after %(time)s."
)
TOO_MANY_VALIDATIONS_MESSAGE = _(
    "Too many keystores checked from your account in a short time. For your security, try again after %(time)s."
)
CONFLICT_MESSAGE = _(
    "Another certificate was imported for this record at the same moment. Reload the record and check "
    "which certificate is active before trying again."
)
PASSWORD_CHANGE_MESSAGES = {
    password_change.POLICY: _("The new password does not follow the eHealth password rules."),
    password_change.UNCHANGED: _("The new password is the same as the current one: choose another one."),
    password_change.WRONG_PASSWORD: _("The current password does not open this keystore. Nothing was changed."),
    password_change.NOT_ACTIVE: _(
        "This certificate is no longer the record's active certificate: its password was not changed."
    ),
    password_change.NOT_KEYSTORE: _(
        "This file is not a keystore that can be opened (is it the .p12 / .acc-p12 file?). Nothing was changed."
    ),
    password_change.REENCRYPT_FAILED: _("The keystore could not be re-encrypted safely, so nothing was changed: %(reason)s"),
}


def throttled_message(reason: str, retry_time: str) -> str:
    """Why a keystore password cannot be tried now (``throttle.Claim``'s ``reason``), and until when."""
    message = TOO_MANY_VALIDATIONS_MESSAGE if reason == throttle.VALIDATIONS else THROTTLED_MESSAGE
    return message % {"time": retry_time}


def password_change_message(refused: Refused) -> str:
    """The words for a refused keystore password change."""
    if refused.code == password_change.THROTTLED:
        return throttled_message(refused.params["reason"], refused.params["retry_time"])
    message = PASSWORD_CHANGE_MESSAGES[refused.code]
    return message % {"reason": refused.params["reason"]} if refused.code == password_change.REENCRYPT_FAILED else str(message)


def refused_import(refused: Refused) -> keystore_import.ImportOutcome:
    """The outcome of a refused keystore import, with its words (for the page and the command's JSON).

    A validation refusal's words come with its outcome; a pause and a lost race are said here.
    """
    outcome = refused.params["outcome"]
    if refused.code == keystore_import.THROTTLED:
        return replace(outcome, message=throttled_message(refused.params["reason"], refused.params["retry_time"]))
    if refused.code == keystore_import.CONFLICT:
        return replace(outcome, message=str(CONFLICT_MESSAGE))
    return outcome
