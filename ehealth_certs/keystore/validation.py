"""The ordered checks an eHealth keystore must pass before it is accepted (no Django models/settings).

:func:`validate_keystore` stops at the first failing check and returns a
:class:`ValidationResult` with its :class:`ErrorCode`, a translatable message and every piece of
metadata known at that point. It never raises, whatever the bytes and the password.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ehealth_certs.keystore import ocsp
from ehealth_certs.keystore.pkcs12 import (
    KeystoreEntry,
    NoMacError,
    Pkcs12Error,
    TooCostlyError,
    WrongPasswordError,
    public_key_der,
    read_keystore,
)
from ehealth_certs.keystore.trust import (
    ACCEPTANCE,
    ENVIRONMENTS,
    TrustSettings,
    chains_to,
    issued_by,
    looks_like_acceptance,
    signed_by,
)
from practitioners.identifiers import format_niss

__all__ = [
    "EncryptionKeyStatus",
    "EntryInfo",
    "ErrorCode",
    "ExpectedIdentity",
    "TrustSettings",
    "ValidationResult",
    "WarningCode",
    "add_months",
    "parse_identifiers",
    "validate_keystore",
]

logger = logging.getLogger(__name__)

AUTHENTICATION_ALIAS = "authentication"
DEFAULT_MAX_SIZE = 256 * 1024
_DISPLAY_ZONE = ZoneInfo("Europe/Brussels")
_IDENTIFIER = re.compile(r"([A-Z_-]+)=([0-9]+)")
_ORGANISATION_IDENTIFIER = re.compile(r"CBE|EHP|NIHII-[A-Z_-]+")
_PLATFORM_UNIT = "eHealth-platform Belgium"


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


_MESSAGES = {
    "too_large": _(
        "The file is too large (%(size)s KB) to be an eHealth keystore (at most %(max_size)s KB). "
        "Pick the keystore file (.p12 or .acc-p12) from your ehealth/keystore folder."
    ),
    "not_pkcs12": _(
        "This file is not an eHealth keystore (a .p12 or .acc-p12 file). "
        "Make sure you picked the keystore, not the ETK or another file."
    ),
    "no_mac": _(
        "This keystore has no integrity check (MAC), which every eHealth keystore has: it was altered or "
        "not written by the eHealth Certificate Manager. Pick the keystore from your ehealth/keystore folder."
    ),
    "too_costly": _(
        "This keystore asks for far more password-hashing work than an eHealth keystore (more than a million "
        "iterations for one step, or two million in all): it was not written by the eHealth Certificate Manager. "
        "Pick the keystore from your ehealth/keystore folder."
    ),
    "wrong_password": _("The password does not open this keystore."),
    "no_authentication_entry": _(
        'The keystore has no "authentication" key entry: it is not an eHealth keystore, '
        "or the certificate request was not completed."
    ),
    "key_mismatch": _("The authentication certificate does not belong to its private key: the keystore is damaged."),
    "request_incomplete": _(
        "This keystore holds a certificate request that was never completed (step 2, \"complete\", in the "
        "eHealth Certificate Manager). Finish the request in the eHealth Certificate Manager with the same "
        "keystore and password (eHealth can take up to 10 days to deliver the certificate), then import "
        "the completed keystore here."
    ),
    "not_yet_valid": _("The certificate is not valid before %(date)s."),
    "expired": _("The certificate expired on %(date)s. Pick the most recent keystore or renew the certificate."),
    "untrusted_chain": _("The certificate was not issued by a trusted eHealth certification authority."),
    "no_ca_bundle": _(
        "The certificate chain could not be verified because no CA bundle is configured "
        "for the %(environment)s environment."
    ),
    "environment_mismatch": _(
        "This is a certificate for the %(certificate_environment)s environment, "
        "but this installation uses the %(environment)s environment."
    ),
    "usage_digital_signature": _(
        "The authentication certificate may not be used to sign (its key usage lacks digitalSignature): "
        "it is not an eHealth authentication certificate. Pick the keystore written by the eHealth "
        "Certificate Manager."
    ),
    "usage_client_auth": _(
        "The authentication certificate may not be used to log in to services (its extended key usage "
        "lacks clientAuth): it is not an eHealth authentication certificate. Pick the keystore written by "
        "the eHealth Certificate Manager."
    ),
    "authentication_key_type": _(
        "The authentication key is of type %(key_type)s, but eHealth certificates use RSA keys: this keystore "
        "was not made by the eHealth Certificate Manager. Pick the keystore it wrote."
    ),
    "organisation_certificate": _(
        "This keystore holds the certificate of an organisation (%(identifier)s), not of a person. A "
        "practitioner's record needs the practitioner's own eHealth certificate: the keystore named after "
        "their NISS (SSIN=...)."
    ),
    "identity_mismatch": _(
        "This keystore belongs to %(holder)s, not to %(practitioner)s. Pick the keystore of the "
        "practitioner of this record."
    ),
    "identity_not_recorded": _(
        "This keystore belongs to %(holder)s, but this record has no NISS to compare it with. Record the "
        "NISS in the \"Administrative\" tab, then import the keystore again."
    ),
    "no_identifier": _(
        "The certificate carries no NISS: it is not a personal eHealth certificate. Pick the practitioner's "
        "own keystore, the one named after their NISS (SSIN=...)."
    ),
    "older_than_active": _(
        "This certificate expires on %(date)s, not later than the current one (%(active_date)s). "
        "Pick the most recent keystore file (the newest date in its name)."
    ),
    "revoked": _(
        "The certificate was revoked by the certification authority on %(date)s (%(reason)s): the eHealth "
        "services refuse it. Request a new certificate in the eHealth Certificate Manager, then import the new keystore."
    ),
}

# RFC 5280 CRL reasons, as OCSP responders give them.
REVOCATION_REASONS = {
    "unspecified": _("no reason given"),
    "keyCompromise": _("key compromised"),
    "cACompromise": _("certification authority compromised"),
    "affiliationChanged": _("affiliation changed"),
    "superseded": _("replaced by a new certificate"),
    "cessationOfOperation": _("cessation of operation"),
    "certificateHold": _("certificate on hold"),
    "removeFromCRL": _("removed from the revocation list"),
    "privilegeWithdrawn": _("privilege withdrawn"),
    "aACompromise": _("attribute authority compromised"),
}


def revocation_reason_label(reason: str) -> str:
    """The CRL reason in words (a lazy translation); "no reason given" for none or an unknown one."""
    return REVOCATION_REASONS.get(reason, REVOCATION_REASONS["unspecified"])


_ENVIRONMENT_NAMES = {"production": _("production"), "acceptance": _("acceptance (test)")}
_PERSON_WITH_NAME = _("%(name)s (NISS %(niss)s)")
_PERSON_WITHOUT_NAME = _("NISS %(niss)s")


def _interpolate(template: str, params: Mapping[str, object]) -> str:
    return str(template) % params


_lazy_interpolate = lazy(_interpolate, str)


@dataclass(frozen=True)
class ExpectedIdentity:
    """The practitioner the certificate must belong to: their NISS, and their name for messages."""

    ssin: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class EntryInfo:
    """One keystore entry, for display. ``serial`` is lowercase hexadecimal."""

    alias: str | None
    kind: str  # "authentication" | "encryption" | "ca"
    has_private_key: bool
    subject: str | None
    issuer: str | None
    serial: str | None
    not_before: datetime | None
    not_after: datetime | None
    key_type: str | None  # "RSA" | "EC" | None
    key_size: int | None
    local_key_id: str | None  # hexadecimal

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "kind": self.kind,
            "has_private_key": self.has_private_key,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
        }


@dataclass
class ValidationResult:
    """Outcome of :func:`validate_keystore`; certificate fields describe the authentication
    certificate (``serial`` in lowercase hexadecimal, dates as aware UTC datetimes)."""

    valid: bool = False
    error: ErrorCode | None = None
    message: str = ""  # lazy translatable string when invalid
    warnings: list[str] = field(default_factory=list)
    environment: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    issuer: str = ""
    serial: str = ""
    fingerprint_sha256: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    entries: list[EntryInfo] = field(default_factory=list)
    # The authentication certificate and its issuer (DER), to ask its OCSP responder again later.
    certificate_der: bytes = b""
    issuer_der: bytes = b""
    ocsp_url: str = ""
    revocation: RevocationStatus = RevocationStatus.NOT_CHECKED
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    encryption_key: EncryptionKeyStatus | None = None  # None: the checks stopped before looking

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "error": str(self.error) if self.error else None,
            "message": str(self.message),
            "warnings": [str(warning) for warning in self.warnings],
            "environment": self.environment,
            "identifiers": dict(self.identifiers),
            "subject": self.subject,
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "encryption_key": str(self.encryption_key) if self.encryption_key else None,
            "entries": [entry.to_json_dict() for entry in self.entries],
            "revocation": str(self.revocation),
        }


class _Failure(Exception):
    def __init__(self, code: ErrorCode, message_key: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        template = _MESSAGES[message_key or code.value]
        self.message = _lazy_interpolate(template, params) if params else template


def validate_keystore(
    data: bytes,
    password: str,
    *,
    trust: TrustSettings,
    now: datetime,
    expected: ExpectedIdentity | None = None,
    active_not_after: datetime | None = None,
    renewal_window_months: int = 3,
    max_size: int = DEFAULT_MAX_SIZE,
    revocation: ocsp.OcspSettings | None = None,
) -> ValidationResult:
    """Run the checks in order; the first failure ends validation. Never raises.

    With ``revocation`` the last check asks the certificate's OCSP responder (a network request:
    never call this under a database lock); without it the result says ``not_checked``."""
    result = ValidationResult()
    try:
        _run_checks(
            result,
            data,
            password,
            trust=trust,
            now=_aware(now),
            expected=expected,
            active_not_after=_aware(active_not_after) if active_not_after else None,
            renewal_window_months=renewal_window_months,
            max_size=max_size,
            revocation=revocation,
        )
    except _Failure as failure:
        result.error, result.message = failure.code, failure.message
    except Exception:  # a hostile file must never turn into a server error
        logger.exception("unexpected error while validating a keystore")
        result.error, result.message = ErrorCode.NOT_PKCS12, _MESSAGES["not_pkcs12"]
    result.valid = result.error is None
    return result


def _run_checks(
    result: ValidationResult,
    data: bytes,
    password: str,
    *,
    trust: TrustSettings,
    now: datetime,
    expected: ExpectedIdentity | None,
    active_not_after: datetime | None,
    renewal_window_months: int,
    max_size: int,
    revocation: ocsp.OcspSettings | None = None,
) -> None:
    if len(data) > max_size:
        raise _Failure(ErrorCode.TOO_LARGE, size=-(-len(data) // 1024), max_size=max_size // 1024)
    entries = _read(data, password)
    result.entries = describe_entries(entries)
    authentication, certificate = _authentication_entry(entries)
    _describe_certificate(result, certificate)
    _check_key_pair(authentication)
    _check_request_completed(certificate)
    _check_encryption_keys(result, entries, certificate)
    _check_dates(certificate, now)
    if now >= add_months(certificate.not_valid_after_utc, -renewal_window_months):
        result.warnings.append(WarningCode.EXPIRES_SOON)
    _check_trust(result, certificate, entries, trust, now)
    _check_authentication_profile(certificate)
    if expected is not None:
        _check_identity(certificate, expected)
    _check_not_older(certificate.not_valid_after_utc, active_not_after)
    issuer = _describe_issuer(result, certificate, entries, trust, now)
    if revocation is not None:
        _check_revocation(result, certificate, issuer, revocation, now)


def _check_not_older(not_after: datetime, active_not_after: datetime | None) -> None:
    if active_not_after is not None and not_after <= active_not_after:
        raise _Failure(ErrorCode.OLDER_THAN_ACTIVE, date=_format_date(not_after), active_date=_format_date(active_not_after))


def recheck_active(result: ValidationResult, active_not_after: datetime | None) -> None:
    """The older_than_active check again, against the active certificate found when storing (a
    concurrent import may have stored one since validation)."""
    if not result.valid or result.not_after is None:
        return
    try:
        _check_not_older(result.not_after, active_not_after)
    except _Failure as failure:
        result.valid, result.error, result.message = False, failure.code, failure.message


def _read(data: bytes, password: str) -> list[KeystoreEntry]:
    """Every entry; only the authentication key is decrypted (the others are described by their
    certificate): each key costs a key derivation, 150,000 SHA-1 iterations in the legacy layout."""
    try:
        return read_keystore(data, password, decrypt_key=_is_authentication_alias)
    except WrongPasswordError as exc:
        raise _Failure(ErrorCode.WRONG_PASSWORD) from exc
    except NoMacError as exc:
        raise _Failure(ErrorCode.NO_MAC) from exc
    except TooCostlyError as exc:
        raise _Failure(ErrorCode.TOO_COSTLY) from exc
    except Pkcs12Error as exc:  # NotPkcs12Error, or anything else unreadable
        raise _Failure(ErrorCode.NOT_PKCS12) from exc


def _authentication_entry(entries: Sequence[KeystoreEntry]) -> tuple[KeystoreEntry, x509.Certificate]:
    for entry in entries:
        if _is_authentication(entry) and entry.certificate is not None:
            return entry, entry.certificate
    raise _Failure(ErrorCode.NO_AUTHENTICATION_ENTRY)


def _is_authentication(entry: KeystoreEntry) -> bool:
    return entry.has_private_key and _is_authentication_alias(entry.alias or "")


def _is_authentication_alias(alias: str) -> bool:
    return alias.casefold() == AUTHENTICATION_ALIAS


def _check_key_pair(entry: KeystoreEntry) -> None:
    try:
        matches = public_key_der(entry.private_key.public_key()) == public_key_der(entry.certificate.public_key())  # type: ignore[union-attr]
    except Exception:  # unsupported key types cannot be shown to match
        matches = False
    if not matches:
        raise _Failure(ErrorCode.KEY_MISMATCH)


def _check_dates(certificate: x509.Certificate, now: datetime) -> None:
    if now < certificate.not_valid_before_utc:
        raise _Failure(ErrorCode.NOT_YET_VALID, date=_format_date(certificate.not_valid_before_utc))
    if now > certificate.not_valid_after_utc:
        raise _Failure(ErrorCode.EXPIRED, date=_format_date(certificate.not_valid_after_utc))


def _check_trust(
    result: ValidationResult,
    certificate: x509.Certificate,
    entries: Sequence[KeystoreEntry],
    trust: TrustSettings,
    now: datetime,
) -> None:
    """Chain to a configured bundle, then compare environments.

    The certificate's environment is the bundle it chains to or, failing that, ``acceptance``
    when its issuer's name says so. A certificate of the other environment is an
    environment_mismatch (even unverified: picking the .acc-p12 file on a production install
    is the likely mistake); anything else that chains to no bundle is an untrusted_chain.
    """
    intermediates = _chain_certificates(entries)
    chained = next(
        (
            environment
            for environment in ENVIRONMENTS
            if (anchors := trust.bundle(environment)) and chains_to(certificate, anchors, intermediates, now=now)
        ),
        None,
    )
    result.environment = chained or (ACCEPTANCE if looks_like_acceptance(certificate.issuer) else None)
    if result.environment is not None and result.environment != trust.environment:
        raise _Failure(
            ErrorCode.ENVIRONMENT_MISMATCH,
            certificate_environment=_ENVIRONMENT_NAMES[result.environment],
            environment=_ENVIRONMENT_NAMES[trust.environment],
        )
    if chained is None:
        if not trust.bundle(trust.environment):
            raise _Failure(
                ErrorCode.UNTRUSTED_CHAIN, "no_ca_bundle", environment=_ENVIRONMENT_NAMES[trust.environment]
            )
        raise _Failure(ErrorCode.UNTRUSTED_CHAIN)


def _chain_certificates(entries: Sequence[KeystoreEntry]) -> list[x509.Certificate]:
    """The keystore's certificates without a key: the CA chain (and trusted entries)."""
    return [entry.certificate for entry in entries if entry.certificate and not entry.has_private_key]


