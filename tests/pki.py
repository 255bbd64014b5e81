"""A test PKI shaped like eHealth's, and keystore writers (Java keytool, cryptography, ours).

Everything is built by test code: no real certificate is involved. RSA keys come from a small
pool generated once per process (key generation is the slow part). Keytool-built keystores are
cached per process, since each JVM start costs about half a second.

Typical use::

    auth = person_certificate(production_pki(), ssin="85073003328")
    enc = encryption_certificate(auth)
    data = keytool_keystore(ehealth_entries(production_pki(), auth, [enc]), layout="legacy")
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from ehealth_certs.keystore.entry import KeystoreEntry
from ehealth_certs.keystore.writer import build_keystore

PASSWORD = "Passw0rd-test"
"""Default keystore password (printable ASCII, long enough for keytool)."""

NOW = datetime.now(UTC).replace(microsecond=0)
"""Reference time: default validity periods are relative to it; pass it as ``now`` to validation."""

DEFAULT_SSIN = "85073003328"
DEFAULT_CBE = "0566988259"

PRODUCTION_ROOT_CN = "ZetesConfidens Private Trust PKI - root CA 001"
PRODUCTION_ISSUING_CN = "ZetesConfidens Private Trust PKI - eHealth issuing CA 001"
ACCEPTANCE_ROOT_CN = "TEST-ZetesConfidens Private Trust PKI - test root CA 001"
ACCEPTANCE_ISSUING_CN = "TEST-ZetesConfidens-eHealth acceptance test-issuing CA 001"

Layout = Literal["modern", "legacy"]


# --------------------------------------------------------------------------- keys and certificates


@functools.cache
def rsa_key(index: int) -> rsa.RSAPrivateKey:
    """The ``index``-th RSA 2048 key of the per-process pool (same index, same key)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# Pool indexes: each role gets its own keys so no two certificates share one by accident.
_CA_KEYS = {"production": (0, 1), "acceptance": (2, 3), "rogue": (4, 5)}
AUTH_KEY, ENCRYPTION_KEY, OTHER_KEY = 6, 8, 10


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class Pki:
    environment: str
    root: Issued
    issuing: Issued

    @property
    def bundle(self) -> tuple[x509.Certificate, ...]:
        """The CA bundle an installation configures for this environment."""
        return (self.root.cert, self.issuing.cert)

    def bundle_pem(self) -> bytes:
        return b"".join(pem_certificate(cert) for cert in self.bundle)


def issue(
    issuer: Issued | None,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    *,
    not_before: datetime,
    not_after: datetime,
    ca: bool = False,
    key_usage: x509.KeyUsage | None = None,
    extended_key_usage: Sequence[ObjectIdentifier] | None = (ExtendedKeyUsageOID.CLIENT_AUTH,),
    ocsp_url: str | None = None,
) -> Issued:
    """Sign a certificate for ``key`` (self-signed when ``issuer`` is None). A leaf gets the given
    extended key usage (clientAuth by default; None leaves the extension out) and key usage;
    ``ocsp_url`` names an OCSP responder in Authority Information Access."""
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if not ca and extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(extended_key_usage)), critical=False)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if ocsp_url is not None:
        builder = builder.add_extension(_ocsp_access(ocsp_url), critical=False)
    return Issued(key, builder.sign(signer, hashes.SHA256()))


def _ocsp_access(url: str) -> x509.AuthorityInformationAccess:
    return x509.AuthorityInformationAccess(
        [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url))]
    )


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ZetesConfidens"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        ]
    )


CA_NOT_BEFORE = datetime(2000, 1, 1, tzinfo=UTC)
CA_NOT_AFTER = datetime(2099, 12, 31, tzinfo=UTC)


def make_pki(environment: str, root_cn: str, issuing_cn: str, key_indexes: tuple[int, int]) -> Pki:
    """A root and an issuing CA, valid 2000-2099 so tests may use fixed dates."""
    not_before, not_after = CA_NOT_BEFORE, CA_NOT_AFTER
    root = issue(None, _ca_name(root_cn), rsa_key(key_indexes[0]), not_before=not_before, not_after=not_after, ca=True)
    issuing = issue(
        root, _ca_name(issuing_cn), rsa_key(key_indexes[1]), not_before=not_before, not_after=not_after, ca=True
    )
    return Pki(environment, root, issuing)


@functools.cache
def production_pki() -> Pki:
    return make_pki("production", PRODUCTION_ROOT_CN, PRODUCTION_ISSUING_CN, _CA_KEYS["production"])


