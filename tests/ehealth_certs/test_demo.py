import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ehealth_certs.demo import DEMO_KEYSTORE_PASSWORD, seed_demo_certificates
from ehealth_certs.models import Certificate
from ehealth_certs.selectors import status_for
from ehealth_certs.services import validate_for_inspection
from practitioners.demo import seed_demo_practice

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
    result = validate_for_inspection(report.upload_file.read_bytes(), DEMO_KEYSTORE_PASSWORD,
                                     ssin=jan.practitioner.niss)
    assert result.valid, result.message
    assert result.not_after > jan.not_after + datetime.timedelta(days=30)


def test_running_again_adds_nothing(demo_settings):
    first = seed_demo_certificates(demo_settings)
    again = seed_demo_certificates(demo_settings, now=timezone.now())
    assert again.imported == [] and again.upload_file == first.upload_file
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
