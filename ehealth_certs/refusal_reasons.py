"""Why a keystore import or a keystore password change was refused, in a few words for people.

The services keep machine codes (``keystore.codes.ErrorCode``, ``keystore_import.THROTTLED``/``CONFLICT``,
``password_change``'s codes, an eID error's ``code``) in the audit log's details; the log page shows
these words instead, in the reader's language.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from eid import card, services as eid_services
from ehealth_certs.lifecycle import keystore_import, password_change
from ehealth_certs.keystore.codes import ErrorCode

REASONS = {
    ErrorCode.TOO_LARGE: _("file too large for a keystore"),
    ErrorCode.NOT_PKCS12: _("not an eHealth keystore"),
    ErrorCode.NO_MAC: _("keystore without integrity check (MAC)"),
    ErrorCode.TOO_COSTLY: _("keystore asking for far too many key derivations"),
    ErrorCode.WRONG_PASSWORD: _("wrong keystore password"),
    ErrorCode.NO_AUTHENTICATION_ENTRY: _("no authentication entry in the keystore"),
    ErrorCode.KEY_MISMATCH: _("damaged keystore (certificate and key do not match)"),
    ErrorCode.REQUEST_INCOMPLETE: _("certificate request not completed in the eHealth Certificate Manager"),
    ErrorCode.NOT_YET_VALID: _("certificate not valid yet"),
    ErrorCode.EXPIRED: _("certificate expired"),
    ErrorCode.UNTRUSTED_CHAIN: _("not issued by a trusted eHealth authority"),
    ErrorCode.ENVIRONMENT_MISMATCH: _("certificate for the other eHealth environment"),
    ErrorCode.AUTHENTICATION_USAGE: _("certificate not made for authentication"),
    ErrorCode.AUTHENTICATION_KEY_TYPE: _("authentication key is not an RSA key"),
    ErrorCode.ORGANISATION_CERTIFICATE: _("an organisation's certificate, not a person's"),
    ErrorCode.IDENTITY_MISMATCH: _("the certificate belongs to someone else"),
    ErrorCode.OLDER_THAN_ACTIVE: _("not more recent than the current certificate"),
    ErrorCode.REVOKED: _("certificate revoked by the certification authority"),
    keystore_import.THROTTLED: _("too many attempts: try again later"),
    keystore_import.CONFLICT: _("another certificate was imported at the same moment"),
    password_change.POLICY: _("the new password does not follow the eHealth rules"),
    password_change.UNCHANGED: _("the new password is the same as the current one"),
    password_change.NOT_ACTIVE: _("the certificate is no longer the active one"),
    password_change.NOT_KEYSTORE: _("not a keystore that can be opened"),
    password_change.REENCRYPT_FAILED: _("the keystore could not be re-encrypted safely"),
    eid_services.PIN_ATTEMPTS_EXHAUSTED: card.EidError.default_message,  # as when it was an EidError
}
_UNKNOWN = _("refused for another reason")


def _eid_messages() -> dict[str, object]:
    errors = [card.EidError, *card.EidError.__subclasses__()]
    return {error.code: error.default_message for error in errors}


def refusal_reason(code: str | None) -> str:
    """The words for ``code`` in the active language; never the code itself."""
    if code in REASONS:
        return str(REASONS[code])
    eid_messages = _eid_messages()
    return str(eid_messages.get(code, _UNKNOWN))