@functools.cache
def acceptance_pki() -> Pki:
    return make_pki("acceptance", ACCEPTANCE_ROOT_CN, ACCEPTANCE_ISSUING_CN, _CA_KEYS["acceptance"])


@functools.cache
def rogue_pki() -> Pki:
    """Same names as production, other keys: its certificates must not be trusted."""
    return make_pki("production", PRODUCTION_ROOT_CN, PRODUCTION_ISSUING_CN, _CA_KEYS["rogue"])


def person_subject(ssin: str = DEFAULT_SSIN, given: str = "Jan", family: str = "Peeters") -> x509.Name:
    return x509.Name.from_rfc4514_string(
        f"CN=SSIN={ssin},OU=eHealth-platform Belgium,OU={given} {family},OU=SSIN={ssin},"
        "O=Federal Government,C=BE"
    )


def organisation_subject(
    cbe: str = DEFAULT_CBE, *, nihii: str | None = None, name: str = "Oxygen Practice"
) -> x509.Name:
    """An organisation certificate: ``CBE=`` (or ``NIHII-HOSPITAL=`` when nihii is given)."""
    identifier = f"NIHII-HOSPITAL={nihii}" if nihii else f"CBE={cbe}"
    return x509.Name.from_rfc4514_string(
        f"CN={identifier},OU=eHealth-platform Belgium,OU={name},OU={identifier},OU=oxygen,"
        "O=Federal Government,C=BE"
    )


def _validity(not_before: datetime | None, not_after: datetime | None) -> dict[str, datetime]:
    return {
        "not_before": not_before or NOW - timedelta(days=30),
        "not_after": not_after or NOW + timedelta(days=3 * 365),
    }


def person_certificate(
    pki: Pki,
    *,
    ssin: str = DEFAULT_SSIN,
    given: str = "Jan",
    family: str = "Peeters",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_index: int = AUTH_KEY,
    ocsp_url: str | None = None,
    key: CertificateIssuerPrivateKeyTypes | None = None,
    key_usage: x509.KeyUsage | None = None,
    extended_key_usage: Sequence[ObjectIdentifier] | None = (ExtendedKeyUsageOID.CLIENT_AUTH,),
) -> Issued:
    """An authentication certificate of a person (default: valid from 30 days ago for 3 years;
    ``key`` replaces the pool's RSA key, e.g. an EC key)."""
    subject = person_subject(ssin, given, family)
    return issue(
        pki.issuing, subject, key or rsa_key(key_index), **_validity(not_before, not_after),
        key_usage=key_usage, extended_key_usage=extended_key_usage, ocsp_url=ocsp_url,
    )  # fmt: skip


def key_usage(*, digital_signature: bool = True, key_encipherment: bool = True) -> x509.KeyUsage:
    """A key usage extension: eHealth's authentication profile by default
    (digitalSignature + nonRepudiation + keyEncipherment)."""
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=True, key_encipherment=key_encipherment,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip


def placeholder_certificate(*, key_index: int = AUTH_KEY, made: datetime | None = None) -> Issued:
    """What the eHealth Certificate Manager stores under ``authentication`` at step 1 (request):
    a self-signed certificate, subject ``C=Dummy``, valid one minute (so already expired)."""
    made = made or NOW - timedelta(days=2)
    subject = _dummy_name()
    return issue(None, subject, rsa_key(key_index), not_before=made, not_after=made + timedelta(minutes=1))


def _dummy_name() -> x509.Name:
    # "Dummy" is no two-letter country code; the Certificate Manager (Java) writes it all the same
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)
        return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "Dummy", _validate=False)])


def ehp_organisation_certificate(
    pki: Pki, *, ehp: str = "1990001916", application: str = "VITALINKGATEWAY", name: str = "VITALINK"
) -> Issued:
    """An organisation certificate as eHealth issues them, e.g.
    ``CN="EHP=1990001916, VITALINKGATEWAY",OU=eHealth-platform Belgium,OU=VITALINK,OU="EHP=1990001916",...``."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Federal Government"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, application),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"EHP={ehp}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "eHealth-platform Belgium"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"EHP={ehp}, {application}"),
        ]
    )
    return issue(pki.issuing, subject, rsa_key(AUTH_KEY), **_validity(None, None))


def organisation_certificate(
    pki: Pki,
    *,
    cbe: str = DEFAULT_CBE,
    nihii: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_index: int = AUTH_KEY,
) -> Issued:
    subject = organisation_subject(cbe, nihii=nihii)
    return issue(pki.issuing, subject, rsa_key(key_index), **_validity(not_before, not_after))


def encryption_certificate(auth: Issued, *, key_index: int = ENCRYPTION_KEY) -> Issued:
    """An encryption (ETK) certificate: same subject, issued by the authentication key."""
    not_before = auth.cert.not_valid_before_utc
    not_after = auth.cert.not_valid_after_utc
    return issue(auth, auth.cert.subject, rsa_key(key_index), not_before=not_before, not_after=not_after)


# --------------------------------------------------------------------------- keystore contents


@dataclass(frozen=True)
class KeyEntry:
    alias: str
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class TrustedEntry:
    alias: str
    cert: x509.Certificate


StoreEntry = KeyEntry | TrustedEntry


def encryption_alias(enc: Issued) -> str:
    """eHealth names encryption entries after their certificate's serial number."""
    return str(enc.cert.serial_number)


