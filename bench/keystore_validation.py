"""Benchmark 2: validating a Java-made two-key eHealth keystore, against the library reading the same file.

    .venv/bin/python bench/keystore_validation.py [--runs 40]

The keystore is written by Java's keytool (``tests.pki.keytool_keystore``: authentication key,
one encryption key, the CA certificates), in keytool's current layout (AES-256/PBKDF2, 10,000
iterations, HMAC-SHA256 MAC) and in its legacy layout (3DES/RC2-40 with 50,000 iterations, SHA-1
MAC with 100,000: what older eHealth tools wrote). Measured in process, medians of ``--runs``
interleaved rounds (one run of each per round, so background load hits both alike):

- ``validate_keystore``: the full validation (MAC, every certificate, the authentication key
  decrypted and checked against its certificate, dates, chain to the CA bundle, identity; the
  other key entries are described from their certificates);
- ``cryptography``'s ``pkcs12.load_pkcs12`` alone on the same bytes: it verifies the MAC,
  decrypts every certificate and the first key. Validation reads the keystore through it, so it
  is the floor.

Target: ``validate_keystore`` within 1.3x of ``load_pkcs12``, both layouts.
"""
from __future__ import annotations

import argparse
import time

import _common

TARGET = 1.3


def interleaved(functions: dict[str, object], runs: int) -> dict[str, list[float]]:
    """Run each function once per round, ``runs`` rounds: background load hits every figure alike."""
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():
        function()  # warm-up: imports, caches
    for _ in range(runs):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            samples[name].append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    options = parser.parse_args()

    from cryptography import __version__ as cryptography_version
    from cryptography.hazmat.backends.openssl.backend import backend
    from cryptography.hazmat.primitives.serialization import pkcs12

    from ehealth_certs.keystore.trust import TrustSettings
    from ehealth_certs.keystore.validation import ExpectedIdentity, validate_keystore
    from tests import pki

    _common.header("Keystore validation (benchmark 2)")
    production = pki.production_pki()
    auth = pki.person_certificate(production)
    encryption = pki.encryption_certificate(auth)
    trust = TrustSettings("production", production_cas=production.bundle)
    expected = ExpectedIdentity(ssin=pki.DEFAULT_SSIN)
    password = pki.PASSWORD
    openssl = backend.openssl_version_text()
    print(f"cryptography {cryptography_version} ({openssl}); runs per figure: {options.runs} (medians)")

    for layout in ("modern", "legacy"):
        data = pki.keytool_keystore(pki.ehealth_entries(production, auth, [encryption]), layout=layout)
        result = validate_keystore(data, password, trust=trust, now=pki.NOW, expected=expected)
        assert result.valid, (layout, result.error, result.message_key, result.message_params)
        assert len([entry for entry in result.entries if entry.has_private_key]) == 2, "two key entries expected"
        samples = interleaved(
            {
                "ours": lambda: validate_keystore(data, password, trust=trust, now=pki.NOW, expected=expected),
                "library": lambda: pkcs12.load_pkcs12(data, password.encode()),
            },
            options.runs,
        )
        ours_ms, library_ms = (_common.median(samples[name]) * 1000 for name in ("ours", "library"))
        ratio = ours_ms / library_ms
        print(f"\n-- keytool {layout} layout ({len(data)} bytes, 2 key entries, {len(result.entries)} entries)")
        print(f"validate_keystore:             {ours_ms:8.2f} ms")
        print(f"cryptography load_pkcs12:      {library_ms:8.2f} ms")
        verdict = "met" if ratio <= TARGET else "missed"
        print(f"ratio:                         {ratio:8.2f} x   (target <= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
