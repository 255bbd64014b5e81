"""The eHealth keystore password policy, as the Certificate Manager checks it while typing.

Four checks, in the Certificate Manager's order: at least ``MIN_LENGTH`` characters; accepted
characters only (printable ASCII, because Java's PKCS#12 writer refuses anything else); at least
one digit or symbol; the confirmation equal to the new password. The same definitions serve the
server (forms, command line) and the browser: :func:`rules_for_browser` hands the parameters and
messages to ``static/js/password_policy.js``, which only mirrors them.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_lazy as _

MIN_LENGTH = 8
ACCEPTED_CHARACTERS = "".join(chr(code) for code in range(0x20, 0x7F))  # printable ASCII, space included
DIGITS_AND_SYMBOLS = string.digits + string.punctuation

LENGTH, CHARACTERS, DIGIT_OR_SYMBOL, CONFIRMATION = "length", "characters", "digit_or_symbol", "confirmation"


@dataclass(frozen=True)
class Rule:
    """``message`` says what is wrong when the rule fails; ``requirement`` is the checklist line
    the page ticks while typing (the message when not given)."""

    code: str
    message: str | Promise
    requirement: str | Promise | None = None

    @property
    def checklist_text(self) -> str | Promise:
        return self.requirement if self.requirement is not None else self.message




def _length_message() -> str:
    return gettext("At least %(min_length)d characters.") % {"min_length": MIN_LENGTH}


RULES = (
    Rule(LENGTH, lazy(_length_message, str)()),
    Rule(CHARACTERS, _("Only accepted characters: letters without accents, digits, spaces and the symbols of an English keyboard.")),
    Rule(DIGIT_OR_SYMBOL, _("At least one digit or symbol.")),
    Rule(
        CONFIRMATION,
        _("The confirmation does not match the new password: type the same password twice."),
        requirement=_("The confirmation matches the new password."),
    ),
)
_BY_CODE = {rule.code: rule for rule in RULES}


def failed_checks(password: str, confirmation: str | None = None) -> list[Rule]:
    """The rules ``password`` breaks, in order; ``confirmation=None`` skips the confirmation check."""
    failed = []
    if len(password) < MIN_LENGTH:
        failed.append(LENGTH)
    if not password or any(character not in ACCEPTED_CHARACTERS for character in password):
        failed.append(CHARACTERS)
    if not any(character in DIGITS_AND_SYMBOLS for character in password):
        failed.append(DIGIT_OR_SYMBOL)
    if confirmation is not None and confirmation != password:
        failed.append(CONFIRMATION)
    return [_BY_CODE[code] for code in failed]


def rules_for_browser() -> dict:
    """What password_policy.js needs (rendered with ``json_script``): parameters and messages."""
    return {
        "min_length": MIN_LENGTH,
        "accepted": ACCEPTED_CHARACTERS,
        "digits_and_symbols": DIGITS_AND_SYMBOLS,
        "rules": [{"code": rule.code, "requirement": str(rule.checklist_text)} for rule in RULES],
    }
