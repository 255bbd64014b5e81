"""The reminder e-mails: the practitioner's (in their language) and the administrators' digest.

Each message carries its row's Message-ID, so a mail sent again after a worker died between the
SMTP server's acceptance and the row being marked sent is recognisably the same mail.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from practitioners.models import Language
from practitioners.user_language import language_for

from ehealth_certs import conf
from ehealth_certs.reminders.thresholds import EXPIRED, WINDOW
from ehealth_certs.keystore_text import revocation_reason_label

if TYPE_CHECKING:
    from ehealth_certs.models import AdminDigest, Certificate, Reminder, RevocationNotice
    from ehealth_certs.reminders.scan import DigestEntry


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _message(row, language: str, template: str, context: dict) -> EmailMultiAlternatives:
    """Subject, text and HTML rendered with ``language`` active."""
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL, "window_months": conf.renewal_window_months()}
        subject = " ".join(render_to_string(f"ehealth_certs/email/{template}_subject.txt", context).split())
        text = render_to_string(f"ehealth_certs/email/{template}.txt", context)
        html = render_to_string(f"ehealth_certs/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[row.recipient_email],
        headers={"Message-ID": row.message_id, "Content-Language": language, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def practitioner_message(reminder: Reminder) -> EmailMultiAlternatives:
    certificate = reminder.certificate
    practitioner = certificate.practitioner
    expires_on = timezone.localtime(certificate.not_after).date()
    context = {
        "practitioner": practitioner,
        "threshold": reminder.threshold,
        "window": reminder.threshold == WINDOW,
        "expired": reminder.threshold == EXPIRED,
        "expires_on": expires_on,
        "days_left": max((expires_on - timezone.localdate()).days, 0),
        "record_url": absolute_url(practitioner.get_certificate_tab_url()),
    }
    return _message(reminder, practitioner.language or settings.LANGUAGE_CODE, "reminder", context)


def revocation_message(notice: RevocationNotice) -> EmailMultiAlternatives:
    """The certification authority revoked the practitioner's certificate (seen by OCSP)."""
    certificate = notice.certificate
    practitioner = certificate.practitioner
    context = {
        "practitioner": practitioner,
        "revoked_on": timezone.localtime(certificate.revoked_by_ca_at).date(),
        "reason": revocation_reason_label(certificate.ca_revocation_reason),
        "record_url": absolute_url(practitioner.get_absolute_url()),
    }
    return _message(notice, practitioner.language or settings.LANGUAGE_CODE, "revocation", context)


def digest_language(digest: AdminDigest) -> str:
    """The administrator's chosen interface language, else their own record's language when they
    have one (the mails also speak German), else the site's."""
    return language_for(digest.recipient, spoken=Language.values) or settings.LANGUAGE_CODE


def digest_message(
    digest: AdminDigest, entries: list[DigestEntry], *, revoked: list[Certificate] = ()
) -> EmailMultiAlternatives:
    """``revoked``: certificates the certification authority revoked, not yet replaced."""
    context = {
        "digest": digest,
        "entries": entries,
        "revoked": revoked,
        "expiring_count": sum(not entry.expired for entry in entries),
        "expired_count": sum(entry.expired for entry in entries),
        "overview_url": absolute_url(reverse("ehealth_certs:overview")),
        "site_url": settings.SITE_URL,
    }
    return _message(digest, digest_language(digest), "digest", context)
