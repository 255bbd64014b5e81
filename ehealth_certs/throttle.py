"""Throttling of wrong keystore passwords, per record and per user, in the Django cache.

Fixed windows: the first failure opens a window of ``KEYSTORE_PASSWORD_FAILURE_WINDOW`` seconds
(its start is stored beside the counter); once ``KEYSTORE_PASSWORD_MAX_FAILURES`` failures are
counted in it, attempts are refused until the window ends. ``cache.add`` and ``cache.incr`` are
atomic on Redis (and in the local-memory cache), so concurrent requests cannot slip past the limit.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

PREFIX = "ehealth_certs:keystore-password-failures"


def scopes(practitioner_key: object, user_key: object | None) -> list[str]:
    """The throttled scopes of one attempt: the record, and the user when there is one."""
    keys = [f"record:{practitioner_key}"]
    if user_key is not None:
        keys.append(f"user:{user_key}")
    return keys


def _window() -> int:
    return int(settings.KEYSTORE_PASSWORD_FAILURE_WINDOW)


def _keys(scope: str) -> tuple[str, str]:
    return f"{PREFIX}:{scope}:count", f"{PREFIX}:{scope}:start"


def blocked_until(scope_keys: Iterable[str], now: datetime | None = None) -> datetime | None:
    """When attempts are allowed again, if any scope has used up its failures; else None."""
    now = now or timezone.now()
    limit = int(settings.KEYSTORE_PASSWORD_MAX_FAILURES)
    until = None
    for scope in scope_keys:
        count_key, start_key = _keys(scope)
        values = cache.get_many([count_key, start_key])
        if values.get(count_key, 0) < limit or start_key not in values:
            continue
        end = datetime.fromtimestamp(values[start_key], tz=now.tzinfo) + timedelta(seconds=_window())
        if end > now and (until is None or end > until):
            until = end
    return until


def record_failure(scope_keys: Iterable[str], now: datetime | None = None) -> None:
    now = now or timezone.now()
    for scope in scope_keys:
        count_key, start_key = _keys(scope)
        cache.add(start_key, now.timestamp(), timeout=_window())
        cache.add(count_key, 0, timeout=_window())
        try:
            cache.incr(count_key)
        except ValueError:  # the counter expired between the two calls
            cache.set(count_key, 1, timeout=_window())
