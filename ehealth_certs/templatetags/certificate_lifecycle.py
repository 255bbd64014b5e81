"""``{% certificate_lifecycle practitioner %}``: the life-cycle part of a record's certificate panel.

Renewal steps (inside the renewal window), the last renewal's closure, the steps to request a new
certificate after a revocation, and the links to change the password, record a revocation and
read the eID card, each shown only to whom may use it.
"""
from django import template

from .. import access, renewal, revocation, selectors
from ..models import CertificateState, stored_bytes

register = template.Library()


@register.inclusion_tag("ehealth_certs/lifecycle/panel.html", takes_context=True)
def certificate_lifecycle(context, practitioner):
    user = context["request"].user
    can_manage = access.can_manage_certificate(user, practitioner)
    status = selectors.certificate_status(practitioner)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "practitioner": practitioner,
        "can_manage": can_manage,
        "can_read_eid": access.can_view_status(user, practitioner),
        "active": status.certificate,
        "status": status.status,
        "renewal": renewal.renewal_panel(practitioner) if can_manage else None,
        "closure": renewal.last_renewal(practitioner),
        "revoked": revocation.revoked_without_successor(practitioner),
        "revocable": _revocable(practitioner, status.certificate) if can_manage else None,
    }


def _revocable(practitioner, active):
    """The certificate a revocation is most likely about: the active one, else the latest one not revoked."""
    if active is not None:
        return active
    return (
        practitioner.certificates.defer(*stored_bytes())
        .filter(state__in=(CertificateState.SUPERSEDED, CertificateState.REMOVED))
        .first()
    )
