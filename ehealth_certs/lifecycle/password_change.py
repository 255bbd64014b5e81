"""Changing a keystore's password: the stored one (replaced in place) or an uploaded file.

The keystore is re-encrypted by ``keystore.writer.change_password``, which keeps every key, certificate,
friendly name and localKeyId, then reopens the result with the new password (and checks that
the old one fails) before returning it. Only then is the stored keystore replaced, in one
transaction, if the certificate is still active; the new file is offered once for download (a
``KeystoreDownload`` row: encrypted, bound to the user, short-lived, deleted when downloaded).
Nothing changes when a step fails. Wrong current passwords count in the import throttle.

Passwords are never stored, logged or returned; Django's error reports hide them.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from audit.models import EventKind
from audit.services import record_event
from practitioners.models import Practitioner

from ehealth_certs.keystore import entry, writer
from ehealth_certs.keystore_text import PasswordRule, failed_password_rules
from ehealth_certs.lifecycle import keystore_import, storage
from oxygen import throttle
from ehealth_certs.models import Certificate, CertificateState, KeystoreDownload, KeystorePasswordChange

logger = logging.getLogger(__name__)

POLICY, UNCHANGED, WRONG_PASSWORD, THROTTLED, NOT_ACTIVE, NOT_KEYSTORE, REENCRYPT_FAILED = (
    "policy", "unchanged", "wrong_password", "throttled", "not_active", "not_keystore", "reencrypt_failed",
)
MESSAGES = {
    POLICY: _("The new password does not follow the eHealth password rules."),
    UNCHANGED: _("The new password is the same as the current one: choose another one."),
    WRONG_PASSWORD: _("The current password does not open this keystore. Nothing was changed."),
    NOT_ACTIVE: _("This certificate is no longer the record's active certificate: its password was not changed."),
    NOT_KEYSTORE: _("This file is not a keystore that can be opened (is it the .p12 / .acc-p12 file?). Nothing was changed."),
    REENCRYPT_FAILED: _("The keystore could not be re-encrypted safely, so nothing was changed: %(reason)s"),
}
@dataclass
class PasswordChangeOutcome:
    """``error`` is one of the codes above (None on success); ``failed_rules`` for ``policy``."""

    error: str | None = None
    message: str = ""
    failed_rules: list[PasswordRule] = field(default_factory=list)
    keystore: bytes | None = None  # the re-encrypted file (uploaded keystores only)
    download_token: str | None = None  # the one-time download (stored keystores only)

    @property
    def changed(self) -> bool:
        return self.error is None


def _failure(code: str, **params) -> PasswordChangeOutcome:
    message = MESSAGES[code]
    return PasswordChangeOutcome(error=code, message=message % params if params else message)


@sensitive_variables("current", "new", "confirmation")
def _precheck(current: str, new: str, confirmation: str) -> PasswordChangeOutcome | None:
    failed = failed_password_rules(new, confirmation)
    if failed:
        outcome = _failure(POLICY)
        outcome.failed_rules = failed
        return outcome
    if new == current:
        return _failure(UNCHANGED)
    return None


def _claim(scopes: list[str], now: datetime) -> throttle.Claim | PasswordChangeOutcome:
    """Counts the attempt before the current password is tried (see throttle.py)."""
    attempt = throttle.claim(scopes, now)
    if not attempt.allowed:
        return PasswordChangeOutcome(error=THROTTLED, message=keystore_import.throttled_message(attempt))
    return attempt


@sensitive_variables("current", "new")
def _reencrypt(data: bytes, current: str, new: str, attempt: throttle.Claim) -> bytes | PasswordChangeOutcome:
    try:
        keystore = writer.change_password(data, current, new)
    except entry.WrongPasswordError:
        return _failure(WRONG_PASSWORD)
    except entry.NotPkcs12Error:
        outcome = _failure(NOT_KEYSTORE)
    except entry.Pkcs12Error as exc:
        logger.warning("keystore re-encryption refused: %s", exc)
        outcome = _failure(REENCRYPT_FAILED, reason=str(exc))
    else:
        outcome = None
    attempt.release()
    return keystore if outcome is None else outcome


@sensitive_variables("current", "new", "confirmation")
def change_stored_keystore_password(
    certificate: Certificate,
    current: str,
    new: str,
    confirmation: str,
    *,
    user,
    request=None,
    now: datetime | None = None,
) -> PasswordChangeOutcome:
    """Re-encrypt the stored keystore of the active ``certificate`` under ``new``; offer it for download once."""
    now = now or timezone.now()
    practitioner = certificate.practitioner
    outcome = _precheck(current, new, confirmation)
    attempt = _claim(keystore_import.throttle_scopes(practitioner, user), now) if outcome is None else None
    if isinstance(attempt, PasswordChangeOutcome):
        outcome = attempt
    if outcome is None:
        with transaction.atomic():
            locked = (
                Certificate.objects.select_for_update()
                .filter(pk=certificate.pk, state=CertificateState.ACTIVE)
                .first()
            )
            if locked is None:
                attempt.release()
                outcome = _failure(NOT_ACTIVE)
            else:
                result = _reencrypt(storage.decrypt(locked.encrypted_keystore), current, new, attempt)
                outcome = result if isinstance(result, PasswordChangeOutcome) else _replace(locked, result, user, request, now)
    if not outcome.changed:
        _record_refusal(outcome, practitioner, certificate, user, request)
    return outcome


def _replace(certificate: Certificate, keystore: bytes, user, request, now: datetime) -> PasswordChangeOutcome:
    Certificate.objects.filter(pk=certificate.pk).update(
        encrypted_keystore=storage.encrypt(keystore), file_size=len(keystore)
    )
    actor = user if user is not None and user.is_authenticated else None
    KeystorePasswordChange.objects.create(certificate=certificate, changed_at=now, changed_by=actor)
    token = create_download(user, certificate.practitioner, keystore, download_name(certificate), now=now)
    logger.info("keystore password of certificate %s changed", certificate.public_id)
    record_event(
        EventKind.KEYSTORE_PASSWORD_CHANGED, request=request, user=actor, practitioner=certificate.practitioner,
        summary="Stored keystore re-encrypted under a new password",
        details={"certificate": str(certificate.public_id), "serial": certificate.serial, "stored": True},
    )
    return PasswordChangeOutcome(download_token=token)


@sensitive_variables("current", "new", "confirmation")
def change_uploaded_keystore_password(
    data: bytes,
    current: str,
    new: str,
    confirmation: str,
    *,
    practitioner: Practitioner | None = None,
    user=None,
    request=None,
    now: datetime | None = None,
) -> PasswordChangeOutcome:
    """Re-encrypt an uploaded keystore under ``new`` and return it (``outcome.keystore``); nothing is stored.

    From a record's page (``practitioner`` given) wrong passwords count in the record's and the
    user's throttle; the command line (no record, no user) is not throttled.
    """
    now = now or timezone.now()
    outcome = _precheck(current, new, confirmation)
    if outcome is None and len(data) > settings.KEYSTORE_MAX_BYTES:
        outcome = _failure(NOT_KEYSTORE)
    if outcome is None:
        attempt = _claim(keystore_import.throttle_scopes(practitioner, user) if practitioner is not None else [], now)
        if isinstance(attempt, PasswordChangeOutcome):
            outcome = attempt
        else:
            result = _reencrypt(data, current, new, attempt)
            outcome = result if isinstance(result, PasswordChangeOutcome) else PasswordChangeOutcome(keystore=result)
    if outcome.changed:
        record_event(
            EventKind.KEYSTORE_PASSWORD_CHANGED, request=request,
            user=user if user is not None and user.is_authenticated else None, practitioner=practitioner,
            summary="Uploaded keystore re-encrypted under a new password (not stored)", details={"stored": False},
        )
    else:
        _record_refusal(outcome, practitioner, None, user, request)
    return outcome


def _record_refusal(outcome: PasswordChangeOutcome, practitioner, certificate, user, request) -> None:
    logger.info("keystore password change for record %s refused: %s",
                practitioner.public_id if practitioner is not None else "-", outcome.error)
    details = {"error": outcome.error, "stored": certificate is not None}
    if certificate is not None:
        details["certificate"] = str(certificate.public_id)
    if outcome.failed_rules:
        details["failed_rules"] = [rule.code for rule in outcome.failed_rules]
    record_event(
        EventKind.KEYSTORE_PASSWORD_CHANGE_FAILED, request=request,
        user=user if user is not None and user.is_authenticated else None,
        practitioner=practitioner, summary=f"Keystore password change refused: {outcome.error}", details=details,
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


def create_download(user, practitioner: Practitioner, keystore: bytes, file_name: str, *, now: datetime | None = None) -> str:
    """Keep ``keystore`` for one download by ``user``; return the URL token. Drops expired downloads."""
    now = now or timezone.now()
    purge_expired_downloads(now)
    token = secrets.token_urlsafe(32)
    KeystoreDownload.objects.create(
        token_sha256=_token_hash(token),
        user=user,
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


def _pending(token: str, user, practitioner: Practitioner, now: datetime):
    if not user.is_authenticated:
        return KeystoreDownload.objects.none()
    return KeystoreDownload.objects.filter(
        token_sha256=_token_hash(token), user=user, practitioner=practitioner, expires_at__gt=now
    )


def pending_download(token: str, user, practitioner: Practitioner, now: datetime | None = None) -> KeystoreDownload | None:
    """The download behind ``token`` if ``user`` may still take it (without taking it)."""
    return _pending(token, user, practitioner, now or timezone.now()).defer("encrypted_keystore").first()


def take_download(token: str, user, practitioner: Practitioner, now: datetime | None = None) -> tuple[bytes, str] | None:
    """The keystore and its file name, once: the row is deleted; None if gone, expired or someone else's."""
    row = _pending(token, user, practitioner, now or timezone.now()).first()
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