def _describe_issuer(
    result: ValidationResult,
    certificate: x509.Certificate,
    entries: Sequence[KeystoreEntry],
    trust: TrustSettings,
    now: datetime,
) -> x509.Certificate | None:
    """The certificate and the CA certificate that signed it (keystore or bundle), and its OCSP
    responder; returns that CA certificate, None when neither holds it."""
    result.certificate_der = certificate.public_bytes(Encoding.DER)
    result.ocsp_url = ocsp.responder_url(certificate)
    candidates = _chain_certificates(entries)
    candidates += [cert for environment in ENVIRONMENTS for cert in trust.bundle(environment) or ()]
    issuer = next((cert for cert in candidates if issued_by(certificate, cert, now)), None)
    result.issuer_der = issuer.public_bytes(Encoding.DER) if issuer is not None else b""
    return issuer


def _check_revocation(
    result: ValidationResult,
    certificate: x509.Certificate,
    issuer: x509.Certificate | None,
    settings: ocsp.OcspSettings,
    now: datetime,
) -> None:
    """Ask the OCSP responder: revoked is an error; no verified answer (or "unknown") a warning."""
    if issuer is None:
        answer = ocsp.OcspAnswer(ocsp.OcspStatus.FAILED, detail="the issuer certificate is not available")
    else:
        answer = ocsp.check(certificate, issuer, now=now, settings=settings)
    apply_revocation_answer(result, answer)
    if answer.status == ocsp.OcspStatus.REVOKED:
        raise _Failure(
            ErrorCode.REVOKED,
            date=_format_date(answer.revoked_at) if answer.revoked_at else "?",
            reason=revocation_reason_label(answer.reason),
        )
    if answer.status != ocsp.OcspStatus.GOOD:
        result.warnings.append(WarningCode.REVOCATION_UNKNOWN)


