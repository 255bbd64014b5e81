from __future__ import annotations

import time

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from ehealth_certs.keystore import budget, reader
from ehealth_certs.keystore.entry import (
    KeystoreEntry,
    NoMacError,
    NotPkcs12Error,
    Pkcs12Error,
    TooCostlyError,
    WrongPasswordError,
    public_key_der,
)
from ehealth_certs.keystore.reader import read_keystore
from ehealth_certs.keystore.writer import build_keystore, change_password
from tests import pki
from tests.pki import not_keystore_params, with_iterations, without_mac

NEW_PASSWORD = "N3w-password!"


def algorithms_of(data: bytes) -> set[str]:
    """MAC digest and every encryption algorithm used in a keystore (password not needed)."""
    pfx = asn1_pkcs12.Pfx.load(data)
    found = {"mac:" + pfx["mac_data"]["mac"]["digest_algorithm"]["algorithm"].native}
    for content_info in pfx.authenticated_safe:
        if content_info["content_type"].native == "encrypted_data":
            algorithm = content_info["content"]["encrypted_content_info"]["content_encryption_algorithm"]
            found.add("certs:" + algorithm["algorithm"].native)
        else:
            for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native):
                if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                    found.add("keys:" + bag["bag_value"]["encryption_algorithm"]["algorithm"].native)
    return found


def key_aliases(entries: list[KeystoreEntry]) -> list[str | None]:
    return [entry.alias for entry in entries if entry.has_private_key]


def summary(entries: list[KeystoreEntry]) -> list[tuple[object, ...]]:
    """Everything an entry holds, comparable across files."""
    return [
        (
            entry.alias,
            entry.local_key_id,
            entry.certificate,
            public_key_der(entry.private_key.public_key()) if entry.private_key else None,
            entry.trusted,
        )
        for entry in entries
    ]


def test_java_layouts_are_what_they_claim(java_keystores: dict[str, bytes]) -> None:
    assert algorithms_of(java_keystores["modern"]) == {"mac:sha256", "keys:pbes2", "certs:pbes2"}
    assert algorithms_of(java_keystores["legacy"]) == {
        "mac:sha1",
        "keys:pkcs12_sha1_tripledes_3key",
        "certs:pkcs12_sha1_rc2_40",
    }


@pytest.mark.parametrize("name", ["modern", "legacy", "legacy-encryption-first"])
def test_reads_every_entry_of_java_keystores(
    name: str, java_keystores: dict[str, bytes], auth: pki.Issued, encryption: list[pki.Issued], production: pki.Pki
) -> None:
    entries = read_keystore(java_keystores[name], pki.PASSWORD)

    enc_aliases = [pki.encryption_alias(enc) for enc in encryption]
    expected = ["authentication", *enc_aliases] if "encryption-first" not in name else [*enc_aliases, "authentication"]
    assert key_aliases(entries) == expected
    by_alias = {entry.alias: entry for entry in entries}
    for alias, issued in zip(["authentication", *enc_aliases], [auth, *encryption], strict=True):
        entry = by_alias[alias]
        assert entry.certificate == issued.cert
        assert public_key_der(entry.private_key.public_key()) == public_key_der(issued.key.public_key())
        assert entry.local_key_id  # Java pairs key and certificate by localKeyId
    assert len({entry.local_key_id for entry in entries if entry.has_private_key}) == 3
    trusted = {entry.alias: entry.certificate for entry in entries if entry.trusted}
    assert trusted == {"ehealth-root": production.root.cert, "ehealth-issuing": production.issuing.cert}
    chain_certificates = {entry.certificate for entry in entries if not entry.has_private_key}
    assert chain_certificates == {auth.cert, production.root.cert, production.issuing.cert}


def test_cryptography_keeps_only_the_first_key_but_we_read_all(
    java_keystores: dict[str, bytes], encryption: list[pki.Issued]
) -> None:
    data = java_keystores["legacy-encryption-first"]
    loaded = crypto_pkcs12.load_pkcs12(data, pki.PASSWORD.encode())
    assert public_key_der(loaded.key.public_key()) == public_key_der(encryption[0].key.public_key())

    entries = read_keystore(data, pki.PASSWORD)
    assert [entry.has_private_key for entry in entries].count(True) == 3
    assert key_aliases(entries)[-1] == "authentication"


def test_reads_cryptography_written_keystore(auth: pki.Issued, production: pki.Pki) -> None:
    key_entry = pki.KeyEntry("authentication", auth.key, auth.cert, production.bundle)
    data = pki.cryptography_keystore(key_entry, extra=[pki.TrustedEntry("extra-ca", production.root.cert)])

    entries = read_keystore(data, pki.PASSWORD)

    assert entries[0].alias == "authentication"
    assert entries[0].certificate == auth.cert
    assert entries[0].local_key_id is not None
    assert [(entry.alias, entry.certificate) for entry in entries[1:]] == [
        (None, production.root.cert),
        (None, production.issuing.cert),
        ("extra-ca", production.root.cert),
    ]


