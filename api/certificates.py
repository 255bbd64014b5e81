"""``/api/v1/practitioners/{id}/certificate``: is the record's eHealth certificate usable today?

The status the pages show (``ehealth_certs.selectors``: none, valid, expiring, expired), whether the
certificate can be used at this moment, its renewal window and encryption key, and, without an
active certificate, the revocation that ended the last one. Never the keystore nor a key: the stored
bytes are not even loaded.
"""
from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from ehealth_certs import conf, selectors
from ehealth_certs.keystore.dates import add_months
from ehealth_certs.lifecycle.revocation import revoked_without_successor
from ehealth_certs.models import Certificate
from practitioners import access

from .auth import require
from .models import Scope
from .registry import ERRORS, practitioner_or_404
from .schemas import CertificateStatusOut

router = Router(tags=["certificates"])


@router.get(
    "/practitioners/{uuid:public_id}/certificate", url_name="practitioner_certificate", response={200: CertificateStatusOut, **ERRORS},
    summary="The eHealth certificate's status: usable today?",
)
def certificate_status(request: HttpRequest, public_id: uuid.UUID):
    record = practitioner_or_404(request, public_id)
    require(request, Scope.CERTIFICATES, access.MANAGE_REGISTRY, record)
    now = timezone.now()
    status = selectors.certificate_status(record, now)
    active = status.certificate
    revoked = revoked_without_successor(record, active)
    return {
        "practitioner": record.public_id,
        "status": status.status,
        "usable": active is not None and active.not_before <= now < active.not_after,
        "in_renewal_window": status.status in (selectors.EXPIRING, selectors.EXPIRED),
        "certificate": _active(active) if active is not None else None,
        "revoked": _revocation(revoked) if revoked is not None else None,
    }


def _active(certificate: Certificate) -> dict:
    return {
        "id": certificate.public_id, "environment": certificate.environment, "subject": certificate.subject,
        "serial_number": certificate.serial, "fingerprint_sha256": certificate.fingerprint_sha256,
        "valid_from": certificate.not_before, "valid_until": certificate.not_after,
        "renewal_window_starts": add_months(certificate.not_after, -conf.renewal_window_months()),
        "encryption_key": certificate.encryption_key_status, "revocation_check": certificate.revocation_check,
        "revocation_checked_at": certificate.revocation_checked_at,
    }


def _revocation(certificate: Certificate) -> dict:
    by_ca = certificate.revoked_by_ca_at is not None
    return {
        "revocation_date": certificate.revocation_date,
        "reason": (certificate.ca_revocation_reason if by_ca else certificate.revocation_reason) or None,
        "by_certification_authority": by_ca,
    }
