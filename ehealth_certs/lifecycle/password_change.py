"""Changing a keystore's password: the stored one (replaced in place) or an uploaded file.

The keystore is re-encrypted by ``keystore.writer.change_password``, which keeps every key, certificate,
friendly name and localKeyId, then reopens the result with the new password (and checks that
the old one fails) before returning it. Only then is the stored keystore replaced, in one
transaction, if the certificate is still active; the new file is offered once for download (a
``KeystoreDownload`` row: encrypted, bound to the user, short-lived, deleted when downloaded).
Nothing changes when a step fails: the service raises ``oxygen.errors.Refused`` with a code (the
words are in ``ehealth_certs.refusals``). Wrong current passwords count in the import throttle.

Passwords are never stored, logged or returned; Django's error reports hide them.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from audit.models import EventKind
from audit.services import record_event
from practitioners.models import Practitioner

from ehealth_certs.keystore import entry, writer
from ehealth_certs.keystore_text import failed_password_rules
from ehealth_certs.lifecycle import keystore_import, storage
from oxygen import throttle
from oxygen.errors import Refused
from ehealth_certs.models import Certificate, CertificateState, KeystoreDownload, KeystorePasswordChange

logger = logging.getLogger(__name__)

# The codes of Refused (oxygen.errors); their words are in ehealth_certs.refusals.
POLICY, UNCHANGED, WRONG_PASSWORD, THROTTLED, NOT_ACTIVE, NOT_KEYSTORE, REENCRYPT_FAILED = (
    "policy", "unchanged", "wrong_password", "throttled", "not_active", "not_keystore", "reencrypt_failed",
)


@sensitive_variables("current", "new", "confirmation")
def _precheck(current: str, new: str, confirmation: str) -> None:
    failed = failed_password_rules(new, confirmation)
    if failed:
        raise Refused(POLICY, failed_rules=failed)
    if new == current:
        raise Refused(UNCHANGED)


def _claim(scopes: list[str], now: datetime) -> throttle.Claim:
    """Counts the attempt before the current password is tried (see throttle.py)."""
    attempt = throttle.claim(scopes, now)
    if not attempt.allowed:
        raise Refused(THROTTLED, reason=attempt.reason, retry_time=attempt.retry_time, until=attempt.blocked_until)
    return attempt


@sensitive_variables("current", "new")
def _reencrypt(data: bytes, current: str, new: str, attempt: throttle.Claim) -> bytes:
    try:
        keystore = writer.change_password(data, current, new)
    except entry.WrongPasswordError:
        raise Refused(WRONG_PASSWORD) from None
    except entry.NotPkcs12Error:
        attempt.release()
        raise Refused(NOT_KEYSTORE) from None
    except entry.Pkcs12Error as exc:
        logger.warning("keystore re-encryption refused: %s", exc)
        attempt.release()
        raise Refused(REENCRYPT_FAILED, reason=str(exc)) from None
    attempt.release()
    return keystore


@sensitive_variables("current", "new", "confirmation")
def change_stored_keystore_password(
    certificate: Certificate,
    current: str,
    new: str,
    confirmation: str,
    *,
    actor,
    request=None,
    now: datetime | None = None,
) -> str:
    """Re-encrypt the stored keystore of the active ``certificate`` under ``new``; offer it for download once
    (to ``actor``): returns the download's token.

    Raises ``Refused`` (``POLICY`` with ``failed_rules``, ``UNCHANGED``, ``THROTTLED`` with ``reason``
    and ``retry_time``, ``NOT_ACTIVE``, ``WRONG_PASSWORD``, ``NOT_KEYSTORE``, ``REENCRYPT_FAILED``
    with ``reason``), after recording it in the audit log.
    """
    now = now or timezone.now()
    practitioner = certificate.practitioner
    try:
        _precheck(current, new, confirmation)
        attempt = _claim(keystore_import.throttle_scopes(practitioner, actor), now)
        with transaction.atomic():
            locked = (
                Certificate.objects.select_for_update()
                .filter(pk=certificate.pk, state=CertificateState.ACTIVE)
                .first()
            )
            if locked is None:
                attempt.release()
                raise Refused(NOT_ACTIVE)
            keystore = _reencrypt(storage.decrypt(locked.encrypted_keystore), current, new, attempt)
            return _replace(locked, keystore, actor, request, now)
    except Refused as refused:
        _record_refusal(refused, practitioner, certificate, actor, request)
        raise


def _replace(certificate: Certificate, keystore: bytes, actor, request, now: datetime) -> str:
    Certificate.objects.filter(pk=certificate.pk).update(
        encrypted_keystore=storage.encrypt(keystore), file_size=len(keystore)
    )
    KeystorePasswordChange.objects.create(certificate=certificate, changed_at=now, changed_by=actor)
    token = create_download(actor, certificate.practitioner, keystore, download_name(certificate), now=now)
    logger.info("keystore password of certificate %s changed", certificate.public_id)
    record_event(
        EventKind.KEYSTORE_PASSWORD_CHANGED, actor=actor, request=request, practitioner=certificate.practitioner,
        summary="Stored keystore re-encrypted under a new password",
        details={"certificate": str(certificate.public_id), "serial": certificate.serial, "stored": True},
    )
    return token


@sensitive_variables("current", "new", "confirmation")
def change_uploaded_keystore_password(
    data: bytes,
    current: str,
    new: str,
    confirmation: str,
    *,
    practitioner: Practitioner | None = None,
    actor=None,
    request=None,
    now: datetime | None = None,
) -> bytes:
    """Re-encrypt an uploaded keystore under ``new`` and return it; nothing is stored.

    From a record's page (``practitioner`` given) wrong passwords count in the record's and the
    actor's throttle; the command line (no record, no actor) is not throttled. Raises ``Refused``
    as ``change_stored_keystore_password`` does (never ``NOT_ACTIVE``).
    """
    now = now or timezone.now()
    try:
        _precheck(current, new, confirmation)
        if len(data) > settings.KEYSTORE_MAX_BYTES:
            raise Refused(NOT_KEYSTORE)
        attempt = _claim(keystore_import.throttle_scopes(practitioner, actor) if practitioner is not None else [], now)
        keystore = _reencrypt(data, current, new, attempt)
    except Refused as refused:
        _record_refusal(refused, practitioner, None, actor, request)
        raise
    record_event(
        EventKind.KEYSTORE_PASSWORD_CHANGED, actor=actor, request=request, practitioner=practitioner,
        summary="Uploaded keystore re-encrypted under a new password (not stored)", details={"stored": False},
    )
    return keystore


def _record_refusal(refused: Refused, practitioner, certificate, actor, request) -> None:
    """Outside the failed transaction (see ``record_event``)."""
    logger.info("keystore password change for record %s refused: %s",
                practitioner.public_id if practitioner is not None else "-", refused.code)
    details = {"error": refused.code, "stored": certificate is not None}
    if certificate is not None:
        details["certificate"] = str(certificate.public_id)
    if refused.params.get("failed_rules"):
        details["failed_rules"] = [rule.code for rule in refused.params["failed_rules"]]
    record_event(
        EventKind.KEYSTORE_PASSWORD_CHANGE_FAILED, actor=actor, request=request, practitioner=practitioner,
        summary=f"Keystore password change refused: {refused.code}", details=details,
    )


# --------------------------------------------------------------------------- one-time download


def download_name(certificate: Certificate) -> str:
    """The stored keystore's original file name (so it replaces the old file in the keystore folder)."""
    if certificate.file_name:
        return certificate.file_name
    extension = ".acc-p12" if certificate.environment == "acceptance" else ".p12"
    ssin = certificate.identifiers.get("SSIN", "")
    return f"SSIN={ssin} {timezone.localtime(certificate.uploaded_at):%Y%m%d-%H%M%S}{extension}" if ssin else f"keystore{extension}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_download(actor, practitioner: Practitioner, keystore: bytes, file_name: str, *, now: datetime | None = None) -> str:
    """Keep ``keystore`` for one download by ``actor``; return the URL token. Drops expired downloads."""
    now = now or timezone.now()
    purge_expired_downloads(now)
    token = secrets.token_urlsafe(32)
    KeystoreDownload.objects.create(
        token_sha256=_token_hash(token),
        user=actor,
        practitioner=practitioner,
        encrypted_keystore=storage.encrypt(keystore),
        file_name=keystore_import.clean_file_name(file_name) or "keystore.p12",
        created_at=now,
        expires_at=now + timedelta(seconds=int(settings.KEYSTORE_DOWNLOAD_TTL)),
    )
    return token


