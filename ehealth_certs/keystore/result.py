"""What validating a keystore found: :class:`ValidationResult`, and the :class:`Failure` a check
raises (no Django).

A refusal is a code, a message key and raw parameters (dates, environment codes, names, NISS
digits): ``ehealth_certs.keystore_text`` puts them into words in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ehealth_certs.keystore.codes import EncryptionKeyStatus, ErrorCode, RevocationStatus
from ehealth_certs.keystore.dates import iso
from ehealth_certs.keystore.description import EntryInfo


class Failure(Exception):
    """A check failed: ``code``, the key of its message (the code's own unless a check says
    otherwise, e.g. ``no_ca_bundle`` for an untrusted_chain) and the message's raw parameters."""

    def __init__(self, code: ErrorCode, message_key: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.message_key = message_key or code.value
        self.params = params


@dataclass
class ValidationResult:
    """Outcome of :func:`~ehealth_certs.keystore.validation.validate_keystore`; certificate fields
    describe the authentication certificate (``serial`` in lowercase hexadecimal, dates as aware
    UTC datetimes)."""

    valid: bool = False
    error: ErrorCode | None = None
    message_key: str = ""  # when invalid: which message says why, with message_params
    message_params: dict[str, object] = field(default_factory=dict)
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

    def refuse(self, failure: Failure) -> None:
        self.valid, self.error = False, failure.code
        self.message_key, self.message_params = failure.message_key, dict(failure.params)

    def to_json_dict(self, message: str = "") -> dict[str, Any]:
        """The result as JSON; ``message`` is the refusal in words (``keystore_text.validation_message``)."""
        return {
            "valid": self.valid,
            "error": str(self.error) if self.error else None,
            "message": message,
            "warnings": [str(warning) for warning in self.warnings],
            "environment": self.environment,
            "identifiers": dict(self.identifiers),
            "subject": self.subject,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "encryption_key": str(self.encryption_key) if self.encryption_key else None,
            "entries": [entry.to_json_dict() for entry in self.entries],
            "revocation": str(self.revocation),
        }
