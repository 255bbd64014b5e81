"""When a certificate's expiry reminders fall due (pure functions, no Django models).

The thresholds, in order: the renewal window opens (``window_months`` calendar months before
``not_after``, the same arithmetic as the "expires soon" status), each of ``days_before`` days
before expiry, and expiry itself. A certificate gets the reminder of its *current* threshold, the
latest one crossed: one that enters the system already inside the window gets no earlier ones.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .validation import add_months

WINDOW = "window"
EXPIRED = "expired"


def days_code(days: int) -> str:
    return f"{days}d"


def in_window(not_after: datetime, now: datetime, window_months: int) -> bool:
    """Inside the renewal window or expired: what the "expires soon" status calls expiring or expired."""
    return not_after <= add_months(now, window_months)


def crossed_thresholds(
    not_after: datetime, now: datetime, *, window_months: int, days_before: Iterable[int]
) -> list[str]:
    """The thresholds crossed at ``now``, earliest first."""
    crossed = [WINDOW] if in_window(not_after, now, window_months) else []
    for days in sorted(set(days_before), reverse=True):
        if not_after - timedelta(days=days) <= now:
            crossed.append(days_code(days))
    if not_after <= now:
        crossed.append(EXPIRED)
    return crossed


def current_threshold(
    not_after: datetime, now: datetime, *, window_months: int, days_before: Iterable[int]
) -> str | None:
    """The latest threshold crossed at ``now``, or None before the renewal window opens."""
    crossed = crossed_thresholds(not_after, now, window_months=window_months, days_before=days_before)
    return crossed[-1] if crossed else None
