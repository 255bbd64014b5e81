"""The key-derivation work a PKCS#12 keystore asks for, added up from its plaintext structure
before anything is derived (no Django).

Every MAC, encrypted SafeContents and shrouded key bag names an iteration count and a hash; a
keystore is refused above :data:`MAX_ITERATIONS` for one derivation or :data:`MAX_TOTAL_ITERATIONS`
(iterations x hash blocks) in all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import algos
from asn1crypto import pkcs12 as asn1_pkcs12

from ehealth_certs.keystore.entry import NotPkcs12Error, TooCostlyError

MAX_ITERATIONS = 1_000_000
"""Largest iteration count of one key derivation; real keystores use at most 100,000."""
MAX_TOTAL_ITERATIONS = 2_000_000
"""Key-derivation work allowed for one keystore: MAC + every encrypted bag (iterations x hash blocks)."""

_PBE_KEY_LENGTHS = {  # PKCS#12 PBE (RFC 7292 appendix C): key length; the IV is one SHA-1 block
    "pkcs12_sha1_tripledes_3key": 24,
    "pkcs12_sha1_tripledes_2key": 16,
    "pkcs12_sha1_rc2_128": 16,
    "pkcs12_sha1_rc2_40": 5,
}
_PBES2_KEY_LENGTHS = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32, "tripledes_3key": 24}
_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")


@dataclass
class Budget:
    """Key-derivation work left for one keystore."""

    remaining: int = MAX_TOTAL_ITERATIONS

    def spend(self, iterations: object, blocks: int = 1) -> None:
        if not isinstance(iterations, int) or iterations < 1:
            raise NotPkcs12Error(f"malformed iteration count: {iterations!r}")
        if iterations > MAX_ITERATIONS:
            raise TooCostlyError(f"unreasonable iteration count: {iterations} (at most {MAX_ITERATIONS})")
        self.remaining -= iterations * blocks
        if self.remaining < 0:
            raise TooCostlyError(f"the keystore asks for more than {MAX_TOTAL_ITERATIONS} iterations in all")

    def spend_mac(self, mac_data: asn1_pkcs12.MacData) -> None:
        hash_name = mac_data["mac"]["digest_algorithm"]["algorithm"].native
        self.spend(mac_data["iterations"].native, _hash_blocks(hash_name, 1))

    def spend_encryption(self, algorithm: algos.EncryptionAlgorithm) -> None:
        """The derivations one encrypted item costs: PKCS#12 PBE (key, then IV) or PBES2 (PBKDF2)."""
        name = algorithm["algorithm"].native
        if name in _PBE_KEY_LENGTHS:
            iterations = algorithm["parameters"]["iterations"].native
            self.spend(iterations, _hash_blocks("sha1", _PBE_KEY_LENGTHS[name]))
            self.spend(iterations, _hash_blocks("sha1", 8))
            return
        if name != "pbes2":
            raise NotPkcs12Error(f"unsupported encryption algorithm: {name}")
        params = algorithm["parameters"]
        kdf, cipher_name = params["key_derivation_func"], params["encryption_scheme"]["algorithm"].native
        if kdf["algorithm"].native != "pbkdf2" or cipher_name not in _PBES2_KEY_LENGTHS:
            raise NotPkcs12Error(f"unsupported PBES2 scheme: {kdf['algorithm'].native}/{cipher_name}")
        kdf_params = kdf["parameters"]
        prf = kdf_params["prf"]["algorithm"].native
        self.spend(kdf_params["iteration_count"].native, _hash_blocks(prf, _PBES2_KEY_LENGTHS[cipher_name]))


def _hash_blocks(hash_name: str, length: int) -> int:
    if hash_name not in _HASHES:
        raise NotPkcs12Error(f"unsupported hash: {hash_name}")
    return -(-length // hashlib.new(hash_name).digest_size)
