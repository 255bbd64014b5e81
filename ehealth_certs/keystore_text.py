"""The words for the keystore's codes, in the reader's language: why a keystore is refused, the
certification authority's revocation reasons, the environments, and the password rules.

``ehealth_certs.keystore`` reports codes and raw parameters (dates, environment codes, names,
NISS digits) and imports no Django; this module turns them into lazy translations, the import's
warnings included (``warning_message``, which reads the renewal window from the settings).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ehealth_certs import conf
from ehealth_certs.keystore import password_policy
from practitioners.identifiers import format_niss

if TYPE_CHECKING:
    from ehealth_certs.keystore.result import ValidationResult

_DISPLAY_ZONE = ZoneInfo("Europe/Brussels")

_MESSAGES = {
    "too_large": _(
        "The file is too large (%(size)s KB) to be an eHealth keystore (at most %(max_size)s KB). "
        "Pick the keystore file (.p12 or .acc-p12) from your ehealth/keystore folder."
    ),
    "not_pkcs12": _(
        "This file is not an eHealth keystore (a .p12 or .acc-p12 file). "
        "Make sure you picked the keystore, not the ETK or another file."
    ),
    "no_mac": _(
        "This keystore has no integrity check (MAC), which every eHealth keystore has: it was altered or "
        "not written by the eHealth Certificate Manager. Pick the keystore from your ehealth/keystore folder."
    ),
    "too_costly": _(
        "This keystore asks for far more password-hashing work than an eHealth keystore (more than a million "
        "iterations for one step, or two million in all): it was not written by the eHealth Certificate Manager. "
        "Pick the keystore from your ehealth/keystore folder."
    ),
    "wrong_password": _("The password does not open this keystore."),
    "no_authentication_entry": _(
        'The keystore has no "authentication" key entry: it is not an eHealth keystore, '
        "or the certificate request was not completed."
    ),
    "key_mismatch": _("The authentication certificate does not belong to its private key: the keystore is damaged."),
    "request_incomplete": _(
        "This keystore holds a certificate request that was never completed (step 2, \"complete\", in the "
        "eHealth Certificate Manager). Finish the request in the eHealth Certificate Manager with the same "
        "keystore and password (eHealth can take up to 10 days to deliver the certificate), then import "
        "the completed keystore here."
    ),
    "not_yet_valid": _("The certificate is not valid before %(date)s."),
    "expired": _("The certificate expired on %(date)s. Pick the most recent keystore or renew the certificate."),
    "untrusted_chain": _("The certificate was not issued by a trusted eHealth certification authority."),
    "no_ca_bundle": _(
        "The certificate chain could not be verified because no CA bundle is configured "
        "for the %(environment)s environment."
    ),
    "environment_mismatch": _(
        "This is a certificate for the %(certificate_environment)s environment, "
        "but this installation uses the %(environment)s environment."
    ),
    "usage_digital_signature": _(
        "The authentication certificate may not be used to sign (its key usage lacks digitalSignature): "
        "it is not an eHealth authentication certificate. Pick the keystore written by the eHealth "
        "Certificate Manager."
    ),
    "usage_client_auth": _(
        "The authentication certificate may not be used to log in to services (its extended key usage "
        "lacks clientAuth): it is not an eHealth authentication certificate. Pick the keystore written by "
        "the eHealth Certificate Manager."
    ),
    "authentication_key_type": _(
        "The authentication key is of type %(key_type)s, but eHealth certificates use RSA keys: this keystore "
        "was not made by the eHealth Certificate Manager. Pick the keystore it wrote."
    ),
    "organisation_certificate": _(
        "This keystore holds the certificate of an organisation (%(identifier)s), not of a person. A "
        "practitioner's record needs the practitioner's own eHealth certificate: the keystore named after "
        "their NISS (SSIN=...)."
    ),
    "identity_mismatch": _(
        "This keystore belongs to %(holder)s, not to %(practitioner)s. Pick the keystore of the "
        "practitioner of this record."
    ),
    "identity_not_recorded": _(
        "This keystore belongs to %(holder)s, but this record has no NISS to compare it with. Record the "
        "NISS in the \"Administrative\" tab, then import the keystore again."
    ),
    "no_identifier": _(
        "The certificate carries no NISS: it is not a personal eHealth certificate. Pick the practitioner's "
        "own keystore, the one named after their NISS (SSIN=...)."
    ),
    "older_than_active": _(
        "This certificate expires on %(date)s, not later than the current one (%(active_date)s). "
        "Pick the most recent keystore file (the newest date in its name)."
    ),
    "revoked": _(
        "The certificate was revoked by the certification authority on %(date)s (%(reason)s): the eHealth "
        "services refuse it. Request a new certificate in the eHealth Certificate Manager, then import the new keystore."
    ),
}


# RFC 5280 CRL reasons, as OCSP responders give them.
REVOCATION_REASONS = {
    "unspecified": _("no reason given"),
    "keyCompromise": _("key compromised"),
    "cACompromise": _("certification authority compromised"),
    "affiliationChanged": _("affiliation changed"),
    "superseded": _("replaced by a new certificate"),
    "cessationOfOperation": _("cessation of operation"),
    "certificateHold": _("certificate on hold"),
    "removeFromCRL": _("removed from the revocation list"),
    "privilegeWithdrawn": _("privilege withdrawn"),
    "aACompromise": _("attribute authority compromised"),
}


def revocation_reason_label(reason: str) -> str:
    """The CRL reason in words (a lazy translation); "no reason given" for none or an unknown one."""
    return REVOCATION_REASONS.get(reason, REVOCATION_REASONS["unspecified"])


ENVIRONMENT_NAMES = {"production": _("production"), "acceptance": _("acceptance (test)")}
_PERSON_WITH_NAME = _("%(name)s (NISS %(niss)s)")
_PERSON_WITHOUT_NAME = _("NISS %(niss)s")


def validation_message(result: ValidationResult) -> str:
    """Why validation refused the keystore (a lazy translation); "" when it is valid."""
    if result.error is None:
        return ""
    return failure_message(result.message_key, result.message_params)


def failure_message(message_key: str, params: Mapping[str, object]) -> str:
    """A refusal's message with its raw parameters put into words, in the language active when
    the (lazy) result is rendered."""
    if not params:
        return _MESSAGES[message_key]
    return _lazy_words(message_key, dict(params))


def _words(message_key: str, params: dict[str, object]) -> str:
    values = dict(params)
    for name in ("date", "active_date"):
        if name in values:
            values[name] = _format_date(values[name]) if values[name] is not None else "?"
    for name in ("environment", "certificate_environment"):
        if name in values:
            values[name] = ENVIRONMENT_NAMES[values[name]]
    if "reason" in values:
        values["reason"] = revocation_reason_label(values["reason"])
    if "key_type" in values:
        values["key_type"] = values["key_type"] or "?"
    for role in ("holder", "practitioner"):
        if f"{role}_niss" in values:
            values[role] = _person(values.pop(f"{role}_name"), values.pop(f"{role}_niss"))
    return str(_MESSAGES[message_key]) % values


_lazy_words = lazy(_words, str)


def _person(name: str | None, ssin: str) -> str:
    """E.g. ``Marie Dubois (NISS 85.07.30-001.60)``, or ``NISS 85.07.30-001.60`` without a name."""
    niss = format_niss(ssin)
    if name:
        return str(_PERSON_WITH_NAME) % {"name": name, "niss": niss}
    return str(_PERSON_WITHOUT_NAME) % {"niss": niss}


def _format_date(moment: datetime) -> str:
    return moment.astimezone(_DISPLAY_ZONE).strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- password rules


@dataclass(frozen=True)
class PasswordRule:
    """``message`` says what is wrong when the rule fails; ``requirement`` is the checklist line
    the page ticks while typing (the message when not given)."""

    code: str
    message: str | Promise
    requirement: str | Promise | None = None

    @property
    def checklist_text(self) -> str | Promise:
        return self.requirement if self.requirement is not None else self.message


def _length_message() -> str:
    return gettext("At least %(min_length)d characters.") % {"min_length": password_policy.MIN_LENGTH}


PASSWORD_RULES = (
    PasswordRule(password_policy.LENGTH, lazy(_length_message, str)()),
    PasswordRule(
        password_policy.CHARACTERS,
        _("Only accepted characters: letters without accents, digits, spaces and the symbols of an English keyboard."),
    ),
    PasswordRule(password_policy.DIGIT_OR_SYMBOL, _("At least one digit or symbol.")),
    PasswordRule(
        password_policy.CONFIRMATION,
        _("The confirmation does not match the new password: type the same password twice."),
        requirement=_("The confirmation matches the new password."),
    ),
)
_PASSWORD_RULES_BY_CODE = {rule.code: rule for rule in PASSWORD_RULES}


def failed_password_rules(password: str, confirmation: str | None = None) -> list[PasswordRule]:
    """The rules ``password`` breaks, in order; ``confirmation=None`` skips the confirmation check."""
    return [_PASSWORD_RULES_BY_CODE[code] for code in password_policy.failed_checks(password, confirmation)]


def password_rules_for_browser() -> dict:
    """What password_policy.js needs (rendered with ``json_script``): parameters and messages."""
    return {
        "min_length": password_policy.MIN_LENGTH,
        "accepted": password_policy.ACCEPTED_CHARACTERS,
        "digits_and_symbols": password_policy.DIGITS_AND_SYMBOLS,
        "rules": [{"code": rule.code, "requirement": str(rule.checklist_text)} for rule in PASSWORD_RULES],
    }


WARNING_MESSAGES = {
    "expires_soon": _(
        "This certificate expires within %(months)s months: you can already renew it with the eHealth "
        "Certificate Manager, then import the renewed keystore here."
    ),
    "revocation_unknown": _(
        "The certification authority could not be asked whether this certificate is revoked (its OCSP responder "
        "did not answer, or its answer could not be verified). An imported certificate is checked again every day."
    ),
    "no_encryption_key": _(
        "This keystore has no encryption key (ETK): it lets the practitioner log in to eHealth services, but "
        "not read encrypted eHealth messages (eHealthBox). Create the ETK in the eHealth Certificate Manager "
        "(step \"complete\" of the request, or \"activate the ETK\" after a renewal), then import the "
        "keystore again."
    ),
    "encryption_key_not_issued_by_authentication": _(
        "A key of this keystore looks like an encryption key (ETK) but was not issued by its authentication "
        "key, as the eHealth Certificate Manager makes it: encrypted eHealth messages may not be readable. "
        "Check the ETK in the eHealth Certificate Manager."
    ),
    "encryption_key_other_subject": _(
        "A key of this keystore looks like an encryption key (ETK) but names someone other than the "
        "authentication certificate: encrypted eHealth messages may not be readable. Check the ETK in the "
        "eHealth Certificate Manager."
    ),
    "encryption_key_alias_not_serial": _(
        "A key of this keystore looks like an encryption key (ETK) but is not named after its certificate's "
        "serial number, as the eHealth Certificate Manager names it: the keystore was probably changed by "
        "another tool. Use the keystore written by the eHealth Certificate Manager."
    ),
}


def warning_message(code: str) -> str:
    template = WARNING_MESSAGES.get(code)
    if template is None:
        return code
    return str(template) % {"months": conf.renewal_window_months()}
