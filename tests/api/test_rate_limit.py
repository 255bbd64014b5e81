"""A token's rate limit holds under parallel calls, counted in the shared cache (Redis in production)."""
from __future__ import annotations

import datetime
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import caches

from api.models import ServiceToken
from api.rate_limit import PREFIX, WINDOW_SECONDS, TokenRateThrottle
from tests.requires import redis_available, require_service

REDIS_URL = "redis://127.0.0.1:6379/0"




@pytest.fixture
def redis_cache(settings):
    require_service(redis_available(REDIS_URL), "Redis at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "oxygen-tests"}
    }
    assert type(caches["default"]).__name__ == "RedisCache"
    return caches["default"]


def a_token(limit: int) -> ServiceToken:
    """An unsaved token with an id of its own: the throttle reads only its id and limit."""
    return ServiceToken(pk=uuid.uuid4().int % 10**12, requests_per_minute=limit)


def allowed_in_parallel(token: ServiceToken, calls: int) -> int:
    throttle = TokenRateThrottle()
    request = SimpleNamespace(auth=token)
    with ThreadPoolExecutor(max_workers=8) as pool:
        return sum(pool.map(lambda _: throttle.allow_request(request), range(calls)))


@pytest.mark.redis
def test_parallel_calls_cannot_pass_the_limit_on_redis(redis_cache):
    """Forty calls at once within one minute: exactly the ten the token allows pass (its counter is
    unique to this run and expires by itself after two minutes)."""
    token = a_token(limit=10)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, 30, tzinfo=datetime.UTC), tick=False):
        assert allowed_in_parallel(token, 40) == 10
        assert redis_cache.get(f"{PREFIX}:{token.pk}:{int(time.time() // WINDOW_SECONDS)}") == 40


def test_a_new_minute_opens_a_new_window():
    token = a_token(limit=2)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, 59, tzinfo=datetime.UTC), tick=False) as clock:
        assert allowed_in_parallel(token, 3) == 2
        clock.shift(2)
        assert allowed_in_parallel(token, 3) == 2


def test_the_wait_is_what_remains_of_the_minute():
    assert 0 < TokenRateThrottle().wait() <= WINDOW_SECONDS


def test_users_are_not_limited_here():
    assert all(TokenRateThrottle().allow_request(SimpleNamespace(auth=object())) for _ in range(1000))
