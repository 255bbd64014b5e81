"""Who may do what with a record's eHealth certificate (the rule of ``practitioners.access``).

Seeing the status: whoever may see the record (registry managers, the practitioner).
Uploading and removing (and seeing the certificate's details): the practitioner on their own
record, and whoever may manage any certificate. Nobody downloads the stored keystore from the web
interface.
"""
from __future__ import annotations

from practitioners import access
from practitioners.models import Practitioner


def can_view_status(user, practitioner: Practitioner) -> bool:
    return access.allowed(user, access.MANAGE_REGISTRY, practitioner)


def can_manage_certificate(user, practitioner: Practitioner) -> bool:
    return access.allowed(user, access.MANAGE_ANY_CERTIFICATE, practitioner)
