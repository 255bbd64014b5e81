"""Who may do what with a record's eHealth certificate.

Seeing the status: whoever may see the record (front desk, administrators, the practitioner).
Uploading and removing (and seeing the certificate's details): the practitioner on their own
record, and administrators. Nobody downloads the stored keystore from the web interface.
"""
from __future__ import annotations

from practitioners import roles
from practitioners.models import Practitioner


def can_view_status(user, practitioner: Practitioner) -> bool:
    return roles.can_view_practitioner(user, practitioner)


def can_manage_certificate(user, practitioner: Practitioner) -> bool:
    if roles.is_administrator(user):
        return True
    own = roles.own_practitioner(user)
    return own is not None and own.pk == practitioner.pk
