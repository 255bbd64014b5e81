from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ehealth_certs.keystore import reader
from ehealth_certs.keystore.dates import add_months
from ehealth_certs.keystore.subject import parse_identifiers
from ehealth_certs.keystore.trust import TrustSettings, load_ca_bundle
from ehealth_certs.keystore.validation import (
    ErrorCode,
    ExpectedIdentity,
    ValidationResult,
    WarningCode,
    validate_keystore,
)
from ehealth_certs.keystore_text import validation_message
from tests import pki
from tests.pki import not_keystore_params, with_iterations, without_mac

NOW = pki.NOW
SSIN = pki.DEFAULT_SSIN
Render = Callable[[object], str]


def validate(data: bytes, trust: TrustSettings, **options: object) -> ValidationResult:
    options.setdefault("now", NOW)
    return validate_keystore(data, pki.PASSWORD, trust=trust, **options)  # type: ignore[arg-type]


def keystore_for(pki_: pki.Pki, auth: pki.Issued, **options: object) -> bytes:
    encryption = [pki.encryption_certificate(auth)]
    return pki.python_keystore(pki.ehealth_entries(pki_, auth, encryption, **options))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- valid keystores


@pytest.mark.parametrize("name", ["modern", "legacy", "legacy-encryption-first"])
def test_java_keystores_are_valid(
    name: str, java_keystores: dict[str, bytes], trust: TrustSettings, auth: pki.Issued, encryption: list[pki.Issued]
) -> None:
    result = validate(java_keystores[name], trust, expected=ExpectedIdentity(ssin=SSIN))

    assert (result.valid, result.error, validation_message(result), result.warnings) == (True, None, "", [])
    assert result.environment == "production"
    assert result.identifiers == {"SSIN": SSIN}
    assert result.subject == auth.cert.subject.rfc4514_string()
    assert result.issuer == auth.cert.issuer.rfc4514_string()
    assert result.serial == format(auth.cert.serial_number, "x")
    assert result.fingerprint_sha256 == auth.cert.fingerprint(hashes.SHA256()).hex()
    assert (result.not_before, result.not_after) == (auth.cert.not_valid_before_utc, auth.cert.not_valid_after_utc)
    assert result.not_after.tzinfo is not None

    kinds = {entry.alias: entry.kind for entry in result.entries}
    assert kinds == {
        "authentication": "authentication",
        pki.encryption_alias(encryption[0]): "encryption",
        pki.encryption_alias(encryption[1]): "encryption",
        "ehealth-root": "ca",  # chain copies of the CA certificates are listed once, as trusted alias
        "ehealth-issuing": "ca",
    }
    [authentication] = [entry for entry in result.entries if entry.kind == "authentication"]
    assert (authentication.key_type, authentication.key_size, authentication.has_private_key) == ("RSA", 2048, True)
    assert authentication.local_key_id and all(c in "0123456789abcdef" for c in authentication.local_key_id)


