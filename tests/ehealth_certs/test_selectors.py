"""Certificate status of many records: annotated in SQL, or attached to a loaded page."""
import pytest
from django.utils import timezone

from ehealth_certs.models import CertificateState
from ehealth_certs.selectors import attach_certificate_status, with_certificate_status
from practitioners.models import Practitioner
from tests.factories import make_practitioner, stored_certificate

pytestmark = pytest.mark.django_db


def test_attached_status_is_the_annotated_one():
    for name, days_left, state in [("Valid", 400, CertificateState.ACTIVE), ("Expiring", 20, CertificateState.ACTIVE),
                                   ("Expired", -3, CertificateState.ACTIVE), ("Removed", 400, CertificateState.REMOVED)]:  # fmt: skip
        record = make_practitioner(niss="", last_name=name)
        stored_certificate(record, days_left=days_left, state=state)
        stored_certificate(record, days_left=days_left - 900, state=CertificateState.SUPERSEDED)
    make_practitioner(niss="", last_name="Never")
    now = timezone.now()

    rows = list(Practitioner.objects.order_by("pk"))
    attach_certificate_status(rows, now)

    annotated = with_certificate_status(Practitioner.objects.order_by("pk"), now)
    expected = list(annotated.values_list("certificate_status", "certificate_not_after"))
    assert [(row.certificate_status, row.certificate_not_after) for row in rows] == expected
    assert [status for status, _ in expected] == ["valid", "expiring", "expired", "none", "none"]
    assert annotated.count() == 5  # one row per record: the join reads the active certificate only