def ehealth_entries(
    pki: Pki,
    auth: Issued,
    encryption: Sequence[Issued] = (),
    *,
    auth_first: bool = True,
    auth_alias: str = "authentication",
    with_ca_entries: bool = True,
) -> list[StoreEntry]:
    """The entries of an eHealth keystore: authentication, encryption keys, then CA certificates."""
    chain = (pki.issuing.cert, pki.root.cert)
    auth_entry = KeyEntry(auth_alias, auth.key, auth.cert, chain)
    enc_entries = [KeyEntry(encryption_alias(enc), enc.key, enc.cert, (auth.cert, *chain)) for enc in encryption]
    keys: list[StoreEntry] = [auth_entry, *enc_entries] if auth_first else [*enc_entries, auth_entry]
    if not with_ca_entries:
        return keys
    return [*keys, TrustedEntry("ehealth-root", pki.root.cert), TrustedEntry("ehealth-issuing", pki.issuing.cert)]


# --------------------------------------------------------------------------- writers


def python_keystore(entries: Sequence[StoreEntry], password: str = PASSWORD) -> bytes:
    """Write with ``ehealth_certs.keystore.writer.build_keystore`` (modern layout); chain certificates
    become alias-less certificate bags, as Java writes them."""
    keystore_entries: list[KeystoreEntry] = []
    chain_certs: list[x509.Certificate] = []
    for entry in entries:
        if isinstance(entry, KeyEntry):
            keystore_entries.append(KeystoreEntry(entry.alias, None, entry.cert, entry.key))
            chain_certs.extend(cert for cert in entry.chain if cert not in chain_certs)
        else:
            keystore_entries.append(KeystoreEntry(entry.alias, None, entry.cert, trusted=True))
    trusted = {entry.cert for entry in entries if isinstance(entry, TrustedEntry)}
    keys = {entry.cert for entry in entries if isinstance(entry, KeyEntry)}
    keystore_entries += [KeystoreEntry(None, None, cert) for cert in chain_certs if cert not in trusted | keys]
    return build_keystore(keystore_entries, password)


def mismatched_keystore(auth: Issued, other_key: rsa.RSAPrivateKey, password: str = PASSWORD) -> bytes:
    """An ``authentication`` entry whose private key does not belong to its certificate."""
    return build_keystore([KeystoreEntry("authentication", b"auth-id", auth.cert, other_key)], password)


def cryptography_keystore(
    entry: KeyEntry, password: str = PASSWORD, *, extra: Sequence[TrustedEntry] = ()
) -> bytes:
    """One key entry written by ``cryptography`` (modern: PBES2/AES-256, SHA-256 MAC), its chain
    and ``extra`` certificates (with friendly names) as further certificate bags."""
    cas = [*entry.chain, *(pkcs12.PKCS12Certificate(t.cert, t.alias.encode()) for t in extra)]
    return pkcs12.serialize_key_and_certificates(
        entry.alias.encode(), entry.key, entry.cert, cas, serialization.BestAvailableEncryption(password.encode())
    )


_KEYTOOL_JVM_OPTIONS = (
    "-J-XX:+UseSerialGC",
    "-J-XX:TieredStopAtLevel=1",
    "-J-Xshare:auto",
    "-J-Duser.language=en",
    "-J-Duser.country=US",
)


