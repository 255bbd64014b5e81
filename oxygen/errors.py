"""How a service says no, the same way in the whole project: it raises ``Refused(code, **params)``.

A service returns what it made (or nothing) when it did its work, and raises ``Refused`` when it
refuses to: a wrong password, a certificate that is no longer active, a date in the future...
``code`` is a short, stable word: the audit log keeps it, tests and pages (``data-error``) read
it. ``params`` are the facts the caller needs to say it in words (``retry_time``), or to show
more (``failed_rules``, ``field_errors``). Services hold no words: views, forms and commands turn
the code into a message (through a per-app text module when several of them say the same thing).

Bugs and broken infrastructure (a database down, a key that no longer decrypts) stay ordinary
exceptions: ``Refused`` is for the answers a user or an operator is meant to read.
This module imports nothing from the apps.
"""
from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A service refused: ``code`` says why, ``params`` give the facts for the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, {', '.join(sorted(self.params))})"