def test_reads_own_writer_and_pairs_by_local_key_id(python_keystore: bytes, store_entries: list) -> None:
    entries = read_keystore(python_keystore, pki.PASSWORD)

    assert algorithms_of(python_keystore) == {"mac:sha256", "keys:pbes2", "certs:pbes2"}
    assert key_aliases(entries) == [entry.alias for entry in store_entries if isinstance(entry, pki.KeyEntry)]
    for entry in entries:
        if entry.has_private_key:
            assert public_key_der(entry.private_key.public_key()) == public_key_der(entry.certificate.public_key())


def test_pairs_by_public_key_without_attributes(auth: pki.Issued, encryption: list[pki.Issued]) -> None:
    data = build_keystore(
        [
            KeystoreEntry(None, None, encryption[0].cert),
            KeystoreEntry(None, None, auth.cert),
            KeystoreEntry(None, None, None, auth.key),
        ],
        pki.PASSWORD,
    )

    entries = read_keystore(data, pki.PASSWORD)

    assert [(entry.has_private_key, entry.certificate) for entry in entries] == [
        (True, auth.cert),  # the key bag comes first in the modern layout
        (False, encryption[0].cert),
    ]


@pytest.mark.parametrize("name", ["modern", "legacy"])
def test_wrong_password(name: str, java_keystores: dict[str, bytes]) -> None:
    with pytest.raises(WrongPasswordError):
        read_keystore(java_keystores[name], "not-the-password")


def test_wrong_password_with_non_encodable_characters(python_keystore: bytes) -> None:
    with pytest.raises(WrongPasswordError):
        read_keystore(python_keystore, "\udc80")


@pytest.mark.parametrize("label", not_keystore_params())
def test_not_pkcs12(label: str, not_keystores: dict[str, bytes]) -> None:
    with pytest.raises(NotPkcs12Error):
        read_keystore(not_keystores[label], pki.PASSWORD)


@pytest.mark.parametrize("name", ["modern", "legacy-encryption-first"])
def test_change_password_keeps_every_entry_and_keytool_reads_it(name: str, java_keystores: dict[str, bytes]) -> None:
    original = java_keystores[name]

    changed = change_password(original, pki.PASSWORD, NEW_PASSWORD)

    assert summary(read_keystore(changed, NEW_PASSWORD)) == summary(read_keystore(original, pki.PASSWORD))
    assert algorithms_of(changed) == {"mac:sha256", "keys:pbes2", "certs:pbes2"}
    with pytest.raises(WrongPasswordError):
        read_keystore(changed, pki.PASSWORD)
    listed = pki.keytool_list(changed, NEW_PASSWORD)
    assert listed == pki.keytool_list(original, pki.PASSWORD)
    assert sorted(listed.values()) == ["PrivateKeyEntry"] * 3 + ["trustedCertEntry"] * 2


def test_change_password_refuses_wrong_old_password(python_keystore: bytes) -> None:
    with pytest.raises(WrongPasswordError):
        change_password(python_keystore, "not-the-password", NEW_PASSWORD)


@pytest.mark.parametrize("new_password", ["", "pässword1"])
def test_change_password_refuses_passwords_java_cannot_use(python_keystore: bytes, new_password: str) -> None:
    with pytest.raises(Pkcs12Error, match="ASCII"):
        change_password(python_keystore, pki.PASSWORD, new_password)


def test_change_password_keeps_mismatched_entries_as_they_are(auth: pki.Issued) -> None:
    data = pki.mismatched_keystore(auth, pki.rsa_key(pki.OTHER_KEY))

    changed = change_password(data, pki.PASSWORD, NEW_PASSWORD)

    [entry] = read_keystore(changed, NEW_PASSWORD)
    assert (entry.alias, entry.local_key_id, entry.certificate) == ("authentication", b"auth-id", auth.cert)
    assert public_key_der(entry.private_key.public_key()) == public_key_der(pki.rsa_key(pki.OTHER_KEY).public_key())


def test_too_many_bags_are_refused(production: pki.Pki) -> None:
    many = [KeystoreEntry(None, None, production.root.cert)] * (reader.MAX_BAGS + 1)

    with pytest.raises(NotPkcs12Error, match="SafeBags"):
        read_keystore(build_keystore(many, pki.PASSWORD), pki.PASSWORD)


