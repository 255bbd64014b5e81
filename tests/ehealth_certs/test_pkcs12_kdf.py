"""The PKCS#12 KDF: libcrypto through ctypes and the Python fallback give the same bytes."""

from __future__ import annotations

import ctypes.util

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12

from ehealth_certs import pkcs12, pkcs12_kdf
from ehealth_certs.pkcs12 import NotPkcs12Error, read_keystore
from tests import pki
from tests.ehealth_certs.test_pkcs12 import summary, with_mac_iterations


def bmp(password: str) -> bytes:
    return password.encode("utf-16-be") + b"\x00\x00"


# (hash, password, salt, purpose, iterations, expected). The SHA-1 vectors are the classic ones
# (OpenSSL's and Bouncy Castle's test data); all agree with `openssl kdf ... PKCS12KDF`.
VECTORS = [
    ("sha1", bmp("smeg"), "0a58cf64530d823f", 1, 1, "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"),
    ("sha1", bmp("smeg"), "0a58cf64530d823f", 2, 1, "79993dfe048d3b76"),
    ("sha1", bmp("queeg"), "1682c0fc5b3f7ec5", 1, 1000, "483dd6e919d7de2e8e648ba8f862f3fbfbdc2bcb2c02957f"),
    (
        "sha256",
        bmp("Pässwörd €"),
        "00112233445566778899aabbccddeeff00112233",
        3,
        10_000,
        "8357766a706adcf39603cff1b760b86e7f524b46f1261e10608cf15a4a7ea838",
    ),
    (  # two output blocks with a 128-byte hash block: the I += B + 1 step of B.2
        "sha512",
        bmp("x"),
        "01",
        1,
        2,
        "caa8787e0855f202729bd236f93dabf473a699e309c958e5c5dbb24f5d6bb52f6ead1ec8d0eba13977fd679e11dbd892"
        "bef206c6a6e476f6d2c541c1fd0e2ac838ff06bd7cfb6d169ee071abc13a41f699fe95b083e09b171fd4af7b70ec6874"
        "242599de",
    ),
]


def test_libcrypto_is_used_here() -> None:
    """The fast path is active on this system (Debian's libssl3, as in the Docker image)."""
    assert pkcs12_kdf.uses_libcrypto()


@pytest.mark.parametrize(("hash_name", "secret", "salt", "purpose", "iterations", "expected"), VECTORS)
def test_known_vectors_in_c_and_in_python(
    hash_name: str, secret: bytes, salt: str, purpose: int, iterations: int, expected: str
) -> None:
    arguments = (hash_name, secret, bytes.fromhex(salt), purpose, iterations, len(expected) // 2)
    assert pkcs12_kdf.derive(*arguments).hex() == expected
    assert pkcs12_kdf.derive_python(*arguments).hex() == expected


@pytest.mark.parametrize("hash_name", sorted(pkcs12_kdf.HASHES))
@pytest.mark.parametrize(
    ("secret", "salt"), [(b"", b""), (b"", b"salt"), (bmp(""), b"\x00" * 65), (bmp("é" * 40), b"s")]
)
def test_c_and_python_agree_on_edge_cases(hash_name: str, secret: bytes, salt: bytes) -> None:
    """Empty password (OpenSSL's no-bytes form too), empty salt, inputs longer than a hash block."""
    for purpose, length in ((1, 24), (2, 8), (3, 64), (1, 200)):
        arguments = (hash_name, secret, salt, purpose, 3, length)
        assert pkcs12_kdf.derive(*arguments) == pkcs12_kdf.derive_python(*arguments)


def derivations_of(data: bytes) -> list[tuple[str, bytes, int, int, int]]:
    """(hash, salt, purpose, iterations, length) of every PKCS#12 KDF use a keystore asks for."""
    pfx = asn1_pkcs12.Pfx.load(data)
    mac = pfx["mac_data"]
    digest = mac["mac"]["digest_algorithm"]["algorithm"].native
    found = [(digest, mac["mac_salt"].native, 3, mac["iterations"].native, len(mac["mac"]["digest"].native))]
    algorithms = []
    for content_info in pfx.authenticated_safe:
        if content_info["content_type"].native == "encrypted_data":
            algorithms.append(content_info["content"]["encrypted_content_info"]["content_encryption_algorithm"])
        else:
            for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native):
                if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                    algorithms.append(bag["bag_value"]["encryption_algorithm"])
    for algorithm in algorithms:
        if algorithm["algorithm"].native in pkcs12._PKCS12_PBE:
            key_length = pkcs12._PKCS12_PBE[algorithm["algorithm"].native][0]
            salt, iterations = algorithm["parameters"]["salt"].native, algorithm["parameters"]["iterations"].native
            found += [("sha1", salt, 1, iterations, key_length), ("sha1", salt, 2, iterations, 8)]
    return found


