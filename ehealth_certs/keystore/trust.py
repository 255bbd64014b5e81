"""eHealth trust anchors (PEM CA bundles) and certificate chain verification (no Django).

The CAs are configuration, not code: each environment's default anchors are the public eHealth CA
certificates shipped in ``trust_anchors/<environment>/*.pem`` (listed with their fingerprints in
the README), and an installation may configure its own PEM bundle per environment instead.
Every certificate of a bundle is a trust anchor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

PRODUCTION = "production"
ACCEPTANCE = "acceptance"
ENVIRONMENTS = (PRODUCTION, ACCEPTANCE)

MAX_CHAIN_LENGTH = 6
"""Certificates above the leaf that a chain may have (bounds the work on hostile keystores)."""

DEFAULT_ANCHORS_DIR = Path(__file__).resolve().parent / "trust_anchors"
"""One folder per environment, holding the default anchors as PEM files."""

_ACCEPTANCE_NAME = re.compile(r"\bTEST\b|acceptance", re.IGNORECASE)


@dataclass(frozen=True)
class TrustSettings:
    """The installation's environment and the CA bundle of each environment (None: not configured)."""

    environment: str
    production_cas: tuple[x509.Certificate, ...] | None = None
    acceptance_cas: tuple[x509.Certificate, ...] | None = None

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {self.environment!r}")

    def bundle(self, environment: str) -> tuple[x509.Certificate, ...] | None:
        return self.production_cas if environment == PRODUCTION else self.acceptance_cas


def load_ca_bundle(path: str | Path) -> tuple[x509.Certificate, ...]:
    """All certificates of a PEM file; ValueError when it holds none."""
    certificates = tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    if not certificates:
        raise ValueError(f"no certificate in CA bundle {path}")
    return certificates


def default_anchors(environment: str) -> tuple[x509.Certificate, ...]:
    """The anchors shipped for ``environment``: every certificate of its folder's PEM files."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {environment!r}")
    files = sorted((DEFAULT_ANCHORS_DIR / environment).glob("*.pem"))
    return tuple(certificate for path in files for certificate in load_ca_bundle(path))


def chains_to(
    certificate: x509.Certificate,
    anchors: Iterable[x509.Certificate],
    intermediates: Iterable[x509.Certificate] = (),
    *,
    now: datetime,
    max_length: int = MAX_CHAIN_LENGTH,
) -> bool:
    """Whether ``certificate`` is issued, through valid CA certificates, by one of ``anchors``.

    Issuers are found by name among the anchors and intermediates and checked by signature;
    each candidate is expanded once (breadth first), so loops and look-alikes stay cheap.
    """
    anchor_set = set(anchors)
    pool = list(dict.fromkeys([*anchor_set, *intermediates]))
    frontier, seen = [certificate], {certificate}
    for _ in range(max_length):
        next_frontier = []
        for current in frontier:
            for issuer in pool:
                if issuer in seen or not issued_by(current, issuer, now):
                    continue
                if issuer in anchor_set:
                    return True
                seen.add(issuer)
                next_frontier.append(issuer)
        frontier = next_frontier
    return False


def looks_like_acceptance(name: x509.Name) -> bool:
    """Whether a (issuer) name reads like an acceptance/test CA, e.g. ``TEST-...`` or ``...acceptance...``."""
    return any(isinstance(attribute.value, str) and _ACCEPTANCE_NAME.search(attribute.value) for attribute in name)


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate, now: datetime) -> bool:
    """Whether ``issuer`` is a CA certificate valid at ``now`` whose key signed ``certificate``."""
    return issuer.subject == certificate.issuer and _is_valid_ca(issuer, now) and signed_by(certificate, issuer)


def signed_by(certificate: x509.Certificate, signer: x509.Certificate) -> bool:
    """Whether ``certificate`` names ``signer`` as its issuer and ``signer``'s key signed it (CA rights not checked)."""
    try:
        certificate.verify_directly_issued_by(signer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _is_valid_ca(certificate: x509.Certificate, now: datetime) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return constraints.ca and certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
