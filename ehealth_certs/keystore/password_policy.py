"""The eHealth keystore password policy, as the Certificate Manager checks it while typing (no Django).

Four checks, in the Certificate Manager's order: at least ``MIN_LENGTH`` characters; accepted
characters only (printable ASCII, because Java's PKCS#12 writer refuses anything else); at least
one digit or symbol; the confirmation equal to the new password. The same definitions serve the
server (forms, command line) and the browser: ``ehealth_certs.keystore_text`` puts the rules into
words and hands them, with these parameters, to ``static/js/password_policy.js``, which only
mirrors them.
"""
from __future__ import annotations

import string

MIN_LENGTH = 8
ACCEPTED_CHARACTERS = "".join(chr(code) for code in range(0x20, 0x7F))  # printable ASCII, space included
DIGITS_AND_SYMBOLS = string.digits + string.punctuation

LENGTH, CHARACTERS, DIGIT_OR_SYMBOL, CONFIRMATION = "length", "characters", "digit_or_symbol", "confirmation"
RULES = (LENGTH, CHARACTERS, DIGIT_OR_SYMBOL, CONFIRMATION)
"""The rules' codes, in the order they are checked and listed."""


def failed_checks(password: str, confirmation: str | None = None) -> list[str]:
    """The codes of the rules ``password`` breaks, in order; ``confirmation=None`` skips the confirmation check."""
    failed = []
    if len(password) < MIN_LENGTH:
        failed.append(LENGTH)
    if not password or any(character not in ACCEPTED_CHARACTERS for character in password):
        failed.append(CHARACTERS)
    if not any(character in DIGITS_AND_SYMBOLS for character in password):
        failed.append(DIGIT_OR_SYMBOL)
    if confirmation is not None and confirmation != password:
        failed.append(CONFIRMATION)
    return failed
