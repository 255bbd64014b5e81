"""When a certificate's expiry reminders fall due (pure functions, no Django models).

The thresholds, in order: the renewal window opens (``window_months`` calendar months before
``not_after``, the same arithmetic as the "expires soon" status), each of ``days_before`` days
before expiry, and expiry itself. A certificate gets the reminder of its *current* threshold, the
latest one crossed: one that enters the system already inside the window gets no earlier ones.
``cutoffs`` gives the same rule as moments to compare ``not_after`` with, which the daily scan
turns into one SQL ``CASE`` expression.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ehealth_certs.keystore.dates import add_months

WINDOW = "window"
EXPIRED = "expired"


def days_code(days: int) -> str:
    return f"{days}d"


def cutoffs(now: datetime, *, window_months: int, days_before: Iterable[int]) -> list[tuple[datetime, str]]:
    """(moment, threshold) pairs, latest threshold first: the current threshold of a certificate is
    the first whose moment is at or after its ``not_after`` (none: before the renewal window opens)."""
    latest_first = [(now, EXPIRED)]
    latest_first += [(now + timedelta(days=days), days_code(days)) for days in sorted(set(days_before))]
    latest_first.append((add_months(now, window_months), WINDOW))
    return latest_first


def current_threshold(
    not_after: datetime, now: datetime, *, window_months: int, days_before: Iterable[int]
) -> str | None:
    """The latest threshold crossed at ``now``, or None before the renewal window opens."""
    for moment, threshold in cutoffs(now, window_months=window_months, days_before=days_before):
        if not_after <= moment:
            return threshold
    return None