def apply_revocation_answer(result: ValidationResult, answer: ocsp.OcspAnswer) -> None:
    result.revocation = {
        ocsp.OcspStatus.GOOD: RevocationStatus.GOOD,
        ocsp.OcspStatus.REVOKED: RevocationStatus.REVOKED,
    }.get(answer.status, RevocationStatus.UNKNOWN)
    result.revoked_at, result.revocation_reason = answer.revoked_at, answer.reason


def _check_identity(certificate: x509.Certificate, expected: ExpectedIdentity) -> None:
    """A practitioner's record takes a person certificate carrying the practitioner's NISS (SSIN)."""
    pairs = parse_identifier_pairs(certificate.subject)
    ssins = [value for name, value in pairs if name == "SSIN"]
    if not ssins:
        organisation = next((f"{name} {value}" for name, value in pairs if _ORGANISATION_IDENTIFIER.fullmatch(name)), None)
        if organisation is not None:
            raise _Failure(ErrorCode.ORGANISATION_CERTIFICATE, identifier=organisation)
        raise _Failure(ErrorCode.IDENTITY_MISMATCH, "no_identifier")
    expected_ssin = _digits(expected.ssin)
    for ssin in ssins:
        if ssin == expected_ssin:
            continue
        holder = _person(_holder_name(certificate.subject), ssin)
        if not expected_ssin:
            raise _Failure(ErrorCode.IDENTITY_MISMATCH, "identity_not_recorded", holder=holder)
        raise _Failure(ErrorCode.IDENTITY_MISMATCH, holder=holder, practitioner=_person(expected.name, expected_ssin))


