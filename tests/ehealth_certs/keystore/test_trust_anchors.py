"""The eHealth CAs shipped as each environment's default trust anchors, and the override settings."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from ehealth_certs import conf
from ehealth_certs.lifecycle import keystore_import
from ehealth_certs.keystore.trust import DEFAULT_ANCHORS_DIR, default_anchors, load_ca_bundle
from oxygen.errors import Refused
from tests import pki
from tests.ehealth_certs.keystores import PASSWORD, person_keystore
from tests.production import production_env, run

BASE_DIR = Path(__file__).resolve().parents[3]

SHIPPED_FINGERPRINTS = {
    "production/zetesconfidens-root-ca-001.pem":
        "D3:1C:02:42:4A:0D:23:87:74:33:A2:45:0C:DE:61:A1:C2:7D:C0:06:87:10:34:04:37:7C:4D:2A:47:1F:14:4F",
    "acceptance/zetesconfidens-ehealth-acceptance-issuing-ca-001.pem":
        "51:71:5C:59:64:39:E1:34:5E:24:3A:2B:76:C9:55:E1:CE:77:07:E2:31:75:DA:4E:AA:A8:B7:6E:0A:D4:95:61",
}  # fmt: skip
PRODUCTION_ROOT = "CN=ZetesConfidens Private Trust PKI - root CA 001,2.5.4.5=001,O=ZETES SA,C=BE"
ACCEPTANCE_ISSUING = "CN=TEST-ZetesConfidens-eHealth acceptance test-issuing CA 001,2.5.4.5=001,O=ZETES SA,C=BE"


def fingerprint(certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def test_shipped_files_are_the_published_certificates() -> None:
    shipped = {
        path.relative_to(DEFAULT_ANCHORS_DIR).as_posix(): [fingerprint(cert) for cert in load_ca_bundle(path)]
        for path in DEFAULT_ANCHORS_DIR.glob("*/*.pem")
    }

    assert shipped == {name: [value] for name, value in SHIPPED_FINGERPRINTS.items()}


def test_readme_lists_every_shipped_file_with_its_fingerprint() -> None:
    readme = (BASE_DIR / "README.md").read_text()
    rows = re.findall(r"`ehealth_certs/keystore/trust_anchors/([^`]+)`.*`((?:[0-9A-F]{2}:){31}[0-9A-F]{2})`", readme)

    assert dict(rows) == SHIPPED_FINGERPRINTS


def test_each_environment_trusts_only_its_own_anchor() -> None:
    assert [cert.subject.rfc4514_string() for cert in default_anchors("production")] == [PRODUCTION_ROOT]
    assert [cert.subject.rfc4514_string() for cert in default_anchors("acceptance")] == [ACCEPTANCE_ISSUING]


@pytest.mark.parametrize("environment", ["production", "acceptance"])
def test_a_default_installation_trusts_the_shipped_anchors(settings, environment: str) -> None:
    settings.EHEALTH_ENVIRONMENT = environment
    settings.EHEALTH_CA_BUNDLE_PRODUCTION = settings.EHEALTH_CA_BUNDLE_ACCEPTANCE = None

    trust = conf.trust_settings()

    assert trust.environment == environment
    assert trust.bundle("production") == default_anchors("production")
    assert trust.bundle("acceptance") == default_anchors("acceptance")


@pytest.mark.django_db
def test_the_override_setting_replaces_the_shipped_anchors(settings, tmp_path, practitioner_record) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.EHEALTH_CA_BUNDLE_PRODUCTION = settings.EHEALTH_CA_BUNDLE_ACCEPTANCE = None
    keystore = person_keystore()  # issued by the test PKI, not by eHealth

    with pytest.raises(Refused) as refused:
        keystore_import.import_keystore(practitioner_record, keystore, PASSWORD, source_name="a.p12", now=pki.NOW)

    assert refused.value.code == "untrusted_chain"
    assert "not issued by a trusted eHealth certification authority" in str(refused.value.params["outcome"].message)

    bundle = tmp_path / "test-ca.pem"
    bundle.write_bytes(pki.production_pki().bundle_pem())
    settings.EHEALTH_CA_BUNDLE_PRODUCTION = str(bundle)
    assert conf.trust_settings().bundle("production") == pki.production_pki().bundle

    imported = keystore_import.import_keystore(practitioner_record, keystore, PASSWORD, source_name="a.p12", now=pki.NOW)

    assert imported.imported and imported.certificate.environment == "production"


@pytest.mark.parametrize("environment", ["production", "acceptance"])
@pytest.mark.slow
def test_check_deploy_does_not_ask_for_a_bundle(tmp_path, environment: str) -> None:
    env = production_env(tmp_path, EHEALTH_ENVIRONMENT=environment, EHEALTH_CA_BUNDLE_PRODUCTION=None)
    env.pop("EHEALTH_CA_BUNDLE_ACCEPTANCE", None)

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ehealth_certs" not in output and "System check identified no issues" in output