def purge_expired_downloads(now: datetime | None = None) -> int:
    """Deletes the downloads whose time is up (re-encrypted keystores nobody fetched); their number.
    Run daily (beat task, and the cron command send_expiry_reminders) and before each new one."""
    deleted, _by_model = KeystoreDownload.objects.filter(expires_at__lte=now or timezone.now()).delete()
    if deleted:
        logger.info("%d expired one-time keystore download(s) deleted", deleted)
    return deleted


def _pending(token: str, actor, practitioner: Practitioner, now: datetime):
    if actor is None:
        return KeystoreDownload.objects.none()
    return KeystoreDownload.objects.filter(
        token_sha256=_token_hash(token), user=actor, practitioner=practitioner, expires_at__gt=now
    )


def pending_download(token: str, actor, practitioner: Practitioner, now: datetime | None = None) -> KeystoreDownload | None:
    """The download behind ``token`` if ``actor`` may still take it (without taking it)."""
    return _pending(token, actor, practitioner, now or timezone.now()).defer("encrypted_keystore").first()


def take_download(token: str, actor, practitioner: Practitioner, now: datetime | None = None) -> tuple[bytes, str] | None:
    """The keystore and its file name, once: the row is deleted; None if gone, expired or someone else's."""
    row = _pending(token, actor, practitioner, now or timezone.now()).first()
    if row is None:
        return None
    deleted, _rows = KeystoreDownload.objects.filter(pk=row.pk).delete()
    if not deleted:  # a concurrent request took it first
        return None
    return storage.decrypt(row.encrypted_keystore), row.file_name


def write_new_file(path: str, keystore: bytes) -> None:
    """Create ``path`` (never overwrite) readable by its owner only, with the whole keystore or nothing."""
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".keystore-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(keystore)
            stream.flush()
            os.fsync(stream.fileno())
        os.link(temporary, path)  # fails if path exists: no overwrite, even in a race
    finally:
        os.unlink(temporary)