@pytest.mark.parametrize("field", ["dmp1", "dmq1", "iqmp", "d"])
def test_inconsistent_rsa_key_is_refused(auth: pki.Issued, field: str) -> None:
    """Keys are loaded without OpenSSL's slow primality check, so our own consistency check must hold."""
    good = pki.rsa_key(pki.AUTH_KEY).private_numbers()
    values = {name: getattr(good, name) for name in ("p", "q", "d", "dmp1", "dmq1", "iqmp")}
    values[field] += 2  # stays odd where it must be: only the consistency check can catch it
    bad_key = rsa.RSAPrivateNumbers(**values, public_numbers=good.public_numbers).private_key(
        unsafe_skip_rsa_key_validation=True
    )
    data = build_keystore([KeystoreEntry("authentication", b"auth-id", auth.cert, bad_key)], pki.PASSWORD)

    with pytest.raises(NotPkcs12Error):
        read_keystore(data, pki.PASSWORD)


# --------------------------------------------------------------------------- keys left encrypted


def only_authentication(alias: str) -> bool:
    return alias == "authentication"


def count_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[object]:
    calls: list[object] = []
    original = getattr(module, name)

    def counted(*arguments: object) -> object:
        calls.append(arguments)
        return original(*arguments)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("name", ["modern", "legacy", "legacy-encryption-first"])
def test_keys_left_encrypted_keep_their_entry(name: str, java_keystores: dict[str, bytes]) -> None:
    full = read_keystore(java_keystores[name], pki.PASSWORD)

    lazy = read_keystore(java_keystores[name], pki.PASSWORD, decrypt_key=only_authentication)

    assert [(e.alias, e.local_key_id, e.certificate, e.trusted, e.has_private_key) for e in lazy] == [
        (e.alias, e.local_key_id, e.certificate, e.trusted, e.has_private_key) for e in full
    ]
    decrypted = {e.alias: e.private_key is not None for e in lazy if e.has_private_key}
    assert decrypted == {alias: alias == "authentication" for alias in decrypted} and len(decrypted) == 3
    assert all(e.key_left_encrypted == (e.has_private_key and e.alias != "authentication") for e in lazy)
    [auth_entry] = [e for e in lazy if e.alias == "authentication"]
    assert public_key_der(auth_entry.private_key.public_key()) == public_key_der(auth_entry.certificate.public_key())


@pytest.mark.parametrize(
    ("name", "all_keys", "authentication_only"), [("legacy", 2, 0), ("legacy-encryption-first", 2, 1)]
)
def test_keys_left_encrypted_cost_no_key_derivation(
    name: str,
    all_keys: int,
    authentication_only: int,
    java_keystores: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """load_pkcs12 decrypts the first key bag: it is reused when OpenSSL met it first, never decrypted twice."""
    decrypted = count_calls(monkeypatch, reader, "_decrypt_key")

    read_keystore(java_keystores[name], pki.PASSWORD)
    assert len(decrypted) == all_keys  # three keys, the first from load_pkcs12
    decrypted.clear()
    read_keystore(java_keystores[name], pki.PASSWORD, decrypt_key=only_authentication)
    assert len(decrypted) == authentication_only


@pytest.mark.parametrize("name", ["modern", "legacy"])
def test_keys_left_encrypted_still_need_the_password(name: str, java_keystores: dict[str, bytes]) -> None:
    with pytest.raises(WrongPasswordError):  # the MAC is checked whatever is decrypted
        read_keystore(java_keystores[name], "not-the-password", decrypt_key=lambda alias: False)


def test_key_bags_that_pairing_needs_are_decrypted_anyway(auth: pki.Issued, encryption: list[pki.Issued]) -> None:
    """A key bag without friendlyName, or whose localKeyId no certificate has, pairs by public key."""
    data = build_keystore(
        [
            KeystoreEntry(None, None, None, auth.key),  # no attributes at all
            KeystoreEntry("orphan-id", b"no-such-certificate", None, encryption[0].key),
            KeystoreEntry(None, None, auth.cert),
            KeystoreEntry(None, None, encryption[0].cert),
        ],
        pki.PASSWORD,
    )

    entries = read_keystore(data, pki.PASSWORD, decrypt_key=lambda alias: False)

    assert [(e.alias, e.private_key is not None, e.certificate) for e in entries] == [
        (None, True, auth.cert),
        ("orphan-id", True, encryption[0].cert),
    ]
    assert not any(e.key_left_encrypted for e in entries)


def test_a_declined_key_bag_is_paired_by_its_attributes(auth: pki.Issued, encryption: list[pki.Issued]) -> None:
    data = build_keystore(
        [
            KeystoreEntry("authentication", b"auth-id", auth.cert, auth.key),
            KeystoreEntry("enc", b"enc-id", encryption[0].cert, encryption[0].key),
        ],
        pki.PASSWORD,
    )

    entries = read_keystore(data, pki.PASSWORD, decrypt_key=only_authentication)

    assert [(e.alias, e.local_key_id, e.certificate, e.key_left_encrypted) for e in entries] == [
        ("authentication", b"auth-id", auth.cert, False),
        ("enc", b"enc-id", encryption[0].cert, True),
    ]


# --------------------------------------------------------------------------- OpenSSL's layouts


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(("-keypbe", "NONE"), id="unencrypted key bag"),
        pytest.param(("-keypbe", "NONE", "-certpbe", "NONE"), id="nothing encrypted"),
        pytest.param((), id="openssl default"),
        pytest.param(("-legacy",), id="openssl legacy"),
    ],
)
@pytest.mark.slow
def test_reads_openssl_keystores(options: tuple[str, ...], auth: pki.Issued, production: pki.Pki) -> None:
    data = pki.openssl_keystore(pki.KeyEntry("authentication", auth.key, auth.cert, production.bundle), *options)

    entries = read_keystore(data, pki.PASSWORD)

    assert [(e.alias, e.certificate) for e in entries if e.has_private_key] == [("authentication", auth.cert)]
    assert public_key_der(entries[0].private_key.public_key()) == public_key_der(auth.key.public_key())
    assert entries[0].local_key_id  # OpenSSL pairs key and certificate by localKeyId
    assert {e.certificate for e in entries[1:]} == {production.root.cert, production.issuing.cert}
    with pytest.raises(WrongPasswordError):
        read_keystore(data, "not-the-password")


