"""The keystore password throttle, on the local-memory cache and on the real Redis cache backend."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.utils import timezone

from oxygen import throttle
from tests.requires import redis_available, require_service

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def scope() -> list[str]:
    """Scopes of their own, so tests never see each other's counters (and Redis needs no flush)."""
    return throttle.scopes(uuid.uuid4(), uuid.uuid4().hex)


def fail(scope, times, now=None):
    """`times` attempts with a wrong password (counted, never released)."""
    return [throttle.claim(scope, now) for _attempt in range(times)]


def check_limit(scope):
    now = timezone.now()
    assert all(attempt.allowed for attempt in fail(scope, 5, now))
    refused = throttle.claim(scope, now)
    assert not refused.allowed and refused.reason == throttle.WRONG_PASSWORDS
    assert abs(refused.blocked_until - (now + timedelta(minutes=15))) < timedelta(seconds=1)


def check_parallel_attempts(scope, attempts=20):
    """`attempts` wrong passwords at the same moment, each taking a while to validate: at most five
    get through (fewer when a burst refused on one scope briefly held another's count), and the
    rest of the five afterwards, never more."""
    barrier = threading.Barrier(attempts)
    allowed = []

    def attempt():
        barrier.wait()
        claim = throttle.claim(scope)
        if claim.allowed:
            time.sleep(0.05)  # the validation
            allowed.append(claim)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(allowed) <= 5
    assert all(throttle.claim(scope).allowed for _ in range(5 - len(allowed)))
    assert not throttle.claim(scope).allowed


def test_five_wrong_passwords_are_allowed_the_sixth_pauses_for_fifteen_minutes(scope):
    check_limit(scope)


def test_parallel_attempts_cannot_pass_the_limit(scope):
    check_parallel_attempts(scope)


def test_a_right_password_gives_its_count_back(scope):
    for _attempt in range(20):
        throttle.claim(scope).release()

    assert throttle.claim(scope).allowed


def test_a_refused_attempt_counts_nothing_in_the_other_scopes(scope):
    record_scope, user_scope = scope
    fail([record_scope], 5)

    assert not throttle.claim(scope).allowed  # refused on the record: the user's count is left as it was
    fail([user_scope], 5)
    assert not throttle.claim([user_scope]).allowed


def test_each_scope_counts_on_its_own(scope):
    record_scope, user_scope = scope
    fail([record_scope], 5)

    assert not throttle.claim([record_scope]).allowed
    assert throttle.claim([user_scope]).allowed
    assert not throttle.claim(scope).allowed  # any paused scope pauses the attempt


def test_every_validation_counts_per_user_even_with_the_right_password(settings, scope):
    settings.KEYSTORE_VALIDATIONS_PER_USER = 8
    record_scope, user_scope = scope
    for _attempt in range(8):
        throttle.claim([f"record:{uuid.uuid4()}", user_scope]).release()

    refused = throttle.claim([f"record:{uuid.uuid4()}", user_scope])
    assert not refused.allowed and refused.reason == throttle.VALIDATIONS
    assert throttle.claim([record_scope]).allowed  # a record alone (the command line) has no user budget


def test_the_pause_ends_with_the_window(scope):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(scope, 5)
        assert not throttle.claim(scope).allowed
        traveller.shift(timedelta(minutes=15, seconds=1))
        assert throttle.claim(scope).allowed  # a new window starts from scratch
        assert all(attempt.allowed for attempt in fail(scope, 3))


def test_the_caller_s_clock_ends_the_window(scope):
    now = timezone.now()
    fail(scope, 5, now)

    assert throttle.claim(scope, now + timedelta(minutes=15, seconds=1)).allowed


def test_settings_change_the_limits(settings, scope):
    settings.KEYSTORE_PASSWORD_MAX_FAILURES = 2
    settings.KEYSTORE_PASSWORD_FAILURE_WINDOW = 60
    now = timezone.now()
    fail(scope, 2, now)

    refused = throttle.claim(scope, now)
    assert abs(refused.blocked_until - (now + timedelta(seconds=60))) < timedelta(milliseconds=1)




@pytest.fixture
def redis_cache(settings, scope):
    require_service(redis_available(REDIS_URL), "Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "oxygen-tests"}
    }
    assert type(caches["default"]).__name__ == "RedisCache"
    yield caches["default"]
    # Only this test's keys: other runs may share the Redis database.
    caches["default"].delete_many(
        [f"{counter.key}:{part}" for counter in throttle._counters(scope) for part in ("count", "start")]
    )


@pytest.mark.redis
def test_the_limit_holds_on_the_redis_cache_backend(redis_cache, scope):
    check_limit(scope)


@pytest.mark.redis
def test_parallel_attempts_cannot_pass_the_limit_on_redis(redis_cache, scope):
    check_parallel_attempts(scope)
