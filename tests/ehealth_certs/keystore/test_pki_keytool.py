"""The test PKI factory (tests/pki.py) builds what the other tests rely on."""

from __future__ import annotations

import shutil

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from tests import pki


def test_person_subject_looks_like_ehealth(auth: pki.Issued) -> None:
    assert auth.cert.subject.rfc4514_string() == (
        "CN=SSIN=85073003328,OU=eHealth-platform Belgium,OU=Jan Peeters,OU=SSIN=85073003328,"
        "O=Federal Government,C=BE"
    )
    assert auth.cert.issuer.rfc4514_string().endswith("CN=ZetesConfidens Private Trust PKI - eHealth issuing CA 001")


def test_chains_are_signed(production: pki.Pki, acceptance: pki.Pki, auth: pki.Issued, encryption: list) -> None:
    production.root.cert.verify_directly_issued_by(production.root.cert)
    production.issuing.cert.verify_directly_issued_by(production.root.cert)
    acceptance.issuing.cert.verify_directly_issued_by(acceptance.root.cert)
    auth.cert.verify_directly_issued_by(production.issuing.cert)
    for enc in encryption:
        enc.cert.verify_directly_issued_by(auth.cert)  # issued by the authentication key
    assert acceptance.issuing.cert.subject.rfc4514_string().endswith(
        "CN=TEST-ZetesConfidens-eHealth acceptance test-issuing CA 001"
    )


def test_key_pool_reuses_keys() -> None:
    assert pki.rsa_key(pki.AUTH_KEY) is pki.rsa_key(pki.AUTH_KEY)
    assert pki.rsa_key(pki.AUTH_KEY).key_size == 2048


@pytest.mark.parametrize("name", ["modern", "legacy-encryption-first"])
def test_keytool_lists_the_java_keystores(
    name: str, java_keystores: dict[str, bytes], store_entries: list[pki.StoreEntry]
) -> None:
    listed = pki.keytool_list(java_keystores[name], pki.PASSWORD)

    assert listed == {
        entry.alias: "PrivateKeyEntry" if isinstance(entry, pki.KeyEntry) else "trustedCertEntry"
        for entry in store_entries
    }


def test_keytool_keystores_are_cached(java_keystores: dict[str, bytes], store_entries: list[pki.StoreEntry]) -> None:
    assert pki.keytool_keystore(store_entries, layout="modern") is java_keystores["modern"]


def test_missing_keytool_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(RuntimeError, match="default-jre-headless"):
        pki.keytool("-help")


@pytest.mark.slow
def test_keytool_failure_is_reported() -> None:
    with pytest.raises(RuntimeError, match="keytool -list"):
        pki.keytool("-list", "-keystore", "/nonexistent.p12", "-storepass", "whatever")


@pytest.mark.slow
def test_jks_file_is_java_keystore(not_keystores: dict[str, bytes]) -> None:
    assert not_keystores["jks"][:4] == bytes.fromhex("feedfeed")


def test_etk_is_cms_signed_data(auth: pki.Issued, encryption: list[pki.Issued]) -> None:
    content_info = cms.ContentInfo.load(pki.etk_blob(auth, encryption[0]))

    assert content_info["content_type"].native == "signed_data"
    signed = content_info["content"]
    assert signed["encap_content_info"]["content"].native == pki.der_certificate(encryption[0].cert)


def test_cryptography_keystore_holds_one_key(auth: pki.Issued, production: pki.Pki) -> None:
    entry = pki.KeyEntry("authentication", auth.key, auth.cert, production.bundle)

    loaded = crypto_pkcs12.load_pkcs12(pki.cryptography_keystore(entry), pki.PASSWORD.encode())

    assert loaded.cert.certificate == auth.cert
    assert loaded.cert.friendly_name == b"authentication"
    assert [cert.certificate for cert in loaded.additional_certs] == list(production.bundle)
