"""The ordered checks an eHealth keystore must pass before it is accepted (no Django).

:func:`validate_keystore` stops at the first failing check and returns a
:class:`~ehealth_certs.keystore.result.ValidationResult` with its
:class:`~ehealth_certs.keystore.codes.ErrorCode`, the key and raw parameters of its message, and
every piece of metadata known at that point. It never raises, whatever the bytes and the password.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from ehealth_certs.keystore import ocsp
from ehealth_certs.keystore.codes import ErrorCode, RevocationStatus, WarningCode
from ehealth_certs.keystore.dates import add_months, aware
from ehealth_certs.keystore.description import describe_entries, is_authentication, is_authentication_alias
from ehealth_certs.keystore.entry import (
    KeystoreEntry,
    NoMacError,
    Pkcs12Error,
    TooCostlyError,
    WrongPasswordError,
    public_key_der,
)
from ehealth_certs.keystore.profile import check_authentication_profile, check_encryption_keys, check_request_completed
from ehealth_certs.keystore.reader import read_keystore
from ehealth_certs.keystore.result import Failure, ValidationResult
from ehealth_certs.keystore.subject import (
    digits,
    holder_name,
    organisation_identifier,
    parse_identifier_pairs,
    parse_identifiers,
)
from ehealth_certs.keystore.trust import ACCEPTANCE, ENVIRONMENTS, TrustSettings, chains_to, issued_by, looks_like_acceptance

__all__ = [
    "ErrorCode",
    "ExpectedIdentity",
    "RevocationStatus",
    "TrustSettings",
    "ValidationResult",
    "WarningCode",
    "recheck_active",
    "validate_keystore",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 256 * 1024


@dataclass(frozen=True)
class ExpectedIdentity:
    """The practitioner the certificate must belong to: their NISS, and their name for messages."""

    ssin: str | None = None
    name: str | None = None


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
            now=aware(now),
            expected=expected,
            active_not_after=aware(active_not_after) if active_not_after else None,
            renewal_window_months=renewal_window_months,
            max_size=max_size,
            revocation=revocation,
        )
    except Failure as failure:
        result.refuse(failure)
    except Exception:  # a hostile file must never turn into a server error
        logger.exception("unexpected error while validating a keystore")
        result.refuse(Failure(ErrorCode.NOT_PKCS12))
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
        raise Failure(ErrorCode.TOO_LARGE, size=-(-len(data) // 1024), max_size=max_size // 1024)
    entries = _read(data, password)
    result.entries = describe_entries(entries)
    authentication, certificate = _authentication_entry(entries)
    _describe_certificate(result, certificate)
    _check_key_pair(authentication)
    check_request_completed(certificate)
    check_encryption_keys(result, entries, certificate)
    _check_dates(certificate, now)
    if now >= add_months(certificate.not_valid_after_utc, -renewal_window_months):
        result.warnings.append(WarningCode.EXPIRES_SOON)
    _check_trust(result, certificate, entries, trust, now)
    check_authentication_profile(certificate)
    if expected is not None:
        _check_identity(certificate, expected)
    _check_not_older(certificate.not_valid_after_utc, active_not_after)
    issuer = _describe_issuer(result, certificate, entries, trust, now)
    if revocation is not None:
        _check_revocation(result, certificate, issuer, revocation, now)


def _check_not_older(not_after: datetime, active_not_after: datetime | None) -> None:
    if active_not_after is not None and not_after <= active_not_after:
        raise Failure(ErrorCode.OLDER_THAN_ACTIVE, date=not_after, active_date=active_not_after)


def recheck_active(result: ValidationResult, active_not_after: datetime | None) -> None:
    """The older_than_active check again, against the active certificate found when storing (a
    concurrent import may have stored one since validation)."""
    if not result.valid or result.not_after is None:
        return
    try:
        _check_not_older(result.not_after, active_not_after)
    except Failure as failure:
        result.refuse(failure)


def _read(data: bytes, password: str) -> list[KeystoreEntry]:
    """Every entry; only the authentication key is decrypted (the others are described by their
    certificate): each key costs a key derivation, 150,000 SHA-1 iterations in the legacy layout."""
    try:
        return read_keystore(data, password, decrypt_key=is_authentication_alias)
    except WrongPasswordError as exc:
        raise Failure(ErrorCode.WRONG_PASSWORD) from exc
    except NoMacError as exc:
        raise Failure(ErrorCode.NO_MAC) from exc
    except TooCostlyError as exc:
        raise Failure(ErrorCode.TOO_COSTLY) from exc
    except Pkcs12Error as exc:  # NotPkcs12Error, or anything else unreadable
        raise Failure(ErrorCode.NOT_PKCS12) from exc


def _authentication_entry(entries: Sequence[KeystoreEntry]) -> tuple[KeystoreEntry, x509.Certificate]:
    for entry in entries:
        if is_authentication(entry) and entry.certificate is not None:
            return entry, entry.certificate
    raise Failure(ErrorCode.NO_AUTHENTICATION_ENTRY)


def _describe_certificate(result: ValidationResult, certificate: x509.Certificate) -> None:
    result.subject = certificate.subject.rfc4514_string()
    result.issuer = certificate.issuer.rfc4514_string()
    result.serial = format(certificate.serial_number, "x")
    result.fingerprint_sha256 = certificate.fingerprint(hashes.SHA256()).hex()
    result.not_before = certificate.not_valid_before_utc
    result.not_after = certificate.not_valid_after_utc
    result.identifiers = parse_identifiers(certificate.subject)


def _check_key_pair(entry: KeystoreEntry) -> None:
    try:
        matches = public_key_der(entry.private_key.public_key()) == public_key_der(entry.certificate.public_key())  # type: ignore[union-attr]
    except Exception:  # unsupported key types cannot be shown to match
        matches = False
    if not matches:
        raise Failure(ErrorCode.KEY_MISMATCH)


def _check_dates(certificate: x509.Certificate, now: datetime) -> None:
    if now < certificate.not_valid_before_utc:
        raise Failure(ErrorCode.NOT_YET_VALID, date=certificate.not_valid_before_utc)
    if now > certificate.not_valid_after_utc:
        raise Failure(ErrorCode.EXPIRED, date=certificate.not_valid_after_utc)


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
        raise Failure(
            ErrorCode.ENVIRONMENT_MISMATCH, certificate_environment=result.environment, environment=trust.environment
        )
    if chained is None:
        if not trust.bundle(trust.environment):
            raise Failure(ErrorCode.UNTRUSTED_CHAIN, "no_ca_bundle", environment=trust.environment)
        raise Failure(ErrorCode.UNTRUSTED_CHAIN)


def _chain_certificates(entries: Sequence[KeystoreEntry]) -> list[x509.Certificate]:
    """The keystore's certificates without a key: the CA chain (and trusted entries)."""
    return [entry.certificate for entry in entries if entry.certificate and not entry.has_private_key]


