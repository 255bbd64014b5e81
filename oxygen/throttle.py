"""Throttling of keystore password and eID PIN attempts, per record and per user, in the shared cache.

Counted first: ``claim`` adds the attempt to every counter of its scopes before the password is
tried, and refuses it (counting nothing) when a counter goes past its limit; so parallel requests
cannot all pass a limit that each of them read before any had failed (in a burst, an attempt
refused on one scope holds its count on another for a moment, so a few fewer may pass; never
more). A right password gives its
wrong-password counts back (``Claim.release``). Each user's validations are counted as
well, right password or not (``KEYSTORE_VALIDATIONS_PER_USER``): key derivations are slow, and one
account must not keep the workers busy. eID PIN attempts are counted per user the same way
(``EID_PIN_ATTEMPTS_PER_USER``): each one is tried on the card in the server's reader.

Fixed windows: a counter's first attempt opens a window of ``KEYSTORE_PASSWORD_FAILURE_WINDOW``
seconds (its start is stored beside the count); a counter past its limit refuses until the window
ends. ``cache.add``, ``cache.incr`` and ``cache.decr`` are atomic on Redis and in the local-memory
cache; with DEBUG off the settings refuse a cache that is not shared by every process.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

PREFIX = "ehealth_certs:keystore-password-failures"
VALIDATIONS_PREFIX = "ehealth_certs:keystore-validations"
EID_PIN_PREFIX = "ehealth_certs:eid-pin-attempts"

WRONG_PASSWORDS = "wrong_passwords"
VALIDATIONS = "validations"


def scopes(practitioner_key: object, user_key: object | None) -> list[str]:
    """The throttled scopes of one attempt: the record, and the user when there is one."""
    keys = [f"record:{practitioner_key}"]
    if user_key is not None:
        keys.append(f"user:{user_key}")
    return keys


@dataclass(frozen=True)
class _Counter:
    key: str
    limit: int
    kind: str  # WRONG_PASSWORDS counts are given back when the password was right


def _counters(scope_keys: Iterable[str]) -> list[_Counter]:
    counters = []
    for scope in scope_keys:
        counters.append(_Counter(f"{PREFIX}:{scope}", int(settings.KEYSTORE_PASSWORD_MAX_FAILURES), WRONG_PASSWORDS))
        if scope.startswith("user:"):
            counters.append(
                _Counter(f"{VALIDATIONS_PREFIX}:{scope}", int(settings.KEYSTORE_VALIDATIONS_PER_USER), VALIDATIONS)
            )
    return counters


def _window() -> int:
    return int(settings.KEYSTORE_PASSWORD_FAILURE_WINDOW)


def _count(counter: _Counter, now: datetime) -> int:
    """Adds one to the counter (opening its window if needed) and returns the new count."""
    count_key, start_key = f"{counter.key}:count", f"{counter.key}:start"
    start = cache.get(start_key)
    if start is not None and start + _window() <= now.timestamp():  # the window has ended: a new one begins
        cache.delete_many([count_key, start_key])
    cache.add(start_key, now.timestamp(), timeout=_window())
    return count_one(count_key, _window())


def count_one(key: str, timeout: int) -> int:
    """Add one to the shared counter ``key`` (created at 0, living ``timeout`` seconds, when absent) and
    return the new count: atomic on Redis and in the local-memory cache."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # it expired (or was evicted) between the two calls: this one starts it again
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)


def _give_back(counter: _Counter) -> None:
    try:
        cache.decr(f"{counter.key}:count")
    except ValueError:  # the window has ended meanwhile: nothing left to give back
        pass


def _window_end(counter: _Counter, now: datetime) -> datetime:
    start = cache.get(f"{counter.key}:start")
    if start is None:
        return now + timedelta(seconds=_window())
    return datetime.fromtimestamp(start, tz=now.tzinfo) + timedelta(seconds=_window())


@dataclass
class Claim:
    """One attempt, counted; or refused (``blocked_until`` set, nothing counted)."""

    blocked_until: datetime | None = None
    reason: str | None = None  # WRONG_PASSWORDS or VALIDATIONS when refused
    _counted: tuple[_Counter, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.blocked_until is None

    @property
    def retry_time(self) -> str:
        """When a refused attempt may be tried again, as the messages say it (local HH:MM)."""
        return timezone.localtime(self.blocked_until).strftime("%H:%M")

    def release(self) -> None:
        """Gives back the wrong-password counts of this attempt, which turned out not to be a wrong
        password (right, or never tried); the validation count stays."""
        for counter in self._counted:
            if counter.kind == WRONG_PASSWORDS:
                _give_back(counter)
        self._counted = tuple(counter for counter in self._counted if counter.kind != WRONG_PASSWORDS)


def claim(scope_keys: Iterable[str], now: datetime | None = None) -> Claim:
    """Counts one password attempt in every scope, before the password is tried."""
    return _claim(_counters(scope_keys), now or timezone.now())


def claim_eid_pin(user_key: object, now: datetime | None = None) -> Claim:
    """Counts one eID PIN attempt of a user (every attempt, right PIN or not) before the card is asked."""
    counter = _Counter(f"{EID_PIN_PREFIX}:user:{user_key}", int(settings.EID_PIN_ATTEMPTS_PER_USER), VALIDATIONS)
    return _claim([counter], now or timezone.now())


def _claim(counters: list[_Counter], now: datetime) -> Claim:
    counted: list[_Counter] = []
    refused: Claim | None = None
    for counter in counters:
        count = _count(counter, now)
        counted.append(counter)
        if count > counter.limit:
            end = _window_end(counter, now)
            if refused is None or end > refused.blocked_until:
                refused = Claim(blocked_until=end, reason=counter.kind)
    if refused is not None:
        for counter in counted:
            _give_back(counter)
        return refused
    return Claim(_counted=tuple(counted))
