"""The checks of eHealth's own profile: a completed certificate request, an authentication
certificate made for signing and logging in with an RSA key, and the encryption (ETK) keys
(no Django)."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ehealth_certs.keystore.codes import EncryptionKeyStatus, ErrorCode, WarningCode
from ehealth_certs.keystore.description import is_authentication, public_key_description
from ehealth_certs.keystore.entry import KeystoreEntry
from ehealth_certs.keystore.result import Failure, ValidationResult
from ehealth_certs.keystore.trust import signed_by


def check_request_completed(certificate: x509.Certificate) -> None:
    """The Certificate Manager's step 1 stores the new key under a self-signed placeholder
    (``C=Dummy``, valid one minute) until step 2 installs the certificate eHealth issued."""
    if signed_by(certificate, certificate):
        raise Failure(ErrorCode.REQUEST_INCOMPLETE)


def check_authentication_profile(certificate: x509.Certificate) -> None:
    """digitalSignature and clientAuth when the certificate restricts its usage, and an RSA key."""
    extensions = certificate.extensions
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    if key_usage is not None and not key_usage.digital_signature:
        raise Failure(ErrorCode.AUTHENTICATION_USAGE, "usage_digital_signature")
    try:
        extended_key_usage = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        extended_key_usage = None
    if extended_key_usage is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in extended_key_usage:
        raise Failure(ErrorCode.AUTHENTICATION_USAGE, "usage_client_auth")
    key_type, _size = public_key_description(certificate)
    if key_type != "RSA":
        raise Failure(ErrorCode.AUTHENTICATION_KEY_TYPE, key_type=key_type)


def check_encryption_keys(
    result: ValidationResult, entries: Sequence[KeystoreEntry], authentication: x509.Certificate
) -> None:
    """Status of the encryption (ETK) key, and a warning for each rule a would-be ETK entry breaks.

    An ETK entry is a key entry whose certificate is issued by the authentication key (issuer =
    the authentication subject, signature verified with its public key), with the same subject,
    under an alias equal to the certificate's decimal serial number. Its key stays encrypted.
    """
    candidates = [entry for entry in entries if entry.has_private_key and not is_authentication(entry)]
    problems = [_encryption_key_problems(entry, authentication) for entry in candidates]
    if any(not broken for broken in problems):
        result.encryption_key = EncryptionKeyStatus.PRESENT
    elif candidates:
        result.encryption_key = EncryptionKeyStatus.IRREGULAR
    else:
        result.encryption_key = EncryptionKeyStatus.MISSING
        result.warnings.append(WarningCode.NO_ENCRYPTION_KEY)
    for broken in dict.fromkeys(code for codes in problems for code in codes):
        result.warnings.append(broken)


def _encryption_key_problems(entry: KeystoreEntry, authentication: x509.Certificate) -> list[WarningCode]:
    certificate = entry.certificate
    if certificate is None:
        return [WarningCode.ENCRYPTION_KEY_NOT_ISSUED_BY_AUTHENTICATION]
    problems = []
    if not signed_by(certificate, authentication):
        problems.append(WarningCode.ENCRYPTION_KEY_NOT_ISSUED_BY_AUTHENTICATION)
    if certificate.subject != authentication.subject:
        problems.append(WarningCode.ENCRYPTION_KEY_OTHER_SUBJECT)
    if entry.alias != str(certificate.serial_number):
        problems.append(WarningCode.ENCRYPTION_KEY_ALIAS_NOT_SERIAL)
    return problems