@pytest.mark.parametrize(("name", "decrypted"), [("modern", 0), ("legacy", 0), ("legacy-encryption-first", 1)])
def test_only_the_authentication_key_is_decrypted(
    name: str, decrypted: int, java_keystores: dict[str, bytes], trust: TrustSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each key costs a key derivation: the encryption keys are described from their certificates, and
    the first key, which load_pkcs12 decrypts anyway, is not decrypted again."""
    loaded = []
    load = reader._decrypt_key
    monkeypatch.setattr(reader, "_decrypt_key", lambda bag, secret: loaded.append(bag) or load(bag, secret))

    result = validate(java_keystores[name], trust)

    assert result.valid and len(loaded) == decrypted
    keys = [(entry.kind, entry.has_private_key, entry.key_type, entry.key_size) for entry in result.entries]
    assert sorted(keys[:3]) == [("authentication", True, "RSA", 2048)] + [("encryption", True, "RSA", 2048)] * 2
    assert all(kind == "ca" and not has_key for kind, has_key, _, _ in keys[3:])


def test_authentication_alias_is_case_insensitive(production: pki.Pki, auth: pki.Issued, trust: TrustSettings) -> None:
    data = keystore_for(production, auth, auth_alias="Authentication")

    assert validate(data, trust).valid


def test_acceptance_keystore_on_acceptance_installation(acceptance: pki.Pki, trust: TrustSettings) -> None:
    auth = pki.person_certificate(acceptance)
    acceptance_trust = TrustSettings("acceptance", acceptance_cas=acceptance.bundle)

    result = validate(keystore_for(acceptance, auth), acceptance_trust)

    assert (result.valid, result.environment) == (True, "acceptance")


def test_intermediate_from_the_keystore_completes_the_chain(production: pki.Pki, auth: pki.Issued) -> None:
    root_only = TrustSettings("production", production_cas=(production.root.cert,))

    assert validate(keystore_for(production, auth), root_only).valid
    without_ca = keystore_for(production, auth, with_ca_entries=False)
    assert validate(without_ca, root_only).valid  # the chain certificates of the key entries
    bare = pki.python_keystore([pki.KeyEntry("authentication", auth.key, auth.cert)])
    assert validate(bare, root_only).error == ErrorCode.UNTRUSTED_CHAIN
    assert validate(bare, TrustSettings("production", production_cas=production.bundle)).valid


def test_to_json_dict(java_keystores: dict[str, bytes], trust: TrustSettings) -> None:
    result = validate(java_keystores["modern"], trust)

    document = json.loads(json.dumps(result.to_json_dict()))

    assert list(document) == [
        "valid", "error", "message", "warnings", "environment", "identifiers",
        "subject", "not_before", "not_after", "encryption_key", "entries", "revocation",
    ]  # fmt: skip
    assert document["encryption_key"] == "present"
    assert document["revocation"] == "not_checked"
    assert document["valid"] is True and document["error"] is None and document["message"] == ""
    assert datetime.fromisoformat(document["not_after"]) == result.not_after
    assert list(document["entries"][0]) == [
        "alias", "kind", "has_private_key", "subject", "issuer", "serial", "not_before", "not_after",
    ]  # fmt: skip
    assert document["entries"][0]["alias"] == "authentication"


def test_to_json_dict_of_a_failure(python_keystore: bytes, trust: TrustSettings, render: Render) -> None:
    result = validate(python_keystore, trust, now=NOW + timedelta(days=5 * 365))
    document = result.to_json_dict(render(validation_message(result)))

    assert (document["valid"], document["error"]) == (False, "expired")
    assert "expired" in document["message"]
    assert len(document["entries"]) == 5


# --------------------------------------------------------------------------- each error, in order


def test_too_large(python_keystore: bytes, trust: TrustSettings) -> None:
    assert validate(b"\0" * (256 * 1024 + 1), trust).error == ErrorCode.TOO_LARGE
    assert validate(python_keystore, trust, max_size=len(python_keystore) - 1).error == ErrorCode.TOO_LARGE
    assert validate(python_keystore, trust, max_size=len(python_keystore)).valid


@pytest.mark.parametrize("label", not_keystore_params())
def test_not_pkcs12(label: str, not_keystores: dict[str, bytes], trust: TrustSettings) -> None:
    result = validate(not_keystores[label], trust)

    assert (result.valid, result.error, result.entries) == (False, ErrorCode.NOT_PKCS12, [])


@pytest.mark.parametrize("name", ["modern", "legacy"])
def test_wrong_password(name: str, java_keystores: dict[str, bytes], trust: TrustSettings, render: Render) -> None:
    result = validate_keystore(java_keystores[name], "wrong-password", trust=trust, now=NOW)

    assert result.error == ErrorCode.WRONG_PASSWORD
    assert result.entries == []
    assert "password" in render(validation_message(result))


def test_keystore_without_mac_is_refused(python_keystore: bytes, trust: TrustSettings, render: Render) -> None:
    result = validate(without_mac(python_keystore), trust)

    assert (result.valid, result.error) == (False, ErrorCode.NO_MAC)
    assert "MAC" in render(validation_message(result))


def test_costly_keystore_is_refused(python_keystore: bytes, trust: TrustSettings, render: Render) -> None:
    result = validate(with_iterations(python_keystore, mac=900_000, keys=600_000), trust)

    assert (result.valid, result.error) == (False, ErrorCode.TOO_COSTLY)
    assert "two million" in render(validation_message(result))


@pytest.mark.slow
def test_openssl_keystore_with_unencrypted_key_is_valid(production: pki.Pki, auth: pki.Issued, trust: TrustSettings) -> None:
    entry = pki.KeyEntry("authentication", auth.key, auth.cert, production.bundle)

    result = validate(pki.openssl_keystore(entry, "-keypbe", "NONE"), trust)

    assert result.valid, result.error
    assert [(e.alias, e.kind, e.has_private_key) for e in result.entries][0] == ("authentication", "authentication", True)


def test_no_authentication_entry(production: pki.Pki, auth: pki.Issued, trust: TrustSettings) -> None:
    data = keystore_for(production, auth, auth_alias="authentication-old")

    result = validate(data, trust)

    assert result.error == ErrorCode.NO_AUTHENTICATION_ENTRY
    assert [entry.kind for entry in result.entries] == ["encryption", "encryption", "ca", "ca"]


def test_certificate_only_authentication_entry_is_not_enough(auth: pki.Issued, trust: TrustSettings) -> None:
    data = pki.python_keystore([pki.TrustedEntry("authentication", auth.cert)])

    assert validate(data, trust).error == ErrorCode.NO_AUTHENTICATION_ENTRY


def test_key_mismatch_still_describes_the_keystore(auth: pki.Issued, trust: TrustSettings) -> None:
    data = pki.mismatched_keystore(auth, pki.rsa_key(pki.OTHER_KEY))

    result = validate(data, trust)

    assert result.error == ErrorCode.KEY_MISMATCH
    assert result.subject == auth.cert.subject.rfc4514_string()
    assert result.not_after == auth.cert.not_valid_after_utc
    assert [(entry.alias, entry.kind) for entry in result.entries] == [("authentication", "authentication")]


def test_not_yet_valid(production: pki.Pki, trust: TrustSettings, render: Render) -> None:
    starts = datetime(2030, 1, 15, 12, tzinfo=UTC)
    auth = pki.person_certificate(production, not_before=starts, not_after=starts + timedelta(days=1000))

    result = validate(keystore_for(production, auth), trust, now=starts - timedelta(seconds=1))

    assert result.error == ErrorCode.NOT_YET_VALID
    assert "15/01/2030" in render(validation_message(result))
    assert validate(keystore_for(production, auth), trust, now=starts).valid


def test_expired(production: pki.Pki, trust: TrustSettings, render: Render) -> None:
    ends = datetime(2026, 3, 31, 10, tzinfo=UTC)
    auth = pki.person_certificate(production, not_before=ends - timedelta(days=1000), not_after=ends)
    data = keystore_for(production, auth)

    result = validate(data, trust, now=ends + timedelta(seconds=1))

    assert result.error == ErrorCode.EXPIRED
    assert "31/03/2026" in render(validation_message(result))
    assert result.not_after == ends
    assert validate(data, trust, now=ends).error is None


def test_untrusted_look_alike_chain(trust: TrustSettings) -> None:
    rogue = pki.rogue_pki()  # same CA names as production, other keys
    auth = pki.person_certificate(rogue)

    result = validate(keystore_for(rogue, auth), trust)

    assert result.error == ErrorCode.UNTRUSTED_CHAIN
    assert result.environment is None


def test_certificate_issued_by_a_leaf_is_untrusted(production: pki.Pki, auth: pki.Issued, trust: TrustSettings) -> None:
    """The practitioner's own key must not be able to mint certificates for someone else."""
    forged = pki.issue(auth, pki.person_subject("03021500440"), pki.rsa_key(pki.OTHER_KEY), **validity(auth))
    entries = [
        pki.KeyEntry("authentication", forged.key, forged.cert, (auth.cert, *production.bundle)),
        pki.TrustedEntry("leaf", auth.cert),
    ]

    assert validate(pki.python_keystore(entries), trust).error == ErrorCode.UNTRUSTED_CHAIN


def validity(issued: pki.Issued) -> dict[str, datetime]:
    return {"not_before": issued.cert.not_valid_before_utc, "not_after": issued.cert.not_valid_after_utc}


def test_untrusted_when_no_bundle_is_configured(
    python_keystore: bytes, acceptance: pki.Pki, trust: TrustSettings, render: Render
) -> None:
    for unconfigured in (None, ()):
        settings = TrustSettings("production", production_cas=unconfigured, acceptance_cas=acceptance.bundle)

        result = validate(python_keystore, settings)

        assert result.error == ErrorCode.UNTRUSTED_CHAIN
        assert "no CA bundle is configured for the production environment" in render(validation_message(result))


def test_expired_ca_breaks_the_chain(production: pki.Pki, auth: pki.Issued, trust: TrustSettings) -> None:
    later = production.root.cert.not_valid_after_utc + timedelta(days=1)
    long_lived = pki.person_certificate(production, not_after=later + timedelta(days=30))

    assert validate(keystore_for(production, long_lived), trust, now=later).error == ErrorCode.UNTRUSTED_CHAIN


def test_acceptance_certificate_on_production_installation(
    acceptance: pki.Pki, trust: TrustSettings, render: Render
) -> None:
    data = keystore_for(acceptance, pki.person_certificate(acceptance))

    result = validate(data, trust)

    assert (result.error, result.environment) == (ErrorCode.ENVIRONMENT_MISMATCH, "acceptance")
    message = render(validation_message(result))
    assert "acceptance" in message and "production" in message
    # recognised by its issuer name even when the acceptance bundle is not configured
    production_only = TrustSettings("production", production_cas=trust.production_cas)
    assert validate(data, production_only).error == ErrorCode.ENVIRONMENT_MISMATCH


def test_production_certificate_on_acceptance_installation(python_keystore: bytes, trust: TrustSettings) -> None:
    acceptance_install = TrustSettings("acceptance", trust.production_cas, trust.acceptance_cas)

    result = validate(python_keystore, acceptance_install)

    assert (result.error, result.environment) == (ErrorCode.ENVIRONMENT_MISMATCH, "production")


def test_identity_mismatch_on_ssin(python_keystore: bytes, trust: TrustSettings, render: Render) -> None:
    result = validate(python_keystore, trust, expected=ExpectedIdentity(ssin="03021500440"))

    assert result.error == ErrorCode.IDENTITY_MISMATCH
    assert render(validation_message(result)).startswith(
        "This keystore belongs to Jan Peeters (NISS 85.07.30-033.28), not to NISS 03.02.15-004.40."
    )


@pytest.mark.parametrize(
    ("expected", "error"),
    [
        (ExpectedIdentity(ssin="85.07.30-033.28"), None),
        (ExpectedIdentity(ssin=None), ErrorCode.IDENTITY_MISMATCH),
        (ExpectedIdentity(ssin="85073003317"), ErrorCode.IDENTITY_MISMATCH),
    ],
)
def test_person_certificate_is_checked_on_ssin(
    python_keystore: bytes, trust: TrustSettings, expected: ExpectedIdentity, error: ErrorCode | None
) -> None:
    assert validate(python_keystore, trust, expected=expected).error == error


@pytest.mark.parametrize(("nihii", "identifier"), [(None, "CBE 0566988259"), ("71000436", "NIHII-HOSPITAL 71000436")])
def test_organisation_certificate_is_refused_on_a_practitioner_record(
    production: pki.Pki, trust: TrustSettings, render: Render, nihii: str | None, identifier: str
) -> None:
    auth = pki.organisation_certificate(production, nihii=nihii)

    result = validate(keystore_for(production, auth), trust, expected=ExpectedIdentity(ssin=SSIN))

    assert result.error == ErrorCode.ORGANISATION_CERTIFICATE
    assert f"certificate of an organisation ({identifier}), not of a person" in render(validation_message(result))
    assert validate(keystore_for(production, auth), trust).valid  # described, not refused, without a record


def test_certificate_without_identifier(production: pki.Pki, trust: TrustSettings, render: Render) -> None:
    name = x509.Name.from_rfc4514_string("CN=Someone,O=Federal Government,C=BE")
    auth = pki.issue(production.issuing, name, pki.rsa_key(pki.AUTH_KEY), **validity(pki.person_certificate(production)))

    result = validate(keystore_for(production, auth), trust, expected=ExpectedIdentity(ssin=SSIN))

    assert (result.error, result.identifiers) == (ErrorCode.IDENTITY_MISMATCH, {})
    assert "carries no NISS: it is not a personal eHealth certificate" in render(validation_message(result))


def test_older_than_active(python_keystore: bytes, auth: pki.Issued, trust: TrustSettings, render: Render) -> None:
    not_after = auth.cert.not_valid_after_utc

    older = validate(python_keystore, trust, active_not_after=not_after)

    assert older.error == ErrorCode.OLDER_THAN_ACTIVE
    assert "most recent" in render(validation_message(older))
    assert validate(python_keystore, trust, active_not_after=not_after - timedelta(seconds=1)).valid


def test_checks_run_in_order(production: pki.Pki, trust: TrustSettings) -> None:
    """An expired acceptance certificate for someone else: the earliest check wins."""
    acceptance = pki.acceptance_pki()
    ends = NOW - timedelta(days=1)
    auth = pki.person_certificate(acceptance, ssin="03021500440", not_before=ends - timedelta(days=900), not_after=ends)

    result = validate(keystore_for(acceptance, auth), trust, expected=ExpectedIdentity(ssin=SSIN))

    assert result.error == ErrorCode.EXPIRED


# --------------------------------------------------------------------------- renewal warning


@pytest.mark.parametrize(
    ("now", "warned"),
    [
        (datetime(2027, 2, 27, 23, 59, tzinfo=UTC), False),
        (datetime(2027, 2, 28, 12, tzinfo=UTC), True),  # 31 May - 3 months = 28 February
        (datetime(2027, 5, 31, 11, tzinfo=UTC), True),
    ],
)
def test_expires_soon_warning(production: pki.Pki, trust: TrustSettings, now: datetime, warned: bool) -> None:
    ends = datetime(2027, 5, 31, 12, tzinfo=UTC)
    auth = pki.person_certificate(production, not_before=datetime(2024, 5, 31, tzinfo=UTC), not_after=ends)

    result = validate(keystore_for(production, auth), trust, now=now)

    assert result.valid
    assert result.warnings == ([WarningCode.EXPIRES_SOON] if warned else [])


def test_renewal_window_is_configurable(python_keystore: bytes, auth: pki.Issued, trust: TrustSettings) -> None:
    five_months_before = add_months(auth.cert.not_valid_after_utc, -5)

    assert validate(python_keystore, trust, now=five_months_before).warnings == []
    assert validate(python_keystore, trust, now=five_months_before, renewal_window_months=6).warnings == [
        "expires_soon"
    ]


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2027, 5, 31), -3, datetime(2027, 2, 28)),
        (datetime(2028, 5, 31), -3, datetime(2028, 2, 29)),
        (datetime(2027, 1, 15), -3, datetime(2026, 10, 15)),
        (datetime(2026, 11, 30), 3, datetime(2027, 2, 28)),
        (datetime(2026, 12, 31), 12, datetime(2027, 12, 31)),
    ],
)
def test_add_months(moment: datetime, months: int, expected: datetime) -> None:
    assert add_months(moment, months) == expected


# --------------------------------------------------------------------------- helpers


def test_parse_identifiers(production: pki.Pki) -> None:
    assert parse_identifiers(pki.person_subject("85073003328")) == {"SSIN": "85073003328"}
    assert parse_identifiers(pki.organisation_subject(nihii="71000436")) == {"NIHII-HOSPITAL": "71000436"}
    assert parse_identifiers(production.root.cert.subject) == {}


def test_load_ca_bundle(tmp_path: Path, production: pki.Pki) -> None:
    path = tmp_path / "production.pem"
    path.write_bytes(production.bundle_pem())

    assert load_ca_bundle(path) == production.bundle
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        load_ca_bundle(path)


def test_unknown_environment_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        TrustSettings("staging")
