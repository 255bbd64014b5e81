"""The certificate's template tags, for the record, the registry list and the main screen.

``{% certificate_button practitioner %}`` (and ``{% certificate_status_text practitioner %}``) loads
the record's active certificate itself (one query), so the record page needs nothing from its view;
``{% certificate_badge row %}`` reads the ``certificate_status`` / ``certificate_not_after``
attributes set by ``selectors.with_certificate_status`` or ``selectors.attach_certificate_status``
(no query). ``{% certificate_lifecycle practitioner %}`` is the life-cycle part of the record's
certificate panel: renewal steps (inside the renewal window), the last renewal's closure, the steps
to request a new certificate after a revocation, and the links to change the password, record a
revocation and read the eID card, each shown only to whom may use it. ``{% certificate_notices %}``
is the main screen's notices: a practitioner whose active certificate is inside the renewal window
(or expired) is told when it expires; administrators see how many certificates expire within the
window and how many have expired, with a link to the overview (two queries at most).
"""
from django import template
from django.db.models import Count, Q
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from practitioners.access import CERTIFICATES_OVERVIEW, allowed, own_practitioner

from ehealth_certs import access, conf, selectors
from ehealth_certs.lifecycle import renewal, revocation
from ehealth_certs.models import Certificate, CertificateState, stored_bytes

register = template.Library()


def _status_and_revocation(practitioner) -> dict:
    """The active certificate's status and, when there is none, the revoked certificate that ended it."""
    status = selectors.certificate_status(practitioner)
    return {"status": status, "revoked": revocation.revoked_without_successor(practitioner, status.certificate)}


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
# with a template per row, which a registry page paid once per row (docs/benchmarks.md,
# benchmark 1, second round).
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
        "revoked": revocation.revoked_without_successor(practitioner, status.certificate),
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
    own = own_practitioner(user)
    if own is not None:
        status = selectors.certificate_status(own, now)
        if status.status in (selectors.EXPIRING, selectors.EXPIRED):
            notices.update(own_record=own, own_status=status)
    if allowed(user, CERTIFICATES_OVERVIEW):
        counts = _administrator_counts(now)
        if counts["expiring"] or counts["expired"]:
            notices.update(admin_counts=counts)
    return notices