@pytest.mark.slow
def test_openssl_keystore_without_names_pairs_by_public_key(auth: pki.Issued, production: pki.Pki) -> None:
    entry = pki.KeyEntry("authentication", auth.key, auth.cert, production.bundle)
    data = pki.openssl_keystore(entry, "-keypbe", "NONE", name=False)

    entries = read_keystore(data, pki.PASSWORD, decrypt_key=lambda alias: False)

    assert (entries[0].alias, entries[0].certificate, entries[0].private_key is not None) == (None, auth.cert, True)


# --------------------------------------------------------------------------- cost budget and MAC


@pytest.fixture
def no_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any key derivation (MAC, certificates, keys) fails the test."""

    def forbidden(*arguments: object, **options: object) -> None:
        raise AssertionError("a key derivation was attempted")

    monkeypatch.setattr(reader.crypto_pkcs12, "load_pkcs12", forbidden)
    monkeypatch.setattr(reader.serialization, "load_der_private_key", forbidden)


@pytest.mark.parametrize(
    ("mac", "keys", "why"),
    [
        (budget.MAX_ITERATIONS + 1, None, "iteration count"),  # one derivation too costly
        (None, budget.MAX_ITERATIONS + 1, "iteration count"),
        (900_000, 600_000, "in all"),  # each acceptable, 900,000 + 2 x 600,000 too much together
    ],
)
def test_costly_keystores_are_refused_before_any_derivation(
    mac: int | None, keys: int | None, why: str, python_keystore: bytes, no_derivation: None
) -> None:
    data = with_iterations(python_keystore, mac=mac, keys=keys)
    started = time.perf_counter()

    with pytest.raises(TooCostlyError, match=why):
        read_keystore(data, pki.PASSWORD)

    assert time.perf_counter() - started < 0.5


def test_keystore_without_mac_is_refused(python_keystore: bytes, no_derivation: None) -> None:
    with pytest.raises(NoMacError):
        read_keystore(without_mac(python_keystore), pki.PASSWORD)


# --------------------------------------------------------------------------- the writer


def test_written_keystores_open_with_the_library(python_keystore: bytes, auth: pki.Issued) -> None:
    """Our MAC key derivation (RFC 7292 B.2) is checked by OpenSSL's own MAC verification."""
    loaded = crypto_pkcs12.load_pkcs12(python_keystore, pki.PASSWORD.encode())
    assert loaded.cert.certificate == auth.cert and loaded.cert.friendly_name == b"authentication"
    with pytest.raises(ValueError, match="Invalid password"):
        crypto_pkcs12.load_pkcs12(python_keystore, b"not-the-password")


@pytest.mark.parametrize("layout", ["modern", "legacy"])
def test_change_password_keeps_key_bag_attributes_exactly(layout: str, java_keystores: dict[str, bytes]) -> None:
    def key_bag_attributes(data: bytes) -> list[object]:
        pfx = asn1_pkcs12.Pfx.load(data)
        return [
            sorted((attribute["type"].native, attribute["values"].native) for attribute in bag["bag_attributes"])
            for content_info in pfx.authenticated_safe
            if content_info["content_type"].native == "data"
            for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native)
        ]

    original = java_keystores[layout]
    assert key_bag_attributes(change_password(original, pki.PASSWORD, NEW_PASSWORD)) == key_bag_attributes(original)