def _person(name: str | None, ssin: str) -> str:
    """E.g. ``Marie Dubois (NISS 85.07.30-001.60)``, or ``NISS 85.07.30-001.60`` without a name (lazy)."""
    niss = format_niss(ssin)
    if name:
        return _lazy_interpolate(_PERSON_WITH_NAME, {"name": name, "niss": niss})
    return _lazy_interpolate(_PERSON_WITHOUT_NAME, {"niss": niss})


def _holder_name(subject: x509.Name) -> str | None:
    """The person's name in an eHealth subject: the organisational unit that is neither the
    platform's nor an identifier (``OU=Marie Dubois``)."""
    for attribute in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        value = attribute.value
        if isinstance(value, str) and value.strip() and value != _PLATFORM_UNIT and not _IDENTIFIER.search(value):
            return value.strip()
    return None


def _digits(value: str | None) -> str:
    return "".join(character for character in value or "" if character.isdigit())


# --------------------------------------------------------------------------- eHealth's profile


def _check_request_completed(certificate: x509.Certificate) -> None:
    """The Certificate Manager's step 1 stores the new key under a self-signed placeholder
    (``C=Dummy``, valid one minute) until step 2 installs the certificate eHealth issued."""
    if signed_by(certificate, certificate):
        raise _Failure(ErrorCode.REQUEST_INCOMPLETE)