@pytest.mark.parametrize("name", ["modern", "legacy"])
def test_c_and_python_agree_on_java_keystores(name: str, java_keystores: dict[str, bytes]) -> None:
    derivations = derivations_of(java_keystores[name])
    assert len(derivations) == (1 if name == "modern" else 1 + 2 * 4)  # MAC; legacy: certificates and 3 keys
    for hash_name, salt, purpose, iterations, length in derivations:
        arguments = (hash_name, bmp(pki.PASSWORD), salt, purpose, iterations, length)
        assert pkcs12_kdf.derive(*arguments) == pkcs12_kdf.derive_python(*arguments)


@pytest.mark.parametrize("name", ["modern", "legacy"])
def test_java_keystores_read_the_same_without_libcrypto(
    name: str, java_keystores: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_c = summary(read_keystore(java_keystores[name], pki.PASSWORD))
    monkeypatch.setattr(pkcs12_kdf, "_libcrypto_key_gen", lambda: None)
    assert not pkcs12_kdf.uses_libcrypto()

    assert summary(read_keystore(java_keystores[name], pki.PASSWORD)) == with_c


def test_a_failing_libcrypto_call_falls_back_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def failing(*arguments: object) -> bool:
        calls.append(arguments)
        return False

    monkeypatch.setattr(pkcs12_kdf, "_libcrypto_key_gen", lambda: failing)
    hash_name, secret, salt, purpose, iterations, expected = VECTORS[2]

    assert pkcs12_kdf.derive(hash_name, secret, bytes.fromhex(salt), purpose, iterations, 24).hex() == expected
    assert len(calls) == 1


def test_libcrypto_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert pkcs12_kdf._libcrypto_key_gen.__wrapped__() is None


def test_libcrypto_giving_a_wrong_answer_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pkcs12_kdf, "_CHECK_ANSWER", bytes(24))
    assert pkcs12_kdf._libcrypto_key_gen.__wrapped__() is None


@pytest.mark.parametrize(
    ("hash_name", "secret", "salt", "purpose", "iterations", "length"),
    [
        ("md5", b"", b"", 1, 1, 8),
        ("sha1", "text", b"", 1, 1, 8),
        ("sha1", b"", None, 1, 1, 8),
        ("sha1", b"", b"", 4, 1, 8),
        ("sha1", b"", b"", 1, 0, 8),
        ("sha1", b"", b"", 1, 2**31, 8),
        ("sha1", b"", b"", 1, 1.5, 8),
        ("sha1", b"", b"", 1, 1, 0),
        ("sha1", b"", b"", 1, 1, pkcs12_kdf.MAX_LENGTH + 1),
        ("sha1", b"", bytes(2**20 + 1), 1, 1, 8),
    ],
)
def test_arguments_unfit_for_c_are_refused(
    hash_name: str, secret: bytes, salt: bytes, purpose: int, iterations: int, length: int
) -> None:
    for function in (pkcs12_kdf.derive, pkcs12_kdf.derive_python):
        with pytest.raises(ValueError):
            function(hash_name, secret, salt, purpose, iterations, length)


def test_iteration_limit_is_checked_before_the_kdf_runs(
    python_keystore: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    monkeypatch.setattr(pkcs12_kdf, "derive", lambda *arguments: calls.append(arguments))

    with pytest.raises(NotPkcs12Error, match="iteration"):
        read_keystore(with_mac_iterations(python_keystore, pkcs12.MAX_ITERATIONS + 1), pki.PASSWORD)
    assert calls == []

