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
from django.views.decorators.debug import sensitive_variables

from audit.models import EventKind
from audit.services import record_event
from practitioners.models import Practitioner

from ehealth_certs import conf
from ehealth_certs.lifecycle import storage
from oxygen import throttle
from oxygen.errors import Refused
from ehealth_certs.models import Certificate, CertificateEntry, CertificateState, EntryKind, UploadChannel
from ehealth_certs.keystore.validation import ExpectedIdentity, RevocationStatus, ValidationResult, recheck_active, validate_keystore
from ehealth_certs.keystore_text import validation_message

logger = logging.getLogger(__name__)

THROTTLED = "throttled"
CONFLICT = "conflict"
NOT_ACTIVE = "not_active"
FILE_NAME_MAX_LENGTH = 255

@dataclass
class ImportOutcome:
    """What :func:`import_keystore` did: the new certificate (returned), or why there is none (the
    ``outcome`` of the ``Refused`` it raises).

    ``error`` is a validation code, or ``throttled`` (no attempt was made) or ``conflict`` (a
    concurrent import won); ``result`` is None when validation did not run. ``message`` holds the
    words of a validation refusal; those of ``throttled`` and ``conflict`` are the callers' (see
    ``ehealth_certs.refusals.refused_import``).
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


def throttle_scopes(practitioner: Practitioner, actor) -> list[str]:
    return throttle.scopes(practitioner.public_id, actor.pk if actor is not None else None)


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
    actor=None,
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
    Every attempt is kept in the audit log, by ``actor`` (with ``request``'s address when there is one).
    Returns the outcome of an import; a refusal raises ``Refused(code, outcome=…)`` (``oxygen.errors``),
    the outcome saying why (validation result and its words, end of the pause); ``THROTTLED`` also
    gives ``reason`` and ``retry_time``.
    """
    details = {"file_name": clean_file_name(source_name), "via": via, "uploader": uploader_name or ""}
    try:
        outcome = _import_keystore(
            practitioner, uploaded_bytes, password,
            actor=actor, source_name=source_name, via=via, uploader_name=uploader_name, now=now or timezone.now(),
        )  # fmt: skip
    except Refused as refused:
        record_event(EventKind.CERTIFICATE_IMPORT_FAILED, actor=actor, request=request, practitioner=practitioner,
                     summary=refused.code, details={**details, "error": refused.code})  # fmt: skip
        raise
    details.update(certificate=outcome.certificate.public_id, sha256=outcome.certificate.fingerprint_sha256)
    record_event(EventKind.CERTIFICATE_IMPORT, actor=actor, request=request, practitioner=practitioner,
                 summary=outcome.certificate.subject, details=details)  # fmt: skip
    return outcome


@sensitive_variables("password")
def _import_keystore(
    practitioner: Practitioner,
    uploaded_bytes: bytes,
    password: str,
    *,
    actor,
    source_name: str,
    via: str,
    uploader_name: str | None,
    now: datetime,
) -> ImportOutcome:
    attempt = throttle.claim(throttle_scopes(practitioner, actor), now)
    if not attempt.allowed:
        logger.warning("keystore import for record %s refused: too many attempts (%s)", practitioner.public_id, attempt.reason)
        raise Refused(
            THROTTLED, reason=attempt.reason, retry_time=attempt.retry_time,
            outcome=ImportOutcome(error=THROTTLED, throttled_until=attempt.blocked_until),
        )  # fmt: skip
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
        raise _refusal(_refused(practitioner, result))
    try:
        with transaction.atomic():
            locked = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
            current = _active_certificate(locked)
            if current != active:  # another import stored one while this one was being validated
                recheck_active(result, current.not_after if current else None)
                if not result.valid:
                    raise _refusal(_refused(practitioner, result))
            certificate = _store(
                locked, current, uploaded_bytes, result,
                actor=actor, source_name=source_name, via=via, uploader_name=uploader_name, now=now,
            )  # fmt: skip
    except (IntegrityError, _Conflict):
        logger.warning("keystore import for record %s lost a race with another import", practitioner.public_id)
        raise Refused(CONFLICT, outcome=ImportOutcome(result=None, error=CONFLICT)) from None
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


def _refusal(outcome: ImportOutcome) -> Refused:
    return Refused(outcome.error, outcome=outcome)


class _Conflict(Exception):
    """The active certificate changed under our feet."""


def _store(
    practitioner: Practitioner,
    active: Certificate | None,
    data: bytes,
    result: ValidationResult,
    *,
    actor,
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
        uploader_name = actor.get_username() if actor is not None else ""
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
        uploaded_by=actor,
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


def remove_certificate(certificate: Certificate, *, actor=None, now: datetime | None = None, request=None) -> None:
    """Take the active certificate off its record (the row stays, as removed).

    Raises ``Refused(NOT_ACTIVE)`` when it is no longer active (removed once only).
    """
    removed = Certificate.objects.filter(pk=certificate.pk, state=CertificateState.ACTIVE).update(
        state=CertificateState.REMOVED,
        removed_at=now or timezone.now(),
        removed_by=actor,
    )
    if removed != 1:
        raise Refused(NOT_ACTIVE)
    logger.info("certificate %s removed from record %s", certificate.public_id, certificate.practitioner_id)
    record_event(EventKind.CERTIFICATE_REMOVED, actor=actor, request=request, practitioner=certificate.practitioner,
                 summary=certificate.subject, details={"certificate": certificate.public_id})  # fmt: skip


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
