"""The wrong-password throttle, on the local-memory cache and on the real Redis cache backend."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ehealth_certs import throttle
from tests.conftest import require_service

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def scope() -> list[str]:
    """Scopes of their own, so tests never see each other's counters (and Redis needs no flush)."""
    return throttle.scopes(uuid.uuid4(), uuid.uuid4().hex)


def fail(scope, times, now=None):
    for _attempt in range(times):
        throttle.record_failure(scope, now)


def check_limit(scope):
    now = timezone.now()
    fail(scope, 4, now)
    assert throttle.blocked_until(scope, now) is None
    fail(scope, 1, now)
    until = throttle.blocked_until(scope, now)
    assert until is not None and abs(until - (now + timedelta(minutes=15))) < timedelta(seconds=1)


def test_four_failures_are_allowed_the_fifth_pauses_for_fifteen_minutes(scope):
    check_limit(scope)


def test_each_scope_counts_on_its_own(scope):
    record_scope, user_scope = scope
    fail([record_scope], 5)

    assert throttle.blocked_until([record_scope]) is not None
    assert throttle.blocked_until([user_scope]) is None
    assert throttle.blocked_until(scope) is not None  # any paused scope pauses the attempt


def test_the_pause_ends_with_the_window(scope):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(scope, 5)
        assert throttle.blocked_until(scope) is not None
        traveller.shift(timedelta(minutes=15, seconds=1))
        assert throttle.blocked_until(scope) is None
        fail(scope, 1)  # a new window starts from scratch
        assert throttle.blocked_until(scope) is None


def test_settings_change_the_limits(settings, scope):
    settings.KEYSTORE_PASSWORD_MAX_FAILURES = 2
    settings.KEYSTORE_PASSWORD_FAILURE_WINDOW = 60
    now = timezone.now()
    fail(scope, 2, now)

    until = throttle.blocked_until(scope, now)
    assert until is not None and abs(until - (now + timedelta(seconds=60))) < timedelta(milliseconds=1)


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.redis
def test_the_limit_holds_on_the_redis_cache_backend(settings, scope):
    require_service(redis_available(), "Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "oxygen-tests"}
    }
    from django.core.cache import caches

    assert type(caches["default"]).__name__ == "RedisCache"
    try:
        check_limit(scope)
    finally:
        caches["default"].delete_many([key for name in scope for key in throttle._keys(name)])
