"""The certificates app's models: stored certificates and their entries (``certificates``), their
life cycle (``lifecycle``), and the mails owed about them (``deliveries``).

Every model and choice is importable from here, as the migrations and the rest of the project
name them (``ehealth_certs.models.new_message_id`` is a field default the migrations refer to).
"""
from ehealth_certs.models.certificates import (
    Certificate,
    CertificateEntry,
    CertificateState,
    EncryptionKeyStatus,
    EntryKind,
    Environment,
    RevocationCheck,
    RevocationReason,
    UploadChannel,
    stored_bytes,
)
from ehealth_certs.models.deliveries import (
    AdminDigest,
    Delivery,
    DeliveryState,
    Reminder,
    RevocationNotice,
    ScanRun,
    new_message_id,
)
from ehealth_certs.models.lifecycle import (
    KeystoreDownload,
    KeystorePasswordChange,
    RenewalStep,
    RenewalStepTick,
)

__all__ = [
    "AdminDigest",
    "Certificate",
    "CertificateEntry",
    "CertificateState",
    "Delivery",
    "DeliveryState",
    "EncryptionKeyStatus",
    "EntryKind",
    "Environment",
    "KeystoreDownload",
    "KeystorePasswordChange",
    "Reminder",
    "RenewalStep",
    "RenewalStepTick",
    "RevocationCheck",
    "RevocationNotice",
    "RevocationReason",
    "ScanRun",
    "UploadChannel",
    "new_message_id",
    "stored_bytes",
]
