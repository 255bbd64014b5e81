"""An audit event as the log page shows it: a summary and labelled details in the reader's language.

Events store facts (``kind``, ``details`` with machine codes) and, for some kinds, a summary that
is data (a certificate's subject). Summaries that older code stored as English sentences are
rebuilt here from the facts, so the page never shows English or a code to a French or Dutch reader.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ehealth_certs.models import CertificateState, RevocationReason, UploadChannel
from ehealth_certs.refusal_reasons import refusal_reason
from ehealth_certs.keystore_text import PASSWORD_RULES, REVOCATION_REASONS, revocation_reason_label

from .models import AuditEvent, EventKind


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


def _date(value) -> str:
    try:
        return formats.date_format(datetime.date.fromisoformat(str(value)[:10]), "d/m/Y")
    except ValueError:
        return str(value)


def _moment_date(value) -> str:
    """The local date of an ISO date and time (e.g. when a CA revoked a certificate)."""
    try:
        return formats.date_format(timezone.localtime(datetime.datetime.fromisoformat(str(value))), "d/m/Y")
    except ValueError:
        return str(value)


def _choice(choices) -> Callable[[object], str]:
    labels = dict(choices.choices)
    return lambda value: str(labels.get(value, value))


def _revocation_reason(value) -> str:
    """The practice's reason (RevocationReason) or, for a revocation seen by OCSP, the CA's (RFC 5280)."""
    if value in REVOCATION_REASONS:
        return str(revocation_reason_label(value))
    return _choice(RevocationReason)(value)


def _rules(codes) -> str:
    messages = {rule.code: rule.message for rule in PASSWORD_RULES}
    return " ".join(str(messages[code]) for code in codes if code in messages)


# Words for the codes of packages the audit log must not import (the API is on top of every other
# package): they register them in their AppConfig.ready(), as the API does for its scopes. A code
# that nobody registered is shown as it is.
CODE_WORDS: dict[str, dict[str, str]] = {}


def register_code_words(key: str, choices) -> None:
    """Let the log read the codes listed in ``details[key]`` with these words ((code, label) pairs)."""
    CODE_WORDS[key] = dict(choices)


def _codes(key: str) -> Callable[[object], str]:
    def read(codes) -> str:
        words = CODE_WORDS.get(key, {})
        return ", ".join(str(words.get(code, code)) for code in codes)

    return read


# details key -> (label, how its value reads)
DETAILS = {
    "file_name": (gettext_lazy("File"), str),
    "via": (gettext_lazy("Channel"), _choice(UploadChannel)),
    "uploader": (gettext_lazy("Imported by"), str),
    "certificate": (gettext_lazy("Certificate"), str),
    "sha256": (gettext_lazy("SHA-256 fingerprint"), str),
    "serial": (gettext_lazy("Serial number"), str),
    "error": (gettext_lazy("Reason"), refusal_reason),
    "failed_rules": (gettext_lazy("Rules not met"), _rules),
    "stored": (gettext_lazy("Stored keystore"), _yes_no),
    "previous_state": (gettext_lazy("State before"), _choice(CertificateState)),
    "reason": (gettext_lazy("Reason"), _revocation_reason),
    "revocation_date": (gettext_lazy("Revocation date"), _date),
    "revoked_at": (gettext_lazy("Revoked on"), _moment_date),
    "proof": (gettext_lazy("PIN checked"), _yes_no),
    "matches_record": (gettext_lazy("Matches the record"), lambda value: "" if value is None else _yes_no(value)),
    "card_not_after": (gettext_lazy("Card valid until"), _date),
    "created": (gettext_lazy("Created"), str),
    "updated": (gettext_lazy("Updated"), str),
    "periods_created": (gettext_lazy("INAMI periods added"), str),
    "refused_while_locked": (gettext_lazy("Refused while locked"), _yes_no),
    "failure_limit": (gettext_lazy("Failed attempts allowed"), str),
    "minutes": (gettext_lazy("Lock (minutes)"), str),
    # service tokens and the calls made with them (the summary of a call is data: "GET /api/v1/… → 200")
    "client": (gettext_lazy("Program"), str),
    "scopes": (gettext_lazy("May read"), _codes("scopes")),
    "requests_per_minute": (gettext_lazy("Requests per minute"), str),
    "method": (gettext_lazy("Method"), str),
    "path": (gettext_lazy("Path"), str),
    "query": (gettext_lazy("Query"), str),
    "status": (gettext_lazy("Answer (HTTP status)"), str),
}


def event_details(event: AuditEvent) -> list[tuple[str, str]]:
    """(label, value) for each detail; a key without a label is left out rather than shown raw."""
    rows = []
    for key, value in event.details.items():
        if key in DETAILS and value not in (None, "", []):
            label, read = DETAILS[key]
            rows.append((str(label), read(value)))
    return rows


def event_summary(event: AuditEvent) -> str:
    details = event.details
    kind = event.kind
    if kind in (EventKind.CERTIFICATE_IMPORT_FAILED, EventKind.KEYSTORE_PASSWORD_CHANGE_FAILED):
        return refusal_reason(details.get("error"))
    if kind == EventKind.CERTIFICATE_REVOKED and details.get("source") == "ocsp":
        return _("Revoked by the certification authority on %(date)s: %(reason)s") % {
            "date": _moment_date(details.get("revoked_at", "")),
            "reason": _revocation_reason(details.get("reason")),
        }
    if kind == EventKind.CERTIFICATE_REVOKED:
        return _("Revoked on %(date)s: %(reason)s") % {
            "date": _date(details.get("revocation_date", "")),
            "reason": _choice(RevocationReason)(details.get("reason")),
        }
    if kind == EventKind.KEYSTORE_PASSWORD_CHANGED:
        if details.get("stored"):
            return _("Stored keystore re-encrypted under a new password")
        return _("Uploaded keystore re-encrypted under a new password (not stored)")
    if kind == EventKind.EID_READ:
        if "error" in details:
            return _("eID card read failed: %(reason)s") % {"reason": refusal_reason(details["error"])}
        return _("eID card read")
    if kind == EventKind.REGISTRY_IMPORT:
        created, updated = int(details.get("created", 0)), int(details.get("updated", 0))
        return ", ".join((
            ngettext("%(count)d record created", "%(count)d records created", created) % {"count": created},
            ngettext("%(count)d record updated", "%(count)d records updated", updated) % {"count": updated},
        ))
    return event.summary  # data (a certificate's subject), or empty
