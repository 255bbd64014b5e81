"""The certificate button of a record, its sentence alone, and the status badge of the registry list.

``{% certificate_button practitioner %}`` (and ``{% certificate_status_text practitioner %}``) loads the record's active certificate itself (one
query), so the record page needs nothing from its view; ``{% certificate_badge row %}`` reads the
``certificate_status`` / ``certificate_not_after`` attributes set by
``selectors.with_certificate_status`` or ``selectors.attach_certificate_status`` (no query).
"""
from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import access, revocation, selectors

register = template.Library()


def _status_and_revocation(practitioner) -> dict:
    """The active certificate's status and, when there is none, the revoked certificate that ended it."""
    status = selectors.certificate_status(practitioner)
    return {"status": status, "revoked": revocation.revoked_without_successor(practitioner) if status.certificate is None else None}


@register.inclusion_tag("ehealth_certs/includes/certificate_button.html", takes_context=True)
def certificate_button(context, practitioner, show_remove=True):
    user = context["request"].user
    return {
        "practitioner": practitioner,
        **_status_and_revocation(practitioner),
        "can_manage": access.can_manage_certificate(user, practitioner),
        "show_remove": show_remove,
    }


@register.inclusion_tag("ehealth_certs/includes/certificate_status_text.html")
def certificate_status_text(practitioner):
    """The button's sentence alone ("eHealth certificate (31/12/2026)"), for the printed record."""
    return _status_and_revocation(practitioner)


# Status -> (badge colour, text with the expiry date as %(date)s). Built in Python rather than
# with a template per row: a 25-row registry page rendered 25 small templates (about 1 ms).
BADGES = {
    selectors.VALID: ("text-bg-success", "%(date)s"),
    selectors.EXPIRING: ("text-bg-warning", _("%(date)s (expires soon)")),
    selectors.EXPIRED: ("text-bg-danger", _("expired %(date)s")),
    selectors.NONE: ("text-bg-danger", _("none")),
}


def badge_texts() -> dict[str, tuple[str, str]]:
    """BADGES with their texts translated into the active language, for a whole page of rows."""
    return {status: (colour, str(text)) for status, (colour, text) in BADGES.items()}


@register.simple_tag
def certificate_badge(practitioner, texts: dict[str, tuple[str, str]] | None = None):
    status = getattr(practitioner, "certificate_status", None)
    texts = texts or BADGES  # without a page's translated texts, translate only this row's
    if status not in texts:
        return ""
    colour, text = texts[status]
    text = str(text)
    not_after = getattr(practitioner, "certificate_not_after", None)
    if not_after is not None:
        text = text % {"date": dateformat.format(timezone.localtime(not_after), "d/m/Y")}
    return format_html('<span class="badge {}" data-status="{}">{}</span>', colour, status, text)
