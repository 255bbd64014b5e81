"""The certificate button of a record and the status badge of the registry list.

``{% certificate_button practitioner %}`` loads the record's active certificate itself (one
query), so the record page needs nothing from its view; ``{% certificate_badge row %}`` reads the
``certificate_status`` / ``certificate_not_after`` annotations of
``selectors.with_certificate_status`` (no query).
"""
from django import template

from .. import access, selectors

register = template.Library()


@register.inclusion_tag("ehealth_certs/includes/certificate_button.html", takes_context=True)
def certificate_button(context, practitioner, show_remove=True):
    user = context["request"].user
    return {
        "practitioner": practitioner,
        "status": selectors.certificate_status(practitioner),
        "can_manage": access.can_manage_certificate(user, practitioner),
        "show_remove": show_remove,
    }


@register.inclusion_tag("ehealth_certs/includes/certificate_badge.html")
def certificate_badge(practitioner):
    return {
        "status": getattr(practitioner, "certificate_status", None),
        "not_after": getattr(practitioner, "certificate_not_after", None),
    }
