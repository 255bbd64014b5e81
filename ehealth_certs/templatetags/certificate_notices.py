"""``{% certificate_notices %}``: the main screen's notices about expiring eHealth certificates.

A practitioner whose active certificate is inside the renewal window (or expired) is told when it
expires; administrators see how many certificates expire within the window and how many have
expired, with a link to the overview. Two queries at most.
"""
from django import template
from django.db.models import Count, Q
from django.utils import timezone

from practitioners import roles

from .. import conf, selectors
from ..models import Certificate, CertificateState

register = template.Library()


def _administrator_counts(now) -> dict[str, int]:
    due = Certificate.objects.filter(
        state=CertificateState.ACTIVE, practitioner__is_active=True, not_after__lte=selectors.renewal_threshold(now)
    )
    return due.aggregate(expiring=Count("pk", filter=Q(not_after__gt=now)), expired=Count("pk", filter=Q(not_after__lte=now)))


@register.inclusion_tag("ehealth_certs/includes/certificate_notices.html", takes_context=True)
def certificate_notices(context):
    user = context["request"].user
    now = timezone.now()
    notices = {"window_months": conf.renewal_window_months()}
    own = roles.own_practitioner(user)
    if own is not None:
        status = selectors.certificate_status(own, now)
        if status.status in (selectors.EXPIRING, selectors.EXPIRED):
            notices.update(own_record=own, own_status=status)
    if roles.is_administrator(user):
        counts = _administrator_counts(now)
        if counts["expiring"] or counts["expired"]:
            notices.update(admin_counts=counts)
    return notices
