import datetime
import io
import shlex
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ehealth_certs.demo import DEMO_KEYSTORE_PASSWORD, seed_demo_certificates
from ehealth_certs.models import Certificate
from ehealth_certs.selectors import status_for
from ehealth_certs.lifecycle.keystore_import import import_keystore, validate_for_inspection
from practitioners.demo import seed_demo_practice
from practitioners.models import Practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.EHEALTH_ENVIRONMENT = "acceptance"
    settings.EHEALTH_CA_BUNDLE_ACCEPTANCE = str(tmp_path / "ca-acceptance.pem")
    seed_demo_practice()
    return tmp_path


def test_demo_certificates_cover_each_status_and_leave_an_uploadable_file(demo_settings):
    report = seed_demo_certificates(demo_settings)
    assert len(report.imported) == 4
    statuses = [status_for(c.not_after) for c in Certificate.objects.all()]
    assert sorted(statuses) == ["expired", "expiring", "valid", "valid"]
    jan = Certificate.objects.get(practitioner__last_name="Peeters")
    result = validate_for_inspection(report.upload_files[jan.practitioner].read_bytes(), DEMO_KEYSTORE_PASSWORD,
                                     ssin=jan.practitioner.niss)
    assert result.valid, (result.message_key, result.message_params)
    assert result.not_after > jan.not_after + datetime.timedelta(days=30)


def test_the_record_inside_the_renewal_window_gets_its_renewed_keystore(demo_settings):
    """A newcomer can finish a renewal: marie.dubois's renewed keystore imports on her record."""
    report = seed_demo_certificates(demo_settings)
    marie = Practitioner.objects.get(last_name="Dubois")
    current = Certificate.objects.get(practitioner=marie)
    assert status_for(current.not_after) == "expiring"
    outcome = import_keystore(marie, report.upload_files[marie].read_bytes(), DEMO_KEYSTORE_PASSWORD,
                              source_name=report.upload_files[marie].name)
    assert outcome.imported, outcome.message
    assert status_for(outcome.certificate.not_after) == "valid"


def test_the_command_prints_each_renewed_keystore_quoted_with_its_password(demo_settings, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo_certificates", folder=str(demo_settings), stdout=out)
    printed = out.getvalue()
    paths = [shlex.split(line)[0] for line in printed.splitlines() if "keystore" in line and "SSIN=" in line]
    assert len(paths) == 2 and all(Path(path).is_file() for path in paths), printed
    assert "marie.dubois" in printed and "jan.peeters" in printed
    assert printed.count(DEMO_KEYSTORE_PASSWORD) == 2


def test_running_again_adds_nothing(demo_settings):
    first = seed_demo_certificates(demo_settings)
    again = seed_demo_certificates(demo_settings, now=timezone.now())
    assert again.imported == [] and again.upload_files == first.upload_files
    assert Certificate.objects.count() == 4


def test_command_refuses_a_production_trust_configuration(settings, tmp_path):
    settings.DEBUG = True
    settings.EHEALTH_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="EHEALTH_ENVIRONMENT=acceptance"):
        call_command("seed_demo_certificates", folder=str(tmp_path))
    assert not (tmp_path / "ca-acceptance.pem").exists()


def test_command_refuses_to_run_with_debug_off(settings, tmp_path):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo_certificates", folder=str(tmp_path))