def _check_authentication_profile(certificate: x509.Certificate) -> None:
    """digitalSignature and clientAuth when the certificate restricts its usage, and an RSA key."""
    extensions = certificate.extensions
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    if key_usage is not None and not key_usage.digital_signature:
        raise _Failure(ErrorCode.AUTHENTICATION_USAGE, "usage_digital_signature")
    try:
        extended_key_usage = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        extended_key_usage = None
    if extended_key_usage is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in extended_key_usage:
        raise _Failure(ErrorCode.AUTHENTICATION_USAGE, "usage_client_auth")
    key_type, _size = _public_key_description(certificate)
    if key_type != "RSA":
        raise _Failure(ErrorCode.AUTHENTICATION_KEY_TYPE, key_type=key_type or "?")


def _check_encryption_keys(
    result: ValidationResult, entries: Sequence[KeystoreEntry], authentication: x509.Certificate
) -> None:
    """Status of the encryption (ETK) key, and a warning for each rule a would-be ETK entry breaks.

    An ETK entry is a key entry whose certificate is issued by the authentication key (issuer =
    the authentication subject, signature verified with its public key), with the same subject,
    under an alias equal to the certificate's decimal serial number. Its key stays encrypted.
    """
    candidates = [entry for entry in entries if entry.has_private_key and not _is_authentication(entry)]
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


