"""Keystore workflows: import (page and command line), remove, re-encrypt under the current key.

The keystore's password is only ever passed through to validation: it is not stored, logged or
returned, and these functions hide it from Django's error reports.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from audit.models import EventKind
from audit.services import record_event
from practitioners.models import Practitioner

from ehealth_certs import conf
from ehealth_certs.lifecycle import storage
from oxygen import throttle
from ehealth_certs.models import Certificate, CertificateEntry, CertificateState, EntryKind, UploadChannel
from ehealth_certs.keystore.validation import ExpectedIdentity, RevocationStatus, ValidationResult, recheck_active, validate_keystore
from ehealth_certs.keystore_text import validation_message

logger = logging.getLogger(__name__)

THROTTLED = "throttled"
CONFLICT = "conflict"
FILE_NAME_MAX_LENGTH = 255

WARNING_MESSAGES = {
    "expires_soon": _(
        "This certificate expires within %(months)s months: you can already renew it with the eHealth "
        "Certificate Manager, then import the renewed keystore here."
    ),
    "revocation_unknown": _(
        "The certification authority could not be asked whether this certificate is revoked (its OCSP responder "
        "did not answer, or its answer could not be verified). An imported certificate is checked again every day."
    ),
    "no_encryption_key": _(
        "This keystore has no encryption key (ETK): it lets the practitioner log in to eHealth services, but "
        "not read encrypted eHealth messages (eHealthBox). Create the ETK in the eHealth Certificate Manager "
        "(step \"complete\" of the request, or \"activate the ETK\" after a renewal), then import the "
        "keystore again."
    ),
    "encryption_key_not_issued_by_authentication": _(
        "A key of this keystore looks like an encryption key (ETK) but was not issued by its authentication "
        "key, as the eHealth Certificate Manager makes it: encrypted eHealth messages may not be readable. "
        "Check the ETK in the eHealth Certificate Manager."
    ),
    "encryption_key_other_subject": _(
        "A key of this keystore looks like an encryption key (ETK) but names someone other than the "
        "authentication certificate: encrypted eHealth messages may not be readable. Check the ETK in the "
        "eHealth Certificate Manager."
    ),
    "encryption_key_alias_not_serial": _(
        "A key of this keystore looks like an encryption key (ETK) but is not named after its certificate's "
        "serial number, as the eHealth Certificate Manager names it: the keystore was probably changed by "
        "another tool. Use the keystore written by the eHealth Certificate Manager."
    ),
}
_THROTTLED_MESSAGE = _(
    "Too many wrong passwords for this keystore. For your security, try again after %(time)s."
)
_TOO_MANY_VALIDATIONS_MESSAGE = _(
    "Too many keystores checked from your account in a short time. For your security, try again after %(time)s."
)
_CONFLICT_MESSAGE = _(
    "Another certificate was imported for this record at the same moment. Reload the record and check "
    "which certificate is active before trying again."
)


@dataclass
class ImportOutcome:
    """What :func:`import_keystore` did: the new certificate, or why there is none.

    ``error`` is a validation code, or ``throttled`` (no attempt was made) or ``conflict`` (a
    concurrent import won); ``result`` is None when validation did not run.
    """

    result: ValidationResult | None = None
    certificate: Certificate | None = None
    error: str | None = None
    message: str = ""
    throttled_until: datetime | None = None

    @property
    def imported(self) -> bool:
        return self.certificate is not None

    @property
    def warnings(self) -> list[str]:
        return [str(code) for code in self.result.warnings] if self.result else []

    def to_json_dict(self) -> dict:
        data = self.result.to_json_dict() if self.result else {
            "valid": False, "warnings": [], "environment": None, "identifiers": {}, "subject": "",
            "not_before": None, "not_after": None, "encryption_key": None, "entries": [],
        }
        data.update(valid=self.imported, error=self.error, message=str(self.message))
        data["certificate_id"] = str(self.certificate.public_id) if self.certificate else None
        if self.throttled_until is not None:
            data["retry_after"] = self.throttled_until.isoformat()
        return data


def warning_message(code: str) -> str:
    template = WARNING_MESSAGES.get(code)
    if template is None:
        return code
    return str(template) % {"months": conf.renewal_window_months()}


def read_capped(stream: BinaryIO, limit: int | None = None) -> bytes:
    """At most ``limit + 1`` bytes of an upload: enough to tell that it is too large, never more."""
    limit = conf.max_keystore_bytes() if limit is None else limit
    chunks, remaining = [], limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 64 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


_PATH_SEPARATORS = re.compile(r"[\\/]")


def clean_file_name(name: str | None) -> str:
    """The original file name for display: no folders, no control characters, bounded length."""
    base = _PATH_SEPARATORS.split(name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > FILE_NAME_MAX_LENGTH:
        stem, dot, extension = base.rpartition(".")
        suffix = "…" + (f".{extension}" if dot and len(extension) <= 10 else "")
        base = base[: FILE_NAME_MAX_LENGTH - len(suffix)] + suffix
    return base


def expected_identity(practitioner: Practitioner) -> ExpectedIdentity:
    name = f"{practitioner.first_names} {practitioner.last_name}".strip()
    return ExpectedIdentity(ssin=practitioner.niss or None, name=name or None)


def throttle_scopes(practitioner: Practitioner, user) -> list[str]:
    user_key = user.pk if user is not None and user.is_authenticated else None
    return throttle.scopes(practitioner.public_id, user_key)


def throttled_message(attempt: throttle.Claim) -> str:
    message = _TOO_MANY_VALIDATIONS_MESSAGE if attempt.reason == throttle.VALIDATIONS else _THROTTLED_MESSAGE
    return message % {"time": attempt.retry_time}


@sensitive_variables("password")
def validate_for_inspection(data: bytes, password: str, *, ssin: str | None = None, now: datetime | None = None):
    """Validation without a record (``keystore inspect``): identity checked against ``ssin`` when given."""
    return validate_keystore(
        data,
        password,
        trust=conf.trust_settings(),
        now=now or timezone.now(),
        expected=ExpectedIdentity(ssin=ssin) if ssin else None,
        renewal_window_months=conf.renewal_window_months(),
        max_size=conf.max_keystore_bytes(),
        revocation=conf.revocation_check(),
    )


@sensitive_variables("password")
def import_keystore(
    practitioner: Practitioner,
    uploaded_bytes: bytes,
    password: str,
    *,
    user=None,
    source_name: str,
    via: str = UploadChannel.WEB,
    uploader_name: str | None = None,
    now: datetime | None = None,
    request=None,
) -> ImportOutcome:
    """Validate a keystore for ``practitioner`` and, when valid, make it the record's active certificate.

    Refused without a validation attempt while the record or the user has used up its wrong
    passwords. Validation (key derivations, the OCSP request) runs before any lock; the practitioner
    row is then locked only to store, checking again against the active certificate found then, so
    of two concurrent imports the later certificate ends up active (and the database refuses a
    second active one).
    Every attempt is kept in the audit log (with ``request``'s address when there is one).
    """
    outcome = _import_keystore(
        practitioner, uploaded_bytes, password,
        user=user, source_name=source_name, via=via, uploader_name=uploader_name, now=now or timezone.now(),
    )  # fmt: skip
    details = {"file_name": clean_file_name(source_name), "via": via, "uploader": uploader_name or ""}
    if outcome.imported:
        details.update(certificate=outcome.certificate.public_id, sha256=outcome.certificate.fingerprint_sha256)
        record_event(EventKind.CERTIFICATE_IMPORT, request=request, user=user, practitioner=practitioner,
                     summary=outcome.certificate.subject, details=details)  # fmt: skip
    else:
        record_event(EventKind.CERTIFICATE_IMPORT_FAILED, request=request, user=user, practitioner=practitioner,
                     summary=outcome.error or "", details={**details, "error": outcome.error})  # fmt: skip
    return outcome


@sensitive_variables("password")
def _import_keystore(
    practitioner: Practitioner,
    uploaded_bytes: bytes,
    password: str,
    *,
    user,
    source_name: str,
    via: str,
    uploader_name: str | None,
    now: datetime,
) -> ImportOutcome:
    attempt = throttle.claim(throttle_scopes(practitioner, user), now)
    if not attempt.allowed:
        logger.warning("keystore import for record %s refused: too many attempts (%s)", practitioner.public_id, attempt.reason)
        return ImportOutcome(
            error=THROTTLED, message=throttled_message(attempt), throttled_until=attempt.blocked_until
        )
    active = _active_certificate(practitioner)
    result = validate_keystore(  # key derivations and the OCSP request: before any lock
        uploaded_bytes,
        password,
        trust=conf.trust_settings(),
        now=now,
        expected=expected_identity(practitioner),
        active_not_after=active.not_after if active else None,
        renewal_window_months=conf.renewal_window_months(),
        max_size=conf.max_keystore_bytes(),
        revocation=conf.revocation_check(),
    )
    if result.error != "wrong_password":
        attempt.release()  # only a wrong password keeps its place in the count
    if not result.valid:
        return _refused(practitioner, result)
    try:
        with transaction.atomic():
            locked = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
            current = _active_certificate(locked)
            if current != active:  # another import stored one while this one was being validated
                recheck_active(result, current.not_after if current else None)
                if not result.valid:
                    return _refused(practitioner, result)
            certificate = _store(
                locked, current, uploaded_bytes, result,
                user=user, source_name=source_name, via=via, uploader_name=uploader_name, now=now,
            )  # fmt: skip
    except (IntegrityError, _Conflict):
        logger.warning("keystore import for record %s lost a race with another import", practitioner.public_id)
        return ImportOutcome(result=None, error=CONFLICT, message=_CONFLICT_MESSAGE)
    logger.info(
        "keystore imported for record %s: certificate %s (sha256 %s)",
        practitioner.public_id, certificate.public_id, certificate.fingerprint_sha256,
    )  # fmt: skip
    return ImportOutcome(result=result, certificate=certificate)


def _active_certificate(practitioner: Practitioner) -> Certificate | None:
    return practitioner.certificates.filter(state=CertificateState.ACTIVE).only("pk", "not_after").first()


def _refused(practitioner: Practitioner, result: ValidationResult) -> ImportOutcome:
    logger.info("keystore import for record %s refused: %s", practitioner.public_id, result.error)
    return ImportOutcome(result=result, error=str(result.error), message=validation_message(result))


class _Conflict(Exception):
    """The active certificate changed under our feet."""


def _store(
    practitioner: Practitioner,
    active: Certificate | None,
    data: bytes,
    result: ValidationResult,
    *,
    user,
    source_name: str,
    via: str,
    uploader_name: str | None,
    now: datetime,
) -> Certificate:
    if active is not None:
        superseded = Certificate.objects.filter(pk=active.pk, state=CertificateState.ACTIVE).update(
            state=CertificateState.SUPERSEDED, superseded_at=now
        )
        if superseded != 1:
            raise _Conflict
    if uploader_name is None:
        uploader_name = user.get_username() if user is not None and user.is_authenticated else ""
    certificate = Certificate.objects.create(
        practitioner=practitioner,
        state=CertificateState.ACTIVE,
        encrypted_keystore=storage.encrypt(data),
        subject=result.subject,
        issuer=result.issuer,
        serial=result.serial,
        fingerprint_sha256=result.fingerprint_sha256,
        identifiers=dict(result.identifiers),
        environment=result.environment,
        not_before=result.not_before,
        not_after=result.not_after,
        encryption_key_status=result.encryption_key,
        file_name=clean_file_name(source_name),
        file_size=len(data),
        uploaded_at=now,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        uploaded_by_name=uploader_name[:150],
        uploaded_via=via,
        certificate_der=result.certificate_der,
        issuer_der=result.issuer_der,
        ocsp_url=result.ocsp_url,
        revocation_check=result.revocation,
        revocation_checked_at=None if result.revocation == RevocationStatus.NOT_CHECKED else now,
        revocation_confirmed_at=now if result.revocation == RevocationStatus.GOOD else None,
    )
    CertificateEntry.objects.bulk_create(
        CertificateEntry(
            certificate=certificate,
            position=position,
            alias=entry.alias or "",
            kind=entry.kind if entry.kind in EntryKind.values else EntryKind.OTHER,
            has_private_key=entry.has_private_key,
            key_type=entry.key_type or "",
            key_size=entry.key_size,
            subject=entry.subject or "",
            issuer=entry.issuer or "",
            serial=entry.serial or "",
            not_before=entry.not_before,
            not_after=entry.not_after,
            local_key_id=entry.local_key_id or "",
        )
        for position, entry in enumerate(result.entries)
    )
    return certificate


def remove_certificate(certificate: Certificate, *, user=None, now: datetime | None = None, request=None) -> bool:
    """Take the active certificate off its record (the row stays, as removed). False if it was not active."""
    removed = Certificate.objects.filter(pk=certificate.pk, state=CertificateState.ACTIVE).update(
        state=CertificateState.REMOVED,
        removed_at=now or timezone.now(),
        removed_by=user if user is not None and user.is_authenticated else None,
    )
    if removed:
        logger.info("certificate %s removed from record %s", certificate.public_id, certificate.practitioner_id)
        record_event(EventKind.CERTIFICATE_REMOVED, request=request, user=user, practitioner=certificate.practitioner,
                     summary=certificate.subject, details={"certificate": certificate.public_id})  # fmt: skip
    return removed == 1


def stored_keystore(certificate: Certificate) -> bytes:
    """The keystore as it was uploaded (still protected by its own password)."""
    return storage.decrypt(Certificate.objects.values_list("encrypted_keystore", flat=True).get(pk=certificate.pk))


def reencrypt_keystores() -> int:
    """Re-encrypt every stored keystore with the current (first) key, after a key rotation."""
    count = 0
    for pk in Certificate.objects.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            token = Certificate.objects.select_for_update().values_list("encrypted_keystore", flat=True).get(pk=pk)
            Certificate.objects.filter(pk=pk).update(encrypted_keystore=storage.reencrypt(token))
        count += 1
    return count
