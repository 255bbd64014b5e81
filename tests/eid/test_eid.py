"""eid.card against a real PKCS#11 token (SoftHSM2), see tests/softhsm.py."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import PyKCS11
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import translation

from eid import card, errors
from tests import softhsm

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Render messages in English; settings come from pytest-django, or here under -p no:django."""
    if not settings.configured:
        settings.configure(USE_I18N=False)
    with translation.override("en"):
        yield


def test_read_holder_from_authentication_certificate(softhsm_token):
    holder = card.read_authentication_certificate(softhsm_token.module_path)

    assert holder.niss == "85073003328"
    assert holder.last_name == "Peeters"
    assert holder.first_names == "Jan Marie"
    assert holder.not_after == softhsm.DEFAULT_IDENTITY.not_after
    assert holder.not_after.utcoffset() is not None
    assert holder.certificate == softhsm_token.authentication_certificate


def test_niss_keeps_digits_only(softhsm_factory):
    identity = softhsm.EidIdentity(niss="85.07.30-033.28")
    token = softhsm_factory.create(identity=identity)

    assert card.read_authentication_certificate(token.module_path).niss == "85073003328"


def test_authentication_label_falls_back_to_case_insensitive_match(softhsm_factory):
    token = softhsm_factory.create(labels=("Signature", "authentication"))

    holder = card.read_authentication_certificate(token.module_path)

    assert holder.certificate == token.certificates["authentication"]


def test_proof_of_possession_with_right_pin(softhsm_token, monkeypatch):
    signed = _record_signatures(monkeypatch)

    holder = card.prove_possession(softhsm_token.module_path, softhsm_token.pin)

    assert holder.niss == "85073003328"
    assert signed == [PyKCS11.CKM_SHA256_RSA_PKCS]
    # the session was logged out and closed: the card can be used again
    assert card.prove_possession(softhsm_token.module_path, softhsm_token.pin).niss == holder.niss


def test_proof_falls_back_to_raw_rsa_when_sha256_rsa_is_not_offered(softhsm_factory, monkeypatch):
    token = softhsm_factory.create(only_mechanisms=["CKM_RSA_PKCS"])
    signed = _record_signatures(monkeypatch)

    assert card.prove_possession(token.module_path, token.pin).niss == "85073003328"
    assert signed == [PyKCS11.CKM_RSA_PKCS]


def test_proof_with_ec_key_like_recent_cards(softhsm_factory, monkeypatch):
    token = softhsm_factory.create(key_type="ec")
    signed = _record_signatures(monkeypatch)

    holder = card.prove_possession(token.module_path, token.pin)

    assert isinstance(holder.certificate.public_key(), ec.EllipticCurvePublicKey)
    assert signed == [PyKCS11.CKM_ECDSA]  # SoftHSM 2.6 offers no CKM_ECDSA_SHA256


def test_signature_not_matching_certificate(softhsm_token, monkeypatch):
    monkeypatch.setattr(PyKCS11.Session, "sign", lambda self, key, data, mecha: [0] * 256)

    with pytest.raises(errors.SignatureInvalidError) as excinfo:
        card.prove_possession(softhsm_token.module_path, softhsm_token.pin)

    assert excinfo.value.code == "signature_invalid"


def test_wrong_pin(softhsm_token):
    with pytest.raises(card.WrongPinError) as excinfo:
        card.prove_possession(softhsm_token.module_path, "9999")

    error = excinfo.value
    assert error.code == "wrong_pin"
    # SoftHSM sets CKF_USER_PIN_COUNT_LOW after a failure, never FINAL_TRY nor a lock:
    # the number of attempts left cannot be derived.
    assert error.attempts_left is None
    assert error.pin_count_low is True
    assert str(error.message) == "Wrong PIN. Few attempts are left before the PIN is blocked."
    assert "CKR_PIN_INCORRECT" in str(error.__cause__)
    assert card.prove_possession(softhsm_token.module_path, softhsm_token.pin).niss


def test_empty_pin_is_refused_without_asking_the_card(softhsm_token):
    with pytest.raises(card.WrongPinError) as excinfo:
        card.prove_possession(softhsm_token.module_path, "")

    assert excinfo.value.__cause__ is None


