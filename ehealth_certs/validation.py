"""The ordered checks an eHealth keystore must pass before it is accepted (no Django models/settings).

:func:`validate_keystore` stops at the first failing check and returns a
:class:`ValidationResult` with its :class:`ErrorCode`, a translatable message and every piece of
metadata known at that point. It never raises, whatever the bytes and the password.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ehealth_certs import ocsp
from ehealth_certs.pkcs12 import (
    KeystoreEntry,
    NoMacError,
    Pkcs12Error,
    TooCostlyError,
    WrongPasswordError,
    public_key_der,
    read_keystore,
)
from ehealth_certs.trust import ACCEPTANCE, ENVIRONMENTS, TrustSettings, chains_to, issued_by, looks_like_acceptance

__all__ = [
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


class ErrorCode(StrEnum):
    """Why a keystore is refused, in the order the checks run."""

    TOO_LARGE = "too_large"
    NOT_PKCS12 = "not_pkcs12"
    NO_MAC = "no_mac"
    TOO_COSTLY = "too_costly"
    WRONG_PASSWORD = "wrong_password"
    NO_AUTHENTICATION_ENTRY = "no_authentication_entry"
    KEY_MISMATCH = "key_mismatch"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    UNTRUSTED_CHAIN = "untrusted_chain"
    ENVIRONMENT_MISMATCH = "environment_mismatch"
    IDENTITY_MISMATCH = "identity_mismatch"
    OLDER_THAN_ACTIVE = "older_than_active"
    REVOKED = "revoked"


class WarningCode(StrEnum):
    EXPIRES_SOON = "expires_soon"
    REVOCATION_UNKNOWN = "revocation_unknown"


class RevocationStatus(StrEnum):
    """What the certification authority's OCSP responder said (``not_checked``: checks are off)."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    NOT_CHECKED = "not_checked"


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
    "identity_mismatch": _(
        "The certificate's %(identifier)s is %(certificate_value)s, but the practitioner's is %(expected_value)s."
    ),
    "no_identifier": _("The certificate carries no SSIN, CBE or NIHII number to compare with the practitioner."),
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
_NOT_RECORDED = _("not recorded")


def _interpolate(template: str, params: Mapping[str, object]) -> str:
    return str(template) % params


_lazy_interpolate = lazy(_interpolate, str)


@dataclass(frozen=True)
class ExpectedIdentity:
    """The practitioner's (or organisation's) identifiers the certificate must carry."""

    ssin: str | None = None
    cbe: str | None = None
    nihii: Set[str] = frozenset()


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
    _check_dates(certificate, now)
    if now >= add_months(certificate.not_valid_after_utc, -renewal_window_months):
        result.warnings.append(WarningCode.EXPIRES_SOON)
    _check_trust(result, certificate, entries, trust, now)
    if expected is not None:
        _check_identity(parse_identifier_pairs(certificate.subject), expected)
    _check_not_older(certificate.not_valid_after_utc, active_not_after)
    _describe_issuer(result, certificate, entries, trust, now)
    if revocation is not None:
        _check_revocation(result, certificate, revocation, now)


def _check_not_older(not_after: datetime, active_not_after: datetime | None) -> None:
    if active_not_after is not None and not_after <= active_not_after:
        raise _Failure(
            ErrorCode.OLDER_THAN_ACTIVE, date=_format_date(not_after), active_date=_format_date(_aware(active_not_after))
        )


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
    intermediates = [entry.certificate for entry in entries if entry.certificate and not entry.has_private_key]
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


def _describe_issuer(
    result: ValidationResult,
    certificate: x509.Certificate,
    entries: Sequence[KeystoreEntry],
    trust: TrustSettings,
    now: datetime,
) -> None:
    """The certificate and the CA certificate that signed it (keystore or bundle), and its OCSP responder."""
    result.certificate_der = certificate.public_bytes(Encoding.DER)
    result.ocsp_url = ocsp.responder_url(certificate)
    candidates = [entry.certificate for entry in entries if entry.certificate and not entry.has_private_key]
    candidates += [cert for environment in ENVIRONMENTS for cert in trust.bundle(environment) or ()]
    issuer = next((cert for cert in candidates if issued_by(certificate, cert, now)), None)
    result.issuer_der = issuer.public_bytes(Encoding.DER) if issuer is not None else b""


def _check_revocation(
    result: ValidationResult, certificate: x509.Certificate, settings: ocsp.OcspSettings, now: datetime
) -> None:
    """Ask the OCSP responder: revoked is an error; no verified answer (or "unknown") a warning."""
    if not result.issuer_der:
        answer = ocsp.OcspAnswer(ocsp.OcspStatus.FAILED, detail="the issuer certificate is not available")
    else:
        issuer = x509.load_der_x509_certificate(result.issuer_der)
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


def _check_identity(pairs: Sequence[tuple[str, str]], expected: ExpectedIdentity) -> None:
    """A person certificate (SSIN) must carry the practitioner's SSIN; an organisation
    certificate must carry its CBE or one of its NIHII numbers."""
    ssins = [value for name, value in pairs if name == "SSIN"]
    if ssins:
        expected_ssin = _digits(expected.ssin)
        for ssin in ssins:
            if ssin != expected_ssin:
                _identity_mismatch("SSIN", ssin, expected.ssin or _NOT_RECORDED)
        return
    cbes = [value for name, value in pairs if name == "CBE"]
    nihiis = [(name, value) for name, value in pairs if name.startswith("NIHII")]
    if not cbes and not nihiis:
        raise _Failure(ErrorCode.IDENTITY_MISMATCH, "no_identifier")
    if any(_normalise_cbe(cbe) == _normalise_cbe(expected.cbe) for cbe in cbes):
        return
    if any(_same_nihii(value, number) for _, value in nihiis for number in expected.nihii):
        return
    if cbes:
        _identity_mismatch("CBE", cbes[0], expected.cbe or _NOT_RECORDED)
    name, value = nihiis[0]
    _identity_mismatch(name, value, ", ".join(sorted(expected.nihii)) or _NOT_RECORDED)


def _identity_mismatch(identifier: str, certificate_value: str, expected_value: object) -> NoReturn:
    raise _Failure(
        ErrorCode.IDENTITY_MISMATCH,
        identifier=identifier,
        certificate_value=certificate_value,
        expected_value=expected_value,
    )


def _digits(value: str | None) -> str:
    return "".join(character for character in value or "" if character.isdigit())


def _normalise_cbe(value: str | None) -> str:
    digits = _digits(value)
    return "0" + digits if len(digits) == 9 else digits  # old 9-digit numbers


def _same_nihii(certificate_value: str, expected_value: str) -> bool:
    """Equal, or equal on the 8 digits that identify the holder (the last 3 are a qualification)."""
    a, b = _digits(certificate_value), _digits(expected_value)
    return bool(a) and (a == b or (8 in (len(a), len(b)) and a[:8] == b[:8]))


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
    try:
        key = entry.private_key or (entry.certificate.public_key() if entry.certificate else None)
    except Exception:  # unsupported public key algorithm
        return None, None
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