def keytool(*args: str, legacy: bool = False) -> str:
    """Run Java's keytool (from PATH) and return its output; fail loudly when missing or failing."""
    executable = shutil.which("keytool")
    if executable is None:
        raise RuntimeError("keytool not found on PATH: install a Java runtime (apt-get install default-jre-headless)")
    command = [executable, *_KEYTOOL_JVM_OPTIONS, *(["-J-Dkeystore.pkcs12.legacy"] if legacy else []), *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"keytool {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


_keytool_cache: dict[tuple[object, ...], bytes] = {}


def keytool_keystore(entries: Sequence[StoreEntry], password: str = PASSWORD, *, layout: Layout = "modern") -> bytes:
    """A keystore written by Java itself, entries added in the given order.

    Each key entry is written alone by ``cryptography`` and merged with
    ``keytool -importkeystore``; trusted entries are added with ``keytool -importcert``.
    Java re-encodes the whole file at each step, so the result is a genuine Java file of the
    chosen layout (``legacy``: ``-J-Dkeystore.pkcs12.legacy``). Cached per process.
    """
    cache_key = (layout, password, *(_entry_signature(entry) for entry in entries))
    if cache_key not in _keytool_cache:
        _keytool_cache[cache_key] = _run_keytool_merge(entries, password, layout == "legacy")
    return _keytool_cache[cache_key]


def _entry_signature(entry: StoreEntry) -> tuple[object, ...]:
    chain = entry.chain if isinstance(entry, KeyEntry) else ()
    return (type(entry).__name__, entry.alias, entry.cert, *chain)


def _run_keytool_merge(entries: Sequence[StoreEntry], password: str, legacy: bool) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        destination = Path(tmp, "keystore.p12")
        store = ("-keystore", str(destination), "-storetype", "PKCS12", "-storepass", password)
        for index, entry in enumerate(entries):
            source = Path(tmp, f"entry{index}")
            if isinstance(entry, KeyEntry):
                source.write_bytes(cryptography_keystore(entry, password))
                keytool(
                    "-importkeystore", "-noprompt",
                    "-srckeystore", str(source), "-srcstoretype", "PKCS12", "-srcstorepass", password,
                    "-srcalias", entry.alias, "-destalias", entry.alias,
                    "-destkeystore", str(destination), "-deststoretype", "PKCS12", "-deststorepass", password,
                    legacy=legacy,
                )  # fmt: skip
            else:
                source.write_bytes(pem_certificate(entry.cert))
                keytool("-importcert", "-noprompt", "-alias", entry.alias, "-file", str(source), *store, legacy=legacy)
        return destination.read_bytes()


def openssl_keystore(entry: KeyEntry, *options: str, password: str = PASSWORD, name: bool = True) -> bytes:
    """One key entry and its chain written by ``openssl pkcs12 -export`` with ``options``
    (e.g. ``-keypbe NONE``); ``name``: the entry gets ``entry.alias`` as friendlyName."""
    with tempfile.TemporaryDirectory() as tmp:
        key, cert, chain, out = (Path(tmp, name_) for name_ in ("key.pem", "cert.pem", "chain.pem", "out.p12"))
        key.write_bytes(
            entry.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        cert.write_bytes(pem_certificate(entry.cert))
        chain.write_bytes(b"".join(pem_certificate(ca) for ca in entry.chain))
        command = ["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert), "-out", str(out),
                   "-passout", f"pass:{password}", *(["-certfile", str(chain)] if entry.chain else []),
                   *(["-name", entry.alias] if name else []), *options]  # fmt: skip
        subprocess.run(command, capture_output=True, timeout=60, check=True)
        return out.read_bytes()


_LIST_LINE = re.compile(r"^(?P<alias>[^,\n]+), .+, (?P<kind>\w+Entry),\s*$", re.MULTILINE)


def keytool_list(data: bytes, password: str) -> dict[str, str]:
    """``keytool -list`` of a PKCS#12 file: alias -> entry type (``PrivateKeyEntry``, ...)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "keystore.p12")
        path.write_bytes(data)
        output = keytool("-list", "-keystore", str(path), "-storetype", "PKCS12", "-storepass", password)
    return {match["alias"]: match["kind"] for match in _LIST_LINE.finditer(output)}


# --------------------------------------------------------------------------- keystores rewritten


def with_iterations(data: bytes, *, mac: int | None = None, keys: int | None = None) -> bytes:
    """The keystore with other iteration counts in its MAC and shrouded key bags (MAC left as it was)."""
    pfx = asn1_pkcs12.Pfx.load(data)
    mac_data = pfx["mac_data"].copy()
    if mac is not None:
        mac_data["iterations"] = mac
    content_infos = []
    for content_info in pfx.authenticated_safe:
        if content_info["content_type"].native == "data" and keys is not None:
            bags = asn1_pkcs12.SafeContents.load(content_info["content"].native).copy()
            for bag in bags:
                if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                    kdf = bag["bag_value"]["encryption_algorithm"]["parameters"]["key_derivation_func"]
                    kdf["parameters"]["iteration_count"] = keys
            content_info = {"content_type": "data", "content": bags.dump(force=True)}
        content_infos.append(content_info)
    auth_safe = {"content_type": "data", "content": asn1_pkcs12.AuthenticatedSafe(content_infos).dump()}
    return asn1_pkcs12.Pfx({"version": "v3", "auth_safe": auth_safe, "mac_data": mac_data}).dump()


def without_mac(data: bytes) -> bytes:
    pfx = asn1_pkcs12.Pfx.load(data)
    return asn1_pkcs12.Pfx({"version": "v3", "auth_safe": pfx["auth_safe"].copy()}).dump()


# --------------------------------------------------------------------------- files that are not keystores


NOT_KEYSTORES = (
    "empty",
    "truncated",
    "one byte short",
    "trailing garbage",
    "pdf",
    "pem certificate",
    "der certificate",
    "jks",
    "etk",
    "random",
    "huge length",
    "text",
)
"""Labels of the files a user might pick instead of the keystore (the ``not_keystores`` fixture)."""


def not_keystore_params(labels: Sequence[str] = NOT_KEYSTORES) -> list[object]:
    """``labels`` as test parameters; ``jks`` (written by keytool, a JVM start) is marked slow."""
    return [pytest.param(label, marks=pytest.mark.slow) if label == "jks" else label for label in labels]


def pem_certificate(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def der_certificate(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


@functools.cache
def jks_keystore(cert: x509.Certificate, password: str = PASSWORD) -> bytes:
    """A Java JKS keystore (not PKCS#12) holding ``cert`` as a trusted entry."""
    with tempfile.TemporaryDirectory() as tmp:
        pem, store = Path(tmp, "cert.pem"), Path(tmp, "store.jks")
        pem.write_bytes(pem_certificate(cert))
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", str(pem),
                "-keystore", str(store), "-storetype", "JKS", "-storepass", password)  # fmt: skip
        return store.read_bytes()


def etk_blob(auth: Issued, enc: Issued) -> bytes:
    """An ETK-like CMS SignedData: the encryption certificate signed with the authentication key."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(der_certificate(enc.cert))
        .add_signer(auth.cert, auth.key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


# --------------------------------------------------------------------------- OCSP


OCSP_RESPONDER_KEY = 12


def ocsp_responder_certificate(pki: Pki, *, key_index: int = OCSP_RESPONDER_KEY) -> Issued:
    """A delegated OCSP responder: issued by the issuing CA with the OCSP-signing extended key usage."""
    key = rsa_key(key_index)
    name = _ca_name(f"{pki.issuing.cert.subject.rfc4514_string()} OCSP responder"[:64])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(pki.issuing.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .sign(pki.issuing.key, hashes.SHA256())
    )
    return Issued(key, certificate)


@dataclass(frozen=True)
class IndexRow:
    """One certificate of an ``openssl ca`` / ``openssl ocsp`` index: valid, or revoked at a moment for a reason."""

    cert: x509.Certificate
    revoked_at: datetime | None = None
    reason: str = "keyCompromise"  # an openssl reason name (RFC 5280 CRLReason)


def _openssl_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%y%m%d%H%M%SZ")


def openssl_index(rows: Sequence[IndexRow]) -> str:
    """The text of an openssl index.txt: status, expiry, revocation[,reason], serial, file, subject."""
    lines = []
    for row in rows:
        serial = format(row.cert.serial_number, "X")
        serial = serial if len(serial) % 2 == 0 else "0" + serial
        revoked = f"{_openssl_time(row.revoked_at)},{row.reason}" if row.revoked_at else ""
        subject = "/" + "/".join(attribute.rfc4514_string() for attribute in reversed(list(row.cert.subject)))
        status = "R" if row.revoked_at else "V"
        lines.append("\t".join([status, _openssl_time(row.cert.not_valid_after_utc), revoked, serial, "unknown", subject]))
    return "".join(line + "\n" for line in lines)


def write_openssl_index(path: Path, rows: Sequence[IndexRow]) -> None:
    """Write index.txt (atomically: a running ``openssl ocsp`` reloads it when it changes) and its
    attribute file (subjects need not be unique)."""
    Path(f"{path}.attr").write_text("unique_subject = no\n")
    temporary = Path(f"{path}.tmp")
    temporary.write_text(openssl_index(rows))
    temporary.replace(path)