@pytest.mark.parametrize(
    ("flags", "expected_type", "attempts_left"),
    [
        (PyKCS11.CKF_USER_PIN_FINAL_TRY | PyKCS11.CKF_USER_PIN_COUNT_LOW, card.WrongPinError, 1),
        (PyKCS11.CKF_USER_PIN_COUNT_LOW, card.WrongPinError, None),
        (0, card.WrongPinError, None),
        (PyKCS11.CKF_USER_PIN_LOCKED, card.PinLockedError, None),
    ],
)
def test_refused_pin_error_from_token_flags(flags, expected_type, attempts_left):
    error = card._wrong_pin_error(flags)

    assert type(error) is expected_type
    assert getattr(error, "attempts_left", None) == attempts_left


def test_final_try_message():
    assert "One attempt is left" in str(card.WrongPinError(attempts_left=1).message)


def test_pin_locked_during_login(softhsm_token, monkeypatch):
    def locked(self, pin, user_type=PyKCS11.CKU_USER):
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_PIN_LOCKED)

    monkeypatch.setattr(PyKCS11.Session, "login", locked)

    with pytest.raises(card.PinLockedError) as excinfo:
        card.prove_possession(softhsm_token.module_path, softhsm_token.pin)

    assert excinfo.value.code == "pin_locked"


def test_module_missing(tmp_path):
    with pytest.raises(card.ModuleMissingError) as excinfo:
        card.read_authentication_certificate(str(tmp_path / "libbeidpkcs11.so.0"))

    assert excinfo.value.code == "module_missing"


def test_module_not_loadable(tmp_path):
    not_a_library = tmp_path / "libbeidpkcs11.so.0"
    not_a_library.write_text("not a shared object")

    with pytest.raises(card.ModuleMissingError):
        card.read_authentication_certificate(str(not_a_library))


def test_no_card_when_no_initialised_token(softhsm_factory):
    token = softhsm_factory.create(initialise=False)

    with pytest.raises(card.NoCardError) as excinfo:
        card.read_authentication_certificate(token.module_path)

    assert excinfo.value.code == "no_card"


def test_no_reader_when_module_reports_no_slot(softhsm_token, monkeypatch):
    monkeypatch.setattr(PyKCS11.PyKCS11Lib, "getSlotList", lambda self, tokenPresent=False: [])

    with pytest.raises(card.NoReaderError) as excinfo:
        card.read_authentication_certificate(softhsm_token.module_path)

    assert excinfo.value.code == "no_reader"


def test_no_authentication_certificate(softhsm_factory):
    token = softhsm_factory.create(labels=("Signature",))

    with pytest.raises(card.NoCertificateError) as excinfo:
        card.prove_possession(token.module_path, token.pin)

    assert excinfo.value.code == "no_certificate"


@pytest.mark.parametrize(
    ("return_value", "expected_type"),
    [
        (PyKCS11.CKR_DEVICE_REMOVED, card.NoCardError),
        (PyKCS11.CKR_DEVICE_ERROR, card.TokenError),
    ],
)
def test_pkcs11_errors_never_escape(softhsm_token, monkeypatch, return_value, expected_type):
    def failing(self, template=()):
        raise PyKCS11.PyKCS11Error(return_value)

    monkeypatch.setattr(PyKCS11.Session, "findObjects", failing)

    with pytest.raises(expected_type) as excinfo:
        card.read_authentication_certificate(softhsm_token.module_path)

    assert excinfo.value.detail == str(PyKCS11.PyKCS11Error(return_value))


def test_compare_niss(softhsm_token):
    holder = card.read_authentication_certificate(softhsm_token.module_path)

    assert card.compare_niss(holder, "85.07.30-033.28") is None
    assert str(card.compare_niss(holder, "85073003427")) == (
        "The eID card belongs to national number 85073003328, not to 85073003427."
    )


def test_token_is_readable_from_a_subprocess(softhsm_token):
    code = (
        "import os; from eid.card import read_authentication_certificate; "
        "print(read_authentication_certificate(os.environ['EID_PKCS11_MODULE']).niss)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=softhsm_token.env(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "85073003328"


def test_missing_softhsm_fails_with_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(softhsm, "SOFTHSM_MODULE", str(tmp_path / "libsofthsm2.so"))

    with pytest.raises(pytest.fail.Exception, match="apt-get install -y softhsm2"):
        softhsm.require_softhsm()


def _record_signatures(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the mechanism of every signature the card makes (and still sign)."""
    signed: list[int] = []
    sign = PyKCS11.Session.sign

    def recording_sign(self, key, data, mecha=PyKCS11.MechanismRSAPKCS1):
        signed.append(mecha.to_native().mechanism)
        return sign(self, key, data, mecha)

    monkeypatch.setattr(PyKCS11.Session, "sign", recording_sign)
    return signed
