"""The one list of words that mark a name as holding a secret, for the logs and the audit log.

``looks_secret(name)`` is true when one of the name's words (split at non-alphanumerics and at
camelCase humps) ends with one of ``SECRET_WORDS``, or is one of ``WHOLE_SECRET_WORDS``; a word's
trailing digits do not count (``new_password1``). Whole words only for the short ones, so that
"mapping", "shipping" or "spinner" stay. ``oxygen.logging`` masks the values of such names in log
lines and extras; ``audit.services`` drops such keys from an event's details.

Standard library only: the logging configuration loads it before Django.
"""
from __future__ import annotations

import re

SECRET_WORDS = ("password", "passwd", "pwd", "passphrase", "secret", "key", "token", "pkcs12", "p12")
WHOLE_SECRET_WORDS = ("pin", "pincode", "puk")

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_TRAILING_DIGITS = re.compile(r"\d+$")


def _is_secret_word(word: str) -> bool:
    return any(
        candidate in WHOLE_SECRET_WORDS or candidate.endswith(SECRET_WORDS)
        for candidate in (word, _TRAILING_DIGITS.sub("", word))
    )


def looks_secret(name: object) -> bool:
    """True for names such as "password", "new_password1", "pin", "privateKey", "api_key", "SECRET_KEY"."""
    return any(_is_secret_word(word.lower()) for word in _WORD_SPLIT.split(str(name)) if word)