# --------------------------------------------------------------------------- metadata


def parse_identifier_pairs(name: x509.Name) -> list[tuple[str, str]]:
    """Every ``NAME=digits`` found in the RDN values, e.g. ``("SSIN", "85073003328")``."""
    return [
        (match[1], match[2])
        for attribute in name
        if isinstance(attribute.value, str)
        for match in _IDENTIFIER.finditer(attribute.value)
    ]


def parse_identifiers(name: x509.Name) -> dict[str, str]:
    """Identifiers of a subject, first occurrence of each name: ``{"SSIN": "85073003328"}``."""
    identifiers: dict[str, str] = {}
    for key, value in parse_identifier_pairs(name):
        identifiers.setdefault(key, value)
    return identifiers


def _describe_certificate(result: ValidationResult, certificate: x509.Certificate) -> None:
    result.subject = certificate.subject.rfc4514_string()
    result.issuer = certificate.issuer.rfc4514_string()
    result.serial = format(certificate.serial_number, "x")
    result.fingerprint_sha256 = certificate.fingerprint(hashes.SHA256()).hex()
    result.not_before = certificate.not_valid_before_utc
    result.not_after = certificate.not_valid_after_utc
    result.identifiers = parse_identifiers(certificate.subject)


def describe_entries(entries: Sequence[KeystoreEntry]) -> list[EntryInfo]:
    """Key entries, then each distinct CA certificate once.

    Java writes a key entry's chain certificates once per key entry; they are listed once,
    under the alias of a trusted entry when there is one. Certificates of key entries (the
    authentication certificate is in the encryption entries' chains) are not listed again.
    """
    key_entries = [entry for entry in entries if entry.has_private_key]
    key_certificates = {entry.certificate for entry in key_entries}
    ca_entries: dict[x509.Certificate, KeystoreEntry] = {}
    for entry in entries:
        certificate = entry.certificate
        if entry.has_private_key or certificate is None or certificate in key_certificates:
            continue
        if certificate not in ca_entries or (entry.trusted and not ca_entries[certificate].trusted):
            ca_entries[certificate] = entry
    return [_entry_info(entry) for entry in [*key_entries, *ca_entries.values()]]


def _entry_info(entry: KeystoreEntry) -> EntryInfo:
    certificate = entry.certificate
    if not entry.has_private_key:
        kind = "ca"
    else:
        kind = "authentication" if _is_authentication(entry) else "encryption"
    key_type, key_size = _key_description(entry)
    return EntryInfo(
        alias=entry.alias,
        kind=kind,
        has_private_key=entry.has_private_key,
        subject=certificate.subject.rfc4514_string() if certificate else None,
        issuer=certificate.issuer.rfc4514_string() if certificate else None,
        serial=format(certificate.serial_number, "x") if certificate else None,
        not_before=certificate.not_valid_before_utc if certificate else None,
        not_after=certificate.not_valid_after_utc if certificate else None,
        key_type=key_type,
        key_size=key_size,
        local_key_id=entry.local_key_id.hex() if entry.local_key_id is not None else None,
    )


def _key_description(entry: KeystoreEntry) -> tuple[str | None, int | None]:
    """The private key's type and size, or the certificate's (entries whose key validation left encrypted)."""
    if entry.private_key is None:
        return _public_key_description(entry.certificate) if entry.certificate else (None, None)
    return _describe_key(entry.private_key)


def _public_key_description(certificate: x509.Certificate) -> tuple[str | None, int | None]:
    try:
        return _describe_key(certificate.public_key())
    except Exception:  # unsupported public key algorithm
        return None, None


def _describe_key(key: object) -> tuple[str | None, int | None]:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "EC", key.key_size
    return None, None


# --------------------------------------------------------------------------- dates


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar month arithmetic, clamping the day: 31 May - 3 months = 28/29 February."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _format_date(moment: datetime) -> str:
    return moment.astimezone(_DISPLAY_ZONE).strftime("%d/%m/%Y")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
