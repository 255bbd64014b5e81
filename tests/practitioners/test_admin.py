import pytest
from django.urls import reverse

from practitioners.models import TreatmentType

pytestmark = pytest.mark.django_db


def test_administrator_edits_the_treatment_type_list(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:practitioners_treatmenttype_add"), {"name": "Ergothérapie", "code": "ergotherapy", "is_active": "on"}
    )
    assert response.status_code == 302
    assert TreatmentType.objects.filter(code="ergotherapy", name="Ergothérapie").exists()


def test_admin_record_pages_open(client, administrator, practitioner_record):
    client.force_login(administrator)
    for url in (
        reverse("admin:practitioners_practitioner_changelist") + "?q=85073003328",
        reverse("admin:practitioners_practitioner_change", args=[practitioner_record.pk]),
        reverse("admin:practitioners_practitioner_history", args=[practitioner_record.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_admin_refuses_a_bad_niss_like_the_pages(client, administrator, practitioner_record):
    client.force_login(administrator)
    response = client.post(reverse("admin:practitioners_practitioner_add"), {
        "last_name": "X", "first_names": "Y", "niss": "85073003329", "language": "fr", "contact_type": "provider",
        "inami_periods-TOTAL_FORMS": "0", "inami_periods-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "check digits" in response.content.decode()
