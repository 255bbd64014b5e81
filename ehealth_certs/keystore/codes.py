"""The codes keystore checks report (no Django; their words are in ``ehealth_certs.keystore_text``)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why a keystore is refused, in the order the checks run."""

    TOO_LARGE = "too_large"
    NOT_PKCS12 = "not_pkcs12"
    NO_MAC = "no_mac"
    TOO_COSTLY = "too_costly"
    WRONG_PASSWORD = "wrong_password"
    NO_AUTHENTICATION_ENTRY = "no_authentication_entry"
    KEY_MISMATCH = "key_mismatch"
    REQUEST_INCOMPLETE = "request_incomplete"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    UNTRUSTED_CHAIN = "untrusted_chain"
    ENVIRONMENT_MISMATCH = "environment_mismatch"
    AUTHENTICATION_USAGE = "authentication_usage"
    AUTHENTICATION_KEY_TYPE = "authentication_key_type"
    ORGANISATION_CERTIFICATE = "organisation_certificate"
    IDENTITY_MISMATCH = "identity_mismatch"
    OLDER_THAN_ACTIVE = "older_than_active"
    REVOKED = "revoked"


class WarningCode(StrEnum):
    EXPIRES_SOON = "expires_soon"
    REVOCATION_UNKNOWN = "revocation_unknown"
    NO_ENCRYPTION_KEY = "no_encryption_key"
    # a key entry other than authentication that breaks one rule of an encryption (ETK) entry
    ENCRYPTION_KEY_NOT_ISSUED_BY_AUTHENTICATION = "encryption_key_not_issued_by_authentication"
    ENCRYPTION_KEY_OTHER_SUBJECT = "encryption_key_other_subject"
    ENCRYPTION_KEY_ALIAS_NOT_SERIAL = "encryption_key_alias_not_serial"


class RevocationStatus(StrEnum):
    """What the certification authority's OCSP responder said (``not_checked``: checks are off)."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    NOT_CHECKED = "not_checked"


class EncryptionKeyStatus(StrEnum):
    """Whether the keystore holds the encryption (ETK) key eHealth messages are encrypted to."""

    PRESENT = "present"
    MISSING = "missing"
    IRREGULAR = "irregular"  # key entries that look like one, each breaking a rule