def _check_identity(certificate: x509.Certificate, expected: ExpectedIdentity) -> None:
    """A practitioner's record takes a person certificate carrying the practitioner's NISS (SSIN)."""
    pairs = parse_identifier_pairs(certificate.subject)
    ssins = [value for name, value in pairs if name == "SSIN"]
    if not ssins:
        organisation = organisation_identifier(pairs)
        if organisation is not None:
            raise Failure(ErrorCode.ORGANISATION_CERTIFICATE, identifier=organisation)
        raise Failure(ErrorCode.IDENTITY_MISMATCH, "no_identifier")
    expected_ssin = digits(expected.ssin)
    for ssin in ssins:
        if ssin == expected_ssin:
            continue
        holder = {"holder_name": holder_name(certificate.subject), "holder_niss": ssin}
        if not expected_ssin:
            raise Failure(ErrorCode.IDENTITY_MISMATCH, "identity_not_recorded", **holder)
        raise Failure(
            ErrorCode.IDENTITY_MISMATCH, **holder, practitioner_name=expected.name, practitioner_niss=expected_ssin
        )


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
    result.revocation = {
        ocsp.OcspStatus.GOOD: RevocationStatus.GOOD,
        ocsp.OcspStatus.REVOKED: RevocationStatus.REVOKED,
    }.get(answer.status, RevocationStatus.UNKNOWN)
    result.revoked_at, result.revocation_reason = answer.revoked_at, answer.reason
    if answer.status == ocsp.OcspStatus.REVOKED:
        raise Failure(ErrorCode.REVOKED, date=answer.revoked_at, reason=answer.reason)
    if answer.status != ocsp.OcspStatus.GOOD:
        result.warnings.append(WarningCode.REVOCATION_UNKNOWN)
