"""Benchmark 2: validating a Java-made two-key eHealth keystore, against OpenSSL on the same file.

    .venv/bin/python bench/keystore_validation.py [--runs 40]

The keystore is written by Java's keytool (``tests.pki.keytool_keystore``: authentication key,
one encryption key, the CA certificates), in keytool's current layout (AES-256/PBKDF2, 10,000
iterations, HMAC-SHA256 MAC) and in its legacy layout (3DES/RC2 with 50,000 iterations, SHA-1 MAC
with 100,000: what older eHealth tools wrote). Measured, medians of ``--runs`` runs:

- ``validate_keystore``: our full validation in process (MAC, every certificate, the
  authentication key decrypted and checked against its certificate, dates, chain to the CA
  bundle, identity; the other key entries are described from their certificates);
- ``openssl pkcs12 -info -noout``: a process per run, minus the median start-up of
  ``openssl version`` (also a process per run, measured alike): what is left is OpenSSL's work.
  With ``-noout`` OpenSSL checks the MAC and decrypts the certificates but never the two key
  bags, so ``openssl pkcs12 -nodes -out /dev/null`` (which decrypts them too) is shown beside it;
- ``cryptography``'s ``pkcs12.load_pkcs12``: the same bytes parsed in process by OpenSSL's
  code through cryptography (decrypts everything, verifies nothing more): a second baseline.

Figures are interleaved (one run of each per round). Target: ``validate_keystore`` within 2x of ``openssl pkcs12 -info -noout``.
The line "PKCS#12 KDF" says whether libcrypto's KDF is used (``ehealth_certs.pkcs12_kdf``) or the Python fallback.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import _common


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


def run_process(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    options = parser.parse_args()

    from cryptography.hazmat.primitives.serialization import pkcs12

    from ehealth_certs import pkcs12_kdf
    from ehealth_certs.trust import TrustSettings
    from ehealth_certs.validation import ExpectedIdentity, validate_keystore
    from tests import pki

    _common.header("Keystore validation (benchmark 2)")
    production = pki.production_pki()
    auth = pki.person_certificate(production)
    encryption = pki.encryption_certificate(auth)
    trust = TrustSettings("production", production_cas=production.bundle)
    expected = ExpectedIdentity(ssin=pki.DEFAULT_SSIN)
    password = pki.PASSWORD
    openssl_version = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"openssl: {openssl_version}; runs per figure: {options.runs} (medians)")
    kdf = "libcrypto (C)" if pkcs12_kdf.uses_libcrypto() else "Python fallback"
    print(f"PKCS#12 KDF: {kdf}")

    with tempfile.TemporaryDirectory() as folder:
        for layout, openssl_extra in (("modern", []), ("legacy", ["-legacy"])):
            data = pki.keytool_keystore(pki.ehealth_entries(production, auth, [encryption]), layout=layout)
            path = Path(folder, f"{layout}.p12")
            path.write_bytes(data)
            result = validate_keystore(data, password, trust=trust, now=pki.NOW, expected=expected)
            assert result.valid, (layout, result.error, result.message)
            assert len([entry for entry in result.entries if entry.has_private_key]) == 2, "two key entries expected"

            base = ["openssl", "pkcs12", *openssl_extra, "-passin", f"pass:{password}", "-in", str(path)]
            samples = interleaved(
                {
                    "ours": lambda: validate_keystore(data, password, trust=trust, now=pki.NOW, expected=expected),
                    "cryptography": lambda: pkcs12.load_pkcs12(data, password.encode()),
                    "openssl": lambda: run_process([*base, "-info", "-noout"]),
                    "openssl_keys": lambda: run_process([*base, "-nodes", "-out", os.devnull]),
                    "start_up": lambda: run_process(["openssl", "version"]),
                },
                options.runs,
            )
            medians = {name: _common.median(values) * 1000 for name, values in samples.items()}
            ours_ms = medians["ours"]
            openssl_ms = medians["openssl"] - medians["start_up"]
            openssl_keys_ms = medians["openssl_keys"] - medians["start_up"]
            in_process_ms = medians["cryptography"]
            print(f"\n-- keytool {layout} layout ({len(data)} bytes, 2 key entries, {len(result.entries)} entries)")
            print(f"validate_keystore (in process):            {ours_ms:8.2f} ms")
            legacy = " -legacy" if openssl_extra else ""
            print(
                f"openssl pkcs12{legacy} -info -noout:   {openssl_ms:8.2f} ms  ({medians['openssl']:.2f} ms process"
                f" - {medians['start_up']:.2f} ms start-up); decrypts the certificates, not the two keys"
            )
            print(f"openssl pkcs12{legacy} -nodes -out /dev/null: {openssl_keys_ms:6.2f} ms  (decrypts the keys too)")
            print(f"cryptography pkcs12.load_pkcs12 (in process): {in_process_ms:6.2f} ms")
            print(f"ratio validate_keystore / openssl:         {ours_ms / openssl_ms:8.2f} x   (target <= 2.0)")
            print(f"ratio validate_keystore / openssl -nodes:  {ours_ms / openssl_keys_ms:8.2f} x")
            print(f"ratio validate_keystore / cryptography:    {ours_ms / in_process_ms:8.2f} x")


if __name__ == "__main__":
    main()
