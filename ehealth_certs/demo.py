"""Demo eHealth certificates for the demo practice (`manage.py seed_demo_certificates`).

The demo runs as an *acceptance* installation trusting a demo CA made here (its key and bundle
are kept in the demo folder, so running again reuses them). A few demo records get a certificate
through the real import service — valid, expiring within the renewal window, expired — and
renewed keystore files are left in the folder: `jan.peeters`'s to try the upload page, and
`marie.dubois`'s (inside the renewal window) to finish a renewal.
Nothing here is used outside the demo.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from oxygen.errors import Refused
from practitioners.models import Practitioner

from ehealth_certs import refusals
from ehealth_certs.models import Certificate, UploadChannel
from ehealth_certs.keystore.entry import KeystoreEntry
from ehealth_certs.keystore.writer import build_keystore
from ehealth_certs.lifecycle.keystore_import import import_keystore

DEMO_KEYSTORE_PASSWORD = "demo-keystore-2026"
CA_CERTIFICATE_FILE = "ca-acceptance.pem"
CA_KEY_FILE = "ca-acceptance-key.pem"
ISSUING_CA_NAME = "TEST-ZetesConfidens-eHealth acceptance demo issuing CA"

# Demo record (last name) -> days of validity left "today" (negative: expired that many days ago).
DEMO_CERTIFICATE_DAYS_LEFT = {
    "Peeters": 700,  # valid; a renewed keystore file waits in the folder for the upload page
    "Dubois": 45,  # inside the renewal window
    "Janssens": -20,  # expired
    "Lambert": 400,  # valid
}
# Demo records (last name) that get a renewed keystore file to import: Peeters (valid) to try
# the upload page, Dubois (inside the renewal window) to finish a renewal.
UPLOAD_FILE_OWNERS = ("Peeters", "Dubois")


@dataclass
class DemoCertificatesReport:
    ca_bundle: Path
    imported: list[str] = field(default_factory=list)
    upload_files: dict[Practitioner, Path] = field(default_factory=dict)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)])


def _certificate(subject: x509.Name, key, issuer_name: x509.Name, issuer_key, *, start, end, ca: bool):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _demo_ca(folder: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """The demo issuing CA (self-signed), made once and kept in the folder."""
    cert_path, key_path = folder / CA_CERTIFICATE_FILE, folder / CA_KEY_FILE
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    name = _name(ISSUING_CA_NAME)
    cert = _certificate(name, key, name, key, start=now - datetime.timedelta(days=3650),
                        end=now + datetime.timedelta(days=3650), ca=True)
    folder.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def demo_keystore(practitioner: Practitioner, ca: x509.Certificate, ca_key, *, not_after: datetime.datetime) -> bytes:
    """An eHealth-shaped keystore: authentication and encryption keys, and the CA certificate."""
    ssin = practitioner.niss
    subject = x509.Name.from_rfc4514_string(
        f"CN=SSIN={ssin},OU=eHealth-platform Belgium,OU={practitioner.first_names} {practitioner.last_name},"
        f"OU=SSIN={ssin},O=Federal Government,C=BE"
    )
    not_before = not_after - datetime.timedelta(days=3 * 365)
    auth_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    auth = _certificate(subject, auth_key, ca.subject, ca_key, start=not_before, end=not_after, ca=False)
    encryption_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = _certificate(subject, encryption_key, subject, auth_key, start=not_before, end=not_after, ca=False)
    return build_keystore(
        [
            KeystoreEntry("authentication", None, auth, auth_key),
            KeystoreEntry(str(encryption.serial_number), None, encryption, encryption_key),
            KeystoreEntry("ehealth-issuing", None, ca, trusted=True),
        ],
        DEMO_KEYSTORE_PASSWORD,
    )


def _file_name(practitioner: Practitioner, when: datetime.datetime) -> str:
    return f"SSIN={practitioner.niss} {when:%Y%m%d-%H%M%S}.acc-p12"


def seed_demo_certificates(folder: Path, *, now: datetime.datetime | None = None) -> DemoCertificatesReport:
    """Import the demo certificates (records that have none yet) and leave an upload file."""
    now = now or timezone.now()
    ca, ca_key = _demo_ca(folder)
    report = DemoCertificatesReport(ca_bundle=folder / CA_CERTIFICATE_FILE)
    for last_name, days_left in DEMO_CERTIFICATE_DAYS_LEFT.items():
        practitioner = Practitioner.objects.filter(last_name=last_name).exclude(niss="").first()
        if practitioner is None or Certificate.objects.filter(practitioner=practitioner).exists():
            continue
        not_after = now + datetime.timedelta(days=days_left)
        # An expired certificate is imported as of a day when it was still valid.
        imported_at = min(now, not_after - datetime.timedelta(days=30))
        data = demo_keystore(practitioner, ca, ca_key, not_after=not_after)
        try:
            import_keystore(
                practitioner, data, DEMO_KEYSTORE_PASSWORD, source_name=_file_name(practitioner, imported_at),
                via=UploadChannel.CLI, uploader_name="seed_demo_certificates", now=imported_at,
            )
        except Refused as refused:
            outcome = refusals.refused_import(refused)
            raise RuntimeError(f"demo certificate for {practitioner} refused: {outcome.error} {outcome.message}") from None
        report.imported.append(str(practitioner))
    for last_name in UPLOAD_FILE_OWNERS:
        owner = Practitioner.objects.filter(last_name=last_name).exclude(niss="").first()
        if owner is not None:
            report.upload_files[owner] = _renewed_keystore_file(owner, folder / "keystore", ca, ca_key, now)
    return report


def _renewed_keystore_file(owner: Practitioner, keystore_folder: Path, ca, ca_key, now: datetime.datetime) -> Path:
    """The record's renewed keystore in the folder (made once, as the Certificate Manager names it)."""
    existing = sorted(keystore_folder.glob(f"SSIN={owner.niss} *.acc-p12"))
    if existing:
        return existing[-1]
    renewed = demo_keystore(owner, ca, ca_key, not_after=now + datetime.timedelta(days=3 * 365))
    keystore_folder.mkdir(parents=True, exist_ok=True)
    path = keystore_folder / _file_name(owner, now)
    path.write_bytes(renewed)
    return path
