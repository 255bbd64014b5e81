"""What the eHealth Certificate Manager really writes, judged in its words: an unfinished request,
an organisation's certificate, the encryption key (ETK), the authentication certificate's profile,
and someone else's keystore named by its holder. Keystores are written by openssl or keytool."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.utils import translation

from ehealth_certs.keystore.codes import EncryptionKeyStatus
from ehealth_certs.keystore.trust import TrustSettings
from ehealth_certs.keystore.validation import (
    ErrorCode,
    ExpectedIdentity,
    ValidationResult,
    WarningCode,
    validate_keystore,
)
from ehealth_certs.keystore_text import validation_message
from tests import pki

NOW = pki.NOW
SSIN = pki.DEFAULT_SSIN


def validate(data: bytes, trust: TrustSettings, **options: object) -> ValidationResult:
    options.setdefault("now", NOW)
    return validate_keystore(data, pki.PASSWORD, trust=trust, **options)  # type: ignore[arg-type]


_LEGACY = ("-legacy", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-RC2-40", "-macalg", "sha1")


def openssl_authentication(issued: pki.Issued, chain: tuple[x509.Certificate, ...] = (), *, legacy: bool = False) -> bytes:
    """The authentication entry written by ``openssl pkcs12 -export`` (``legacy``: 3DES keys,
    RC2-40 certificates, SHA-1 MAC, as older Java writes them)."""
    return pki.openssl_keystore(pki.KeyEntry("authentication", issued.key, issued.cert, chain), *(_LEGACY if legacy else ()))


def issuing_chain() -> tuple[x509.Certificate, ...]:
    return (pki.production_pki().issuing.cert,)


def in_languages(message: object) -> dict[str, str]:
    rendered = {}
    for language in ("en", "fr", "nl"):
        with translation.override(language):
            rendered[language] = str(message)
    return rendered


# --------------------------------------------------------------------------- request_incomplete


@functools.cache
def placeholder_keystore() -> bytes:
    """Step 1 of the Certificate Manager: the key under a C=Dummy placeholder, legacy layout."""
    return openssl_authentication(pki.placeholder_certificate(), legacy=True)


@pytest.mark.slow
def test_unfinished_request_is_not_called_expired(trust: TrustSettings) -> None:
    result = validate(placeholder_keystore(), trust, expected=ExpectedIdentity(ssin=SSIN))

    assert result.error == ErrorCode.REQUEST_INCOMPLETE
    messages = in_languages(validation_message(result))
    assert "Finish the request in the eHealth Certificate Manager" in messages["en"]
    assert "up to 10 days" in messages["en"] and "expired" not in messages["en"]
    assert "10 jours" in messages["fr"] and "10 dagen" in messages["nl"]
    assert result.subject == "C=Dummy"
    assert result.not_after - result.not_before == timedelta(minutes=1)


@pytest.mark.slow
def test_any_self_signed_authentication_certificate_is_an_unfinished_request(trust: TrustSettings) -> None:
    key = pki.rsa_key(pki.AUTH_KEY)
    self_signed = pki.issue(None, pki.person_subject(), key, not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=900))

    assert validate(openssl_authentication(self_signed), trust).error == ErrorCode.REQUEST_INCOMPLETE


# --------------------------------------------------------------------------- organisation_certificate


@pytest.mark.slow
def test_organisation_certificate_is_refused_as_such(production: pki.Pki, trust: TrustSettings) -> None:
    organisation = pki.ehp_organisation_certificate(production)
    data = openssl_authentication(organisation, issuing_chain())

    result = validate(data, trust, expected=ExpectedIdentity(ssin=SSIN, name="Jan Peeters"))

    assert result.error == ErrorCode.ORGANISATION_CERTIFICATE
    assert result.identifiers == {"EHP": "1990001916"}
    messages = in_languages(validation_message(result))
    assert "certificate of an organisation (EHP 1990001916), not of a person" in messages["en"]
    assert "belongs to" not in messages["en"] and "Jan Peeters" not in messages["en"]
    assert "organisation (EHP 1990001916)" in messages["fr"] and "organisatie (EHP 1990001916)" in messages["nl"]


# --------------------------------------------------------------------------- someone else's keystore


@pytest.mark.slow
def test_someone_elses_keystore_names_both_people(production: pki.Pki, trust: TrustSettings) -> None:
    marie = pki.person_certificate(production, ssin="85073000160", given="Marie", family="Dubois")
    data = openssl_authentication(marie, issuing_chain())

    result = validate(data, trust, expected=ExpectedIdentity(ssin="90031200492", name="Jan Peeters"))

    assert result.error == ErrorCode.IDENTITY_MISMATCH
    messages = in_languages(validation_message(result))
    assert messages["en"].startswith(
        "This keystore belongs to Marie Dubois (NISS 85.07.30-001.60), not to Jan Peeters (NISS 90.03.12-004.92)."
    )
    assert messages["fr"].startswith(
        "Ce keystore est celui de Marie Dubois (NISS 85.07.30-001.60), pas de Jan Peeters (NISS 90.03.12-004.92)."
    )
    assert messages["nl"].startswith(
        "Deze keystore is van Marie Dubois (INSZ 85.07.30-001.60), niet van Jan Peeters (INSZ 90.03.12-004.92)."
    )
    assert "SSIN" not in messages["en"] and "85073000160" not in messages["en"]


# --------------------------------------------------------------------------- the authentication profile


@pytest.mark.parametrize(
    ("options", "phrase"),
    [
        ({"key_usage": pki.key_usage(digital_signature=False)}, "digitalSignature"),
        ({"extended_key_usage": [ExtendedKeyUsageOID.EMAIL_PROTECTION]}, "clientAuth"),
    ],
    ids=["no digitalSignature", "no clientAuth"],
)
@pytest.mark.slow
def test_authentication_certificate_must_allow_signing_and_client_authentication(
    production: pki.Pki, trust: TrustSettings, options: dict, phrase: str
) -> None:
    auth = pki.person_certificate(production, **options)

    result = validate(openssl_authentication(auth, issuing_chain()), trust)

    assert result.error == ErrorCode.AUTHENTICATION_USAGE
    messages = in_languages(validation_message(result))
    assert f"lacks {phrase}" in messages["en"] and "not an eHealth authentication certificate" in messages["en"]
    assert phrase in messages["fr"] and phrase in messages["nl"] and len(set(messages.values())) == 3


@pytest.mark.slow
def test_the_ehealth_profile_and_certificates_without_usage_extensions_pass(production: pki.Pki, trust: TrustSettings) -> None:
    ehealth_profile = pki.person_certificate(
        production,
        key_usage=pki.key_usage(),
        extended_key_usage=[ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],
    )
    unrestricted = pki.person_certificate(production, extended_key_usage=None)

    for auth in (ehealth_profile, unrestricted):
        result = validate(openssl_authentication(auth, issuing_chain()), trust)
        assert (result.valid, result.warnings) == (True, [WarningCode.NO_ENCRYPTION_KEY])


@pytest.mark.slow
def test_authentication_key_must_be_rsa(production: pki.Pki, trust: TrustSettings) -> None:
    auth = pki.person_certificate(production, key=ec.generate_private_key(ec.SECP256R1()))

    result = validate(openssl_authentication(auth, issuing_chain()), trust)

    assert result.error == ErrorCode.AUTHENTICATION_KEY_TYPE
    messages = in_languages(validation_message(result))
    assert "type EC" in messages["en"] and "RSA" in messages["fr"] and "RSA" in messages["nl"]
    assert len(set(messages.values())) == 3


# --------------------------------------------------------------------------- the encryption key (ETK)


def test_keystores_with_an_etk_say_so(java_keystores: dict[str, bytes], trust: TrustSettings) -> None:
    for data in java_keystores.values():
        result = validate(data, trust)
        assert (result.encryption_key, result.warnings) == (EncryptionKeyStatus.PRESENT, [])


@pytest.mark.slow
def test_keystore_without_etk_authenticates_with_a_warning(
    production: pki.Pki, auth: pki.Issued, trust: TrustSettings
) -> None:
    data = pki.keytool_keystore(pki.ehealth_entries(production, auth, []), layout="legacy")

    result = validate(data, trust, expected=ExpectedIdentity(ssin=SSIN))

    assert result.valid
    assert (result.encryption_key, result.warnings) == (EncryptionKeyStatus.MISSING, [WarningCode.NO_ENCRYPTION_KEY])
    assert result.to_json_dict()["encryption_key"] == "missing"


def etk_entry(production: pki.Pki, auth: pki.Issued, enc: pki.Issued, alias: str | None = None) -> pki.KeyEntry:
    chain = (auth.cert, production.issuing.cert, production.root.cert)
    return pki.KeyEntry(alias or pki.encryption_alias(enc), enc.key, enc.cert, chain)


def etk_validity(auth: pki.Issued) -> dict:
    return {"not_before": auth.cert.not_valid_before_utc, "not_after": auth.cert.not_valid_after_utc}


@pytest.mark.slow
def test_etk_under_another_alias_is_irregular_keytool(production: pki.Pki, auth: pki.Issued, trust: TrustSettings) -> None:
    enc = pki.encryption_certificate(auth)
    entries = [pki.KeyEntry("authentication", auth.key, auth.cert, issuing_chain() + (production.root.cert,))]
    data = pki.keytool_keystore([*entries, etk_entry(production, auth, enc, alias="etk")])

    result = validate(data, trust)

    assert result.valid
    assert result.encryption_key == EncryptionKeyStatus.IRREGULAR
    assert result.warnings == [WarningCode.ENCRYPTION_KEY_ALIAS_NOT_SERIAL]


IRREGULAR_ETKS: dict[str, Callable[[pki.Pki, pki.Issued], pki.Issued]] = {
    # same subject, but issued by the CA instead of the authentication key
    "issued by the CA": lambda production, auth: pki.issue(
        production.issuing, auth.cert.subject, pki.rsa_key(pki.ENCRYPTION_KEY), **etk_validity(auth)
    ),
    # names the authentication subject as issuer, but another key signed it
    "signature of another key": lambda production, auth: pki.issue(
        pki.Issued(pki.rsa_key(pki.OTHER_KEY), auth.cert), auth.cert.subject, pki.rsa_key(pki.ENCRYPTION_KEY),
        **etk_validity(auth),
    ),
    # issued by the authentication key, for somebody else
    "other subject": lambda production, auth: pki.issue(
        auth, pki.person_subject("03021500440", "Marie", "Dubois"), pki.rsa_key(pki.ENCRYPTION_KEY), **etk_validity(auth)
    ),
}


@pytest.mark.parametrize(
    ("label", "warning"),
    [
        ("issued by the CA", WarningCode.ENCRYPTION_KEY_NOT_ISSUED_BY_AUTHENTICATION),
        ("signature of another key", WarningCode.ENCRYPTION_KEY_NOT_ISSUED_BY_AUTHENTICATION),
        ("other subject", WarningCode.ENCRYPTION_KEY_OTHER_SUBJECT),
    ],
)
def test_irregular_etk_says_which_rule_it_breaks(
    production: pki.Pki, auth: pki.Issued, trust: TrustSettings, label: str, warning: WarningCode
) -> None:
    enc = IRREGULAR_ETKS[label](production, auth)
    data = pki.python_keystore(pki.ehealth_entries(production, auth, [enc]))

    result = validate(data, trust)

    assert result.valid
    assert (result.encryption_key, result.warnings) == (EncryptionKeyStatus.IRREGULAR, [warning])


def test_a_regular_etk_beside_an_irregular_one_is_present_and_the_other_is_reported(
    production: pki.Pki, auth: pki.Issued, trust: TrustSettings
) -> None:
    regular = pki.encryption_certificate(auth, key_index=pki.ENCRYPTION_KEY + 1)
    irregular = IRREGULAR_ETKS["other subject"](production, auth)
    data = pki.python_keystore(pki.ehealth_entries(production, auth, [regular, irregular]))

    result = validate(data, trust)

    assert (result.encryption_key, result.warnings) == (
        EncryptionKeyStatus.PRESENT,
        [WarningCode.ENCRYPTION_KEY_OTHER_SUBJECT],
    )
